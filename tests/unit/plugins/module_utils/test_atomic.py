# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic


def test_write_bytes_replaces_atomically_and_keeps_the_mode(tmp_path):
    dest = str(tmp_path / 'a.cfg')
    atomic.write_bytes(dest, b'one')
    assert open(dest, 'rb').read() == b'one' and os.stat(dest).st_mode & 0o777 == 0o644
    os.chmod(dest, 0o600)
    atomic.write_text(dest, 'two')
    assert open(dest).read() == 'two' and os.stat(dest).st_mode & 0o777 == 0o600
    atomic.write_bytes(dest, b'three', mode=0o755)
    assert os.stat(dest).st_mode & 0o777 == 0o755
    assert os.listdir(str(tmp_path)) == ['a.cfg']


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    dest = str(tmp_path / 'a.cfg')
    atomic.write_bytes(dest, b'old')

    def fill(temp):
        with open(temp, 'wb') as handle:
            handle.write(b'half')
        raise OSError(errno.ENOSPC, 'No space left on device', temp)
    with pytest.raises(OSError):
        atomic.write_file(dest, fill)
    assert open(dest, 'rb').read() == b'old' and os.listdir(str(tmp_path)) == ['a.cfg']


def test_copy_file_and_temp_names(tmp_path):
    src, dest = tmp_path / 'src', str(tmp_path / '10-a.srm')
    src.write_bytes(b'module')
    atomic.copy_file(str(src), dest)
    assert open(dest, 'rb').read() == b'module'
    temp = atomic.make_temp_file(dest)
    name = os.path.basename(temp)
    assert atomic.is_temp_name(name) and not name.endswith('.srm')
    assert atomic.is_temp_name('~RF0A1B2.TMP') and not atomic.is_temp_name('10-a.srm')
    assert atomic.sweep(dest) == [temp] and not os.path.exists(temp)
