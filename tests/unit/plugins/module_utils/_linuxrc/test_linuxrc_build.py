# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.build import build_params
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_part import LinuxrcPartBuild


def params(tmp_path, **extra):
    base = dict(dest=str(tmp_path / 'fleet-tools'), sources=[{'content': 'hi\n', 'dest': '/etc/fleet'}],
                compression='xz', compression_level=None, block_size='128K', ownership='root',
                allow_core_overrides=False, force=False, init=None, done=None)
    base.update(extra)
    return base


def test_scripts_become_executable_root_files(tmp_path):
    built = build_params(params(tmp_path, init='#!/bin/sh\necho init\n', done='#!/bin/sh\n'))
    assert built['sources'][-2:] == [
        {'content': '#!/bin/sh\necho init\n', 'dest': '/.init', 'mode': '0755', 'exclude': []},
        {'content': '#!/bin/sh\n', 'dest': '/.done', 'mode': '0755', 'exclude': []}]
    assert 'init' not in built and built['systemd_enable'] == []


def test_a_source_at_the_script_path_is_refused(tmp_path):
    with pytest.raises(LinuxrcError, match='not both'):
        build_params(params(tmp_path, init='#!/bin/sh\n', sources=[{'content': 'x', 'dest': '/.init'}]))
    with pytest.raises(LinuxrcError, match='empty'):
        build_params(params(tmp_path, done='  '))


@pytest.mark.skipif(not shutil.which('mksquashfs'), reason='squashfs-tools is not installed')
def test_built_part_holds_the_scripts_and_is_a_noop_the_second_time(tmp_path):
    args = params(tmp_path, init='#!/bin/sh\necho init "$1"\n')
    first = LinuxrcPartBuild(args, shutil.which('mksquashfs')).run()
    second = LinuxrcPartBuild(args, shutil.which('mksquashfs')).run()
    assert first['changed'] and not second['changed'] and first['init'] and not first['done']
    listing = subprocess.run(['unsquashfs', '-lls', str(tmp_path / 'fleet-tools')], check=True,
                             stdout=subprocess.PIPE, universal_newlines=True).stdout
    assert any(line.startswith('-rwxr-xr-x root/root') and line.endswith('/.init') for line in listing.splitlines())
