# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DracutModule: generated module-setup.sh, validation, plan, idempotency, check mode."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._dracut.module import (
    MARKER, DracutModuleError, generate_setup, quote, two_digits, wanted_files)
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.dracut_module import DracutModule

BASH = shutil.which('bash')
HOOK = '#!/bin/sh\necho loadsrm\n'


def params(base, **extra):
    value = {'name': 'loadsrm', 'number': 90, 'dracutbasedir': str(base), 'state': 'present',
             'check': 'on_request', 'depends': ['dmsquash-live'], 'cmdline': None,
             'kernel_modules': ['loop', 'squashfs'], 'binaries': ['sort'], 'optional_binaries': [],
             'files': [], 'hooks': [{'hook': 'pre-mount', 'priority': '50', 'name': 'loadsrm-mount.sh',
                                     'content': HOOK, 'src': None}]}
    value.update(extra)
    return value


@pytest.fixture
def tree(tmp_path):
    (tmp_path / 'modules.d').mkdir()
    return tmp_path


def run(p, **kwargs):
    return DracutModule(p, bash=BASH, **kwargs).run()


def test_quote_survives_single_quotes():
    text = "it's a \"test\" $HOME `x`"
    out = subprocess.run([BASH or 'sh', '-c', 'printf %s ' + quote(text)], capture_output=True, check=True)
    assert out.stdout.decode() == text


@pytest.mark.parametrize('value,expected', [(5, '05'), (0, '00'), (99, '99'), ('07', '07'), ('90', '90')])
def test_two_digits_accepts(value, expected):
    assert two_digits(value, 'x') == expected


@pytest.mark.parametrize('value', [100, -1, '5', '100', 'ab', '', True, '9a'])
def test_two_digits_refuses(value):
    with pytest.raises(DracutModuleError, match='two digits'):
        two_digits(value, 'x')


def test_generated_setup_maps_options(tree):
    p = params(tree, check='always', cmdline='rd.loadsrm', optional_binaries=['blkid'],
               files=[{'dest': '/etc/loadsrm.conf', 'content': 'x=1\n', 'src': None, 'name': None, 'mode': None},
                      {'dest': '/etc/hosts', 'src': '/etc/hosts', 'content': None, 'name': None, 'mode': None}])
    files = wanted_files(p)
    setup = files['module-setup.sh'][0].decode()
    assert setup.startswith('#!/bin/bash\n' + MARKER)
    assert 'check() {\n    return 0\n}' in setup
    assert "echo 'dmsquash-live'" in setup
    assert "printf \"%s\\n\" 'rd.loadsrm'" in setup
    assert "instmods 'loop' 'squashfs'" in setup
    assert "inst_multiple 'sort'" in setup
    assert "inst_multiple -o 'blkid'" in setup
    assert "inst_simple '/etc/hosts' '/etc/hosts'" in setup
    assert "inst_simple \"$moddir/\"'loadsrm.conf' '/etc/loadsrm.conf'" in setup
    assert "inst_hook 'pre-mount' 50 \"$moddir/\"'loadsrm-mount.sh'" in setup
    assert files['loadsrm-mount.sh'] == (HOOK.encode(), 0o755)
    assert files['loadsrm.conf'] == (b'x=1\n', 0o644)
    assert 'hosts' not in files


@pytest.mark.skipif(not BASH, reason='bash is not installed')
def test_generated_setup_runs_under_bash_with_dracut_functions_stubbed(tree):
    p = params(tree, check='never', cmdline="a='b c'")
    setup = wanted_files(p)['module-setup.sh'][0].decode()
    script = setup + '''
instmods() { printf 'instmods %s\\n' "$*"; }
inst_multiple() { printf 'inst_multiple %s\\n' "$*"; }
inst_hook() { printf 'inst_hook %s\\n' "$*"; }
moddir=/m
check; echo "check=$?"
depends
cmdline
installkernel
install
'''
    out = subprocess.run([BASH, '-c', script], capture_output=True, check=True).stdout.decode().splitlines()
    assert out == ['check=1', 'dmsquash-live', "a='b c'", 'instmods loop squashfs', 'inst_multiple sort',
                   'inst_hook pre-mount 50 /m/loadsrm-mount.sh']


