# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
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
        {'content': '#!/bin/sh\necho init\n', 'dest': '/.init', 'mode': '0755', 'exclude': [], 'option': 'init'},
        {'content': '#!/bin/sh\n', 'dest': '/.done', 'mode': '0755', 'exclude': [], 'option': 'done'}]
    assert 'init' not in built and built['systemd_enable'] == []


def test_an_empty_script_is_refused(tmp_path):
    with pytest.raises(LinuxrcError, match='empty'):
        build_params(params(tmp_path, done='  '))


@pytest.mark.skipif(not shutil.which('mksquashfs'), reason='squashfs-tools is not installed')
@pytest.mark.parametrize('how', ['dest', 'directory', 'path', 'srm'])
def test_a_script_path_brought_by_any_source_is_refused_before_writing(tmp_path, how):
    """/.init (or /.done) from a dest, inside a source directory, a single file or another SRM (issue 27, class 6)."""
    tree = tmp_path / 'tree'
    tree.mkdir()
    (tree / '.done').write_text('#!/bin/sh\necho from the tree\n')
    if how == 'dest':
        source = {'content': 'x', 'dest': '/.done'}
    elif how == 'directory':
        source = {'src': str(tree)}
    elif how == 'path':
        source = {'path': str(tree / '.done'), 'dest': '/'}
    else:
        srm = tmp_path / 'other.srm'
        subprocess.run(['mksquashfs', str(tree), str(srm), '-quiet', '-no-progress'], check=True,
                       stdout=subprocess.DEVNULL)
        source = {'srm': str(srm)}
    args = params(tmp_path, done='#!/bin/sh\necho done\n', sources=[{'content': 'hi\n', 'dest': '/etc/fleet'}, source])
    for check in (True, False):
        with pytest.raises(RescueFleetError, match=r'sources\[1\] also writes /.done; give the script either as '
                                                   r'done or as a source, not both'):
            LinuxrcPartBuild(args, shutil.which('mksquashfs'), check_mode=check).run()
    assert not (tmp_path / 'fleet-tools').exists()
    if how in ('directory', 'srm'):  # the advice works
        source['exclude'] = ['.done']
        assert LinuxrcPartBuild(args, shutil.which('mksquashfs')).run()['changed']


@pytest.mark.skipif(not shutil.which('mksquashfs'), reason='squashfs-tools is not installed')
def test_built_part_holds_the_scripts_and_is_a_noop_the_second_time(tmp_path):
    args = params(tmp_path, init='#!/bin/sh\necho init "$1"\n')
    first = LinuxrcPartBuild(args, shutil.which('mksquashfs')).run()
    second = LinuxrcPartBuild(args, shutil.which('mksquashfs')).run()
    assert first['changed'] and not second['changed'] and first['init'] and not first['done']
    listing = subprocess.run(['unsquashfs', '-lls', str(tmp_path / 'fleet-tools')], check=True,
                             stdout=subprocess.PIPE, universal_newlines=True).stdout
    assert any(line.startswith('-rwxr-xr-x root/root') and line.endswith('/.init') for line in listing.splitlines())


@pytest.mark.parametrize('name, advice', [
    ('config', 'give the part another name, such as fleet-config'),
    ('CHECKSUMS', 'give the part another name, such as fleet-CHECKSUMS'),
    ('.hidden', 'such as fleet.hidden'),
    ('x' * 256, 'give a shorter name'),
])
def test_refused_part_names_say_what_to_do(name, advice):
    """A reserved name names the reserved ones and the next step (issue 27, class 7)."""
    from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import part_name_problem
    problem = part_name_problem(name)
    assert advice in problem
    if name.lower() in ('config', 'checksums'):
        assert 'reserved: config, loader' in problem and 'parts[].name' in problem
