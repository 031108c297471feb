# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sysrescue_config run object on a directory medium: one file by name, and several files in one run."""

from __future__ import annotations

import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import ConfigError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.sysrescue_config import SysrescueConfig

DEFAULTS = b'---\nglobal:\n    copytoram: false\n    loadsrm: false\nsysconfig:\n    timezone: Europe/Paris\n'


@pytest.fixture
def medium(tmp_path):
    (tmp_path / 'sysrescue.d').mkdir()
    (tmp_path / 'sysrescue.d' / '100-defaults.yaml').write_bytes(DEFAULTS)
    return tmp_path


def run(medium, check_mode=False, diff=False, **params):
    full = {'media': {'path': str(medium)}, 'path': None, 'name': None, 'config': {}, 'state': 'present',
            'files': None, 'sysrescuecfg': [], 'cmdline': '', 'purpose': None}
    full.update(params)
    task = SysrescueConfig(full, check_mode=check_mode, want_diff=diff)
    result = task.run()
    return result, task


def listing(medium):
    return sorted(os.listdir(str(medium / 'sysrescue.d')))


def test_one_file_by_name(medium):
    result, _task = run(medium, name='500-host.yaml', config={'global': {'loadsrm': True}}, diff=True)
    assert result['changed'] and result['path'] == str(medium / 'sysrescue.d' / '500-host.yaml')
    assert result['paths'] == [result['path']]
    assert isinstance(result['diff'], dict) and 'loadsrm: true' in result['diff']['after']
    assert result['effective']['global'] == {'copytoram': False, 'loadsrm': True}
    again, _task = run(medium, name='500-host.yaml', config={'global': {'loadsrm': True}})
    assert not again['changed']


FILES = [{'name': '200-loadsrm.yaml', 'config': {'global': {'loadsrm': True}}, 'state': 'present'},
         {'name': '500-host.yaml', 'config': {'sysconfig': {'timezone': 'UTC'}, 'global': {'rootpass': 'pw-9x'}},
          'state': 'present'},
         {'name': '300-old.yaml', 'config': {}, 'state': 'absent'}]


def test_several_files_check_real_again(medium):
    (medium / 'sysrescue.d' / '300-old.yaml').write_bytes(b'---\nglobal:\n    setkmap: fr\n')
    before = listing(medium)
    check, _task = run(medium, check_mode=True, diff=True, files=FILES)
    assert check['changed'] and listing(medium) == before
    assert [item['after'] == '' for item in check['diff']] == [False, False, True]
    real, task = run(medium, files=FILES)
    assert real['changed'] and 'path' not in real
    assert real['paths'] == [str(medium / 'sysrescue.d' / item['name']) for item in FILES]
    assert listing(medium) == ['100-defaults.yaml', '200-loadsrm.yaml', '500-host.yaml']
    # the effective configuration holds both files and no longer the removed one, its password masked
    assert real['effective'] == check['effective'] == {
        'global': {'copytoram': False, 'loadsrm': True, 'rootpass': '********'}, 'sysconfig': {'timezone': 'UTC'}}
    assert real['files'] == ['100-defaults.yaml', '200-loadsrm.yaml', '500-host.yaml']
    assert 'pw-9x' in task.secrets
    assert any('rootpass is stored as plain text in 500-host.yaml' in w for w in task.warnings)
    assert not run(medium, files=FILES)[0]['changed']
    assert not run(medium, check_mode=True, files=FILES)[0]['changed']


def test_one_changed_file_of_several(medium):
    run(medium, files=FILES)
    changed = [dict(FILES[0]), dict(FILES[1], config={'sysconfig': {'timezone': 'Asia/Tokyo'}}), FILES[2]]
    result, _task = run(medium, diff=True, files=changed)
    assert result['changed']
    assert [bool(item['before'] != item['after']) for item in result['diff']] == [False, True, False]
    assert result['effective']['sysconfig'] == {'timezone': 'Asia/Tokyo'}


def test_a_file_overridden_by_another_of_the_run_is_warned(medium):
    files = [{'name': '500-a.yaml', 'config': {'global': {'setkmap': 'de'}}, 'state': 'present'},
             {'name': '600-b.yaml', 'config': {'global': {'setkmap': 'us'}}, 'state': 'present'}]
    result, task = run(medium, files=files)
    assert result['effective']['global']['setkmap'] == 'us'
    assert any(w.startswith('500-a.yaml: global.setkmap is overridden by 600-b.yaml') for w in task.warnings)


@pytest.mark.parametrize('files, message', [
    ([], 'files is empty'),
    ([{'name': 'a.yaml', 'config': {}, 'state': 'present'}] * 2, 'a.yaml is given twice'),
    ([{'name': 'a.yml', 'config': {}, 'state': 'present'}], 'yml'),
    ([{'name': 'a.yaml', 'config': {}, 'state': 'present'},
      {'name': 'b.yaml', 'config': {'global': {'late_load_srm': ['x', 'y']}}, 'state': 'present'}], 'of b.yaml'),
])
def test_refused_before_anything_is_written(medium, files, message):
    before = listing(medium)
    with pytest.raises(ConfigError, match=message):
        run(medium, files=files)
    assert listing(medium) == before


def test_names_that_differ_in_case_only_on_a_folding_medium(medium, monkeypatch):
    files = [{'name': 'a.yaml', 'config': {}, 'state': 'present'},
             {'name': 'A.yaml', 'config': {}, 'state': 'present'}]
    # a case-sensitive directory takes both (they are two files there)
    assert run(medium, files=files)[0]['changed']
    monkeypatch.setattr(DirectoryMedium, 'describe', lambda self: {'fstype': 'vfat'})
    with pytest.raises(ConfigError, match='upper from lower case'):
        run(medium, files=files)


def test_neither_name_nor_files(medium):
    with pytest.raises(ConfigError, match='give name'):
        run(medium)


def test_http_pxe_files_apply_in_their_order(tmp_path):
    files = [{'name': 'a.yaml', 'config': {'global': {'setkmap': 'de'}}, 'state': 'present'},
             {'name': 'b.yaml', 'config': {'global': {'setkmap': 'us'}}, 'state': 'present'}]
    result, _task = run(tmp_path, media=None, path=str(tmp_path), files=files)
    assert result['files'] == ['a.yaml', 'b.yaml'] and result['effective']['global']['setkmap'] == 'us'


def test_http_pxe_files_on_a_medium_name_one_fetch_each(medium):
    files = [{'name': 'a.yaml', 'config': {'global': {'setkmap': 'de'}}, 'state': 'present'},
             {'name': 'b.yaml', 'config': {}, 'state': 'absent'},
             {'name': 'c.yaml', 'config': {'global': {'copytoram': True}}, 'state': 'present'}]
    _result, task = run(medium, purpose='http_pxe', files=files)
    assert any('pass sysrescuecfg=http://server/a.yaml sysrescuecfg=http://server/c.yaml on the kernel command line'
               in w for w in task.warnings), task.warnings