def test_empty_install_is_valid(tree):
    setup = generate_setup({'name': 'x', 'check': 'on_request'}, [], [])
    assert 'install() {\n    :\n}' in setup
    assert 'check() {\n    return 255\n}' in setup
    assert 'installkernel' not in setup and 'cmdline' not in setup


@pytest.mark.parametrize('hook', ['pre-mout', 'initqueue/foo', 'premount', ''])
def test_bad_hook_name(tree, hook):
    p = params(tree, hooks=[{'hook': hook, 'priority': '50', 'name': 'a.sh', 'content': HOOK, 'src': None}])
    with pytest.raises(DracutModuleError, match='not a dracut hook'):
        run(p)
    assert os.listdir(tree / 'modules.d') == []


@pytest.mark.parametrize('priority', ['5', '100', 'x1', 150])
def test_bad_priority(tree, priority):
    p = params(tree, hooks=[{'hook': 'pre-mount', 'priority': priority, 'name': 'a.sh', 'content': HOOK,
                             'src': None}])
    with pytest.raises(DracutModuleError, match='priority must be two digits'):
        run(p)


@pytest.mark.parametrize('name', ['a/b', '../x', '', ' x', '-x', 'fleet\n'])
def test_bad_module_name(tree, name):
    with pytest.raises(DracutModuleError, match='not a usable dracut module name'):
        run(params(tree, name=name))


def test_bad_file_names(tree):
    for name in ('module-setup.sh', 'a/b.sh', '..'):
        p = params(tree, hooks=[{'hook': 'pre-mount', 'priority': '50', 'name': name, 'content': HOOK,
                                 'src': None}])
        with pytest.raises(DracutModuleError):
            run(p)


def test_duplicate_file_name(tree):
    hook = {'hook': 'pre-mount', 'priority': '50', 'name': 'a.sh', 'content': HOOK, 'src': None}
    with pytest.raises(DracutModuleError, match='used twice'):
        run(params(tree, hooks=[hook, dict(hook, hook='pre-pivot')]))


def test_not_a_dracut_tree(tmp_path):
    with pytest.raises(DracutModuleError, match='not a dracut tree'):
        run(params(tmp_path / 'missing'))


def test_check_real_idempotent(tree):
    p = params(tree)
    moddir = tree / 'modules.d' / '90loadsrm'
    first = run(p, check_mode=True, want_diff=True)
    assert first['changed'] and not moddir.exists()
    assert [a['action'] for a in first['actions']] == ['mkdir', 'write', 'write']
    assert any(d['after'] == HOOK for d in first['diff'])
    second = run(p)
    assert second['changed'] and second['actions'] == first['actions']
    assert sorted(os.listdir(moddir)) == ['loadsrm-mount.sh', 'module-setup.sh']
    assert stat.S_IMODE(os.stat(moddir / 'loadsrm-mount.sh').st_mode) == 0o755
    assert (moddir / 'loadsrm-mount.sh').read_text() == HOOK
    assert run(p) == {'changed': False, 'path': str(moddir), 'actions': []}
    assert not run(p, check_mode=True)['changed']


def test_changes_are_planned_exactly(tree):
    p = params(tree)
    run(p)
    moddir = tree / 'modules.d' / '90loadsrm'
    os.chmod(moddir / 'loadsrm-mount.sh', 0o644)
    (moddir / 'stray.sh').write_text('x')
    (moddir / '.loadsrm-mount.sh.rf-tmp-abc').write_text('leftover')
    result = run(p, check_mode=True, want_diff=True)
    assert [(a['action'], os.path.basename(a['path'])) for a in result['actions']] == [
        ('chmod', 'loadsrm-mount.sh'), ('remove', '.loadsrm-mount.sh.rf-tmp-abc'), ('remove', 'stray.sh')]
    assert (moddir / 'stray.sh').exists()
    run(p)
    assert sorted(os.listdir(moddir)) == ['loadsrm-mount.sh', 'module-setup.sh']
    assert stat.S_IMODE(os.stat(moddir / 'loadsrm-mount.sh').st_mode) == 0o755
    changed = params(tree, depends=['dmsquash-live', 'overlayfs'])
    result = run(changed, want_diff=True)
    assert [(a['action'], os.path.basename(a['path'])) for a in result['actions']] == [('write', 'module-setup.sh')]
    assert "'dmsquash-live overlayfs'" in result['diff'][0]['after']
    assert "'dmsquash-live'" in result['diff'][0]['before']


