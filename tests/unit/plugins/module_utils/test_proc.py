# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import errno

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError, describe_os_error
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import mtools_env, run, tail


class ToolError(RescueFleetError):
    pass


def test_run_returns_text_and_feeds_stdin():
    assert run(['cat'], ToolError, stdin='hello').stdout == 'hello'
    assert run(['cat'], ToolError, stdin=b'\xff', text=False).stdout == b'\xff'
    assert run(['cat'], ToolError).stdout == ''  # never waits for the caller's stdin


def test_run_failures_name_the_step_and_the_fix():
    with pytest.raises(ToolError, match=r'^cannot run no-such-tool-x: .*; apt-get install x$'):
        run(['no-such-tool-x'], ToolError, hint='apt-get install x')
    with pytest.raises(ToolError, match=r'^listing failed \(exit 3\): line 1 / line 2 / line 3$'):
        run(['sh', '-c', 'printf "line 1\\nline 2\\nline 3\\n" >&2; exit 3'], ToolError, what='listing')
    assert run(['false'], ToolError, allow_fail=True).returncode == 1


def test_tail_and_mtools_env():
    assert tail(b'a\nb\nc\n', 2) == 'b / c' and tail('') == ''
    env = mtools_env()
    assert env['MTOOLS_SKIP_CHECK'] == '1' and env['LC_ALL'] == 'C'


@pytest.mark.parametrize('code, advice', [
    (errno.ENOSPC, 'the filesystem is full'), (errno.EACCES, 'run the task with become'),
    (errno.EIO, 'the medium or disk may be failing'), (errno.EROFS, 'read-only'), (errno.ENOTSUP, 'check the paths'),
])
def test_os_errors_become_advice(code, advice):
    message = describe_os_error(OSError(code, 'Some error', '/m/sysresccd/x.srm'))
    assert 'Some error (/m/sysresccd/x.srm): ' in message and advice in message
