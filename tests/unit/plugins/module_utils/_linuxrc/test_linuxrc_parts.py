# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.info import linuxrc_facts, warnings
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import (
    LinuxrcError, parse_config, part_name_problem, spec_name)
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_extend import LinuxrcExtend
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_parts import LinuxrcParts

GRUB = '''menuentry 'Installation' {
  linuxefi /boot/x86_64/loader/linux splash=silent extend=common
  initrdefi /boot/x86_64/loader/initrd
}
'''
ISOLINUX = 'default linux\nlabel linux\n  kernel linux\n  append initrd=initrd splash=silent\n'


def make_tree(root, signed=False):
    """A medium laid out like an openSUSE installation medium."""
    files = {
        'boot/x86_64/loader/linux': b'kernel', 'boot/x86_64/loader/initrd': b'initrd',
        'boot/x86_64/loader/isolinux.cfg': ISOLINUX.encode(), 'EFI/BOOT/grub.cfg': GRUB.encode(),
        'boot/x86_64/common': b'common', 'boot/x86_64/root': b'root',
        'boot/x86_64/config': b'root: common root ?extra.rpm?list=*/x\n',
    }
    for path, data in files.items():
        os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(root, path), 'wb') as handle:
            handle.write(data)
    with open(os.path.join(root, 'CHECKSUMS'), 'w') as handle:
        for path in sorted(files):
            handle.write('%s  %s\n' % (hashlib.sha256(files[path]).hexdigest(), path))
    if signed:
        with open(os.path.join(root, 'CHECKSUMS.asc'), 'w') as handle:
            handle.write('-----BEGIN PGP SIGNATURE-----\n')


def checksums_ok(root):
    for line in open(os.path.join(root, 'CHECKSUMS')):
        sha, path = line.split()
        with open(os.path.join(root, path), 'rb') as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == sha, path


def deploy(media, parts, check_mode=False, state='present', exclusive=False):
    task = LinuxrcParts(dict(media=media, parts=parts, arch='x86_64', state=state, exclusive=exclusive,
                             verify='fast'), check_mode=check_mode, want_diff=True)
    return task.run(), task.warnings


def extend(media, parts, check_mode=False, state='present'):
    task = LinuxrcExtend(dict(media=media, parts=parts, state=state, arch='x86_64', files=None, format='auto',
                              kernel=None, titles=[], validate_grub=False), check_mode=check_mode)
    return task.run(), task.warnings


@pytest.mark.parametrize('name, ok', [('fleet-tools', True), ('x.rpm', True), ('a,b', False), ('?a', False),
                                      ('a b', False), ('config', False), ('.hidden', False), ('a/b', False)])
def test_part_names(name, ok):
    assert (part_name_problem(name) is None) == ok


def test_config_lines():
    config = parse_config('# comment\nroot: common root ?extra.rpm?list=*/x\n\nrescue:  common\n')
    assert config == {'root': ['common', 'root', '?extra.rpm?list=*/x'], 'rescue': ['common']}
    assert spec_name('?extra.rpm?list=*/x') == 'extra.rpm'


@pytest.mark.parametrize('backend', ['directory', 'fat'])
def test_deploy_extend_and_facts(tmp_path, fat_image, backend):
    tree = str(tmp_path / 'tree')
    make_tree(tree, signed=True)
    part = tmp_path / 'fleet-tools'
    part.write_bytes(os.urandom(20000))
    media = {'path': tree} if backend == 'directory' else {'image': fat_image(tree=tree)}
    parts = [{'src': str(part)}]
    predicted = deploy(media, parts, check_mode=True)[0]
    real, notes = deploy(media, parts)
    again = deploy(media, parts)[0]
    assert predicted['changed'] and real['changed'] and not again['changed']
    assert predicted['parts'] == real['parts'] and real['checksums'] == {'present': True, 'signed': True,
                                                                         'changed': True}
    assert 'insecure=1' in notes[0]

    result = extend(media, ['fleet-tools', '?extras'])[0]
    assert result['changed'] and not extend(media, ['fleet-tools', '?extras'])[0]['changed']
    afters = [e['after'] for f in result['files'] for e in f['entries']]
    assert afters == ['splash=silent extend=common,fleet-tools,?extras',
                      'initrd=initrd splash=silent extend=fleet-tools,?extras']

    medium = open_medium(media, writable=False)
    facts = linuxrc_facts(medium)
    parts_facts = {p['name']: p for p in facts['arches'][0]['parts']}
    assert parts_facts['fleet-tools']['managed'] and parts_facts['fleet-tools']['in_checksums']
    assert parts_facts['common']['in_config'] == ['root'] and not parts_facts['common']['managed']
    assert [e['missing_optional'] for e in facts['boot_entries']] == [['extras'], ['extras']]
    assert warnings(facts) == []
    if backend == 'directory':
        checksums_ok(tree)

    removed = deploy(media, [{'name': 'fleet-tools'}], state='absent')[0]
    assert removed['actions'][0]['action'] == 'remove' and removed['parts'] == []
    facts = linuxrc_facts(open_medium(media, writable=False))
    assert [e['missing'] for e in facts['boot_entries']] == [['fleet-tools'], ['fleet-tools']]
    assert 'fleet-tools' in warnings(facts)[0]
    if backend == 'directory':
        checksums_ok(tree)


def test_the_medium_s_own_parts_are_never_touched(tmp_path):
    tree = str(tmp_path / 'tree')
    make_tree(tree)
    part = tmp_path / 'root'
    part.write_bytes(b'mine')
    before = open(os.path.join(tree, 'boot/x86_64/root'), 'rb').read()
    for state in ('present', 'absent'):
        with pytest.raises(LinuxrcError, match='not put there by this collection'):
            deploy({'path': tree}, [{'src': str(part)}], state=state)
    assert open(os.path.join(tree, 'boot/x86_64/root'), 'rb').read() == before


def test_missing_arch_and_missing_part_fail_without_change(tmp_path):
    tree = str(tmp_path / 'tree')
    make_tree(tree)
    part = tmp_path / 'p'
    part.write_bytes(b'x')
    task = LinuxrcParts(dict(media={'path': tree}, parts=[{'src': str(part)}], arch='aarch64', state='present',
                             exclusive=False, verify='fast'))
    with pytest.raises(LinuxrcError, match='boot/aarch64/ does not exist'):
        task.run()
    with pytest.raises(LinuxrcError, match='deploy it first'):
        extend({'path': tree}, ['not-there'])
    assert extend({'path': tree}, ['?not-there'])[0]['changed']