def test_hook_from_src(tree, tmp_path):
    src = tmp_path / 'my-hook.sh'
    src.write_text(HOOK)
    p = params(tree, hooks=[{'hook': 'initqueue/finished', 'priority': 7, 'src': str(src), 'content': None,
                             'name': None}])
    run(p)
    setup = (tree / 'modules.d' / '90loadsrm' / 'module-setup.sh').read_text()
    assert "inst_hook 'initqueue/finished' 07 \"$moddir/\"'my-hook.sh'" in setup
    missing = params(tree, hooks=[{'hook': 'pre-mount', 'priority': 7, 'src': str(tmp_path / 'nope'),
                                   'content': None, 'name': None}])
    with pytest.raises(DracutModuleError, match='cannot read'):
        run(missing)


def test_renumbering_moves_our_module_and_refuses_a_foreign_one(tree):
    run(params(tree))
    result = run(params(tree, number='95'))
    assert {a['action'] for a in result['actions']} >= {'remove_dir', 'mkdir'}
    assert sorted(os.listdir(tree / 'modules.d')) == ['95loadsrm']
    foreign = tree / 'modules.d' / '80loadsrm'
    foreign.mkdir()
    (foreign / 'module-setup.sh').write_text('#!/bin/bash\ncheck() { return 0; }\n')
    with pytest.raises(DracutModuleError, match='also defines a dracut module named loadsrm'):
        run(params(tree, number='95'))
    # absent removes ours and leaves the foreign one alone
    result = run(params(tree, number='95', state='absent'))
    assert [a['action'] for a in result['actions']] == ['remove_dir']
    assert sorted(os.listdir(tree / 'modules.d')) == ['80loadsrm']
    assert not run(params(tree, number='95', state='absent'))['changed']


def test_absent_check_mode(tree):
    run(params(tree))
    result = run(params(tree, state='absent'), check_mode=True, want_diff=True)
    assert result['changed'] and (tree / 'modules.d' / '90loadsrm').is_dir()
    assert result['diff'][0]['after'] == ''


@pytest.mark.parametrize('mode', [420, '0644', '644'])
def test_unquoted_yaml_mode_is_the_mode_it_reads_as(tree, mode):
    """``mode: 0644`` unquoted arrives as 420 and used to be stored as 0o420."""
    files = [{'dest': '/etc/loadsrm.conf', 'content': 'x=1\n', 'src': None, 'name': None, 'mode': mode}]
    run(params(tree, files=files))
    stored = tree / 'modules.d' / '90loadsrm' / 'loadsrm.conf'
    assert stat.S_IMODE(os.stat(str(stored)).st_mode) == 0o644


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_a_module_directory_we_did_not_write_is_neither_replaced_nor_removed(tree, state):
    """dracut's own 90dmsquash-live (or a hand-made module) under the same name and number (issue 27, class 4)."""
    stock = tree / 'modules.d' / '90dmsquash-live'
    stock.mkdir()
    (stock / 'module-setup.sh').write_text('#!/bin/bash\ncheck() { return 255; }\n')
    (stock / 'dmsquash-live-root.sh').write_text('#!/bin/sh\n')
    before = sorted((p.name, p.read_bytes()) for p in stock.iterdir())
    for check in (True, False):
        with pytest.raises(DracutModuleError, match='did not write.*Choose another name or number'):
            run(params(tree, name='dmsquash-live', state=state), check_mode=check)
    assert sorted((p.name, p.read_bytes()) for p in stock.iterdir()) == before


def test_an_empty_directory_is_taken_over(tree):
    (tree / 'modules.d' / '90loadsrm').mkdir()
    assert run(params(tree))['changed']
    assert MARKER in (tree / 'modules.d' / '90loadsrm' / 'module-setup.sh').read_text()


def test_a_fifo_as_hook_src_is_refused_without_hanging(tree, tmp_path):
    fifo = tmp_path / 'hook.sh'
    os.mkfifo(str(fifo))
    p = params(tree, hooks=[{'hook': 'pre-mount', 'priority': 7, 'src': str(fifo), 'content': None, 'name': None}])
    with pytest.raises(RescueFleetError, match=r'hooks\[0\]: src .*hook.sh is a FIFO'):
        run(p)
    assert os.listdir(tree / 'modules.d') == []
