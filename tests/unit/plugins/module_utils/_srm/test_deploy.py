# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.labels import check_label, labels_in
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import (
    Deploy, DeployError, MissingSources, round_up)
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import (
    INDEX_NAME, ModuleNameError, check_module_name, parse_index, render_index)
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.srm_deploy import SrmDeploy
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash


def module(tmp_path, name, data):
    data = b'hsqs' + data[4:]  # the squashfs magic, which srm_deploy checks; same size
    path = tmp_path / 'src' / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return {'name': name, 'src': str(path), 'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data)}


@pytest.mark.parametrize('name', ['10-tools.srm', 'A.srm', '20 fleet tools.srm'])
def test_good_names(name):
    assert check_module_name(name) == name


@pytest.mark.parametrize('name, message', [
    ('tools.SRM', 'must end in .srm'), ('tools', 'must end in .srm'), ('x/y.srm', 'path separator'),
    ('a:b.srm', 'path separator'), ('..srm', 'not usable'), ('.hidden.srm', 'not usable'), (' x.srm', 'not usable'),
])
def test_bad_names(name, message):
    with pytest.raises(ModuleNameError, match=message):
        check_module_name(name)


def test_index_round_trip_and_garbage():
    index = {'a.srm': {'size': 1, 'sha256': 'f' * 64}}
    assert parse_index(render_index(index)) == index
    assert parse_index(b'not json') == {} and parse_index(b'[1]') == {} and parse_index(None) == {}
    assert parse_index(b'{"a.srm": {"size": "1", "sha256": "x"}}') == {}


def test_round_up():
    assert (round_up(0, 4096), round_up(1, 4096), round_up(4096, 4096), round_up(4097, 4096)) == (0, 4096, 4096, 8192)


@pytest.fixture
def medium(tmp_path):
    root = tmp_path / 'medium'
    root.mkdir()
    return DirectoryMedium(str(root))


def run(medium, wanted, **kw):
    deploy = Deploy(medium, verify=kw.pop('verify', 'fast'))
    plan = deploy.plan(wanted, kw.pop('state', 'present'), kw.pop('exclusive', False))
    predicted = plan.predicted_inventory()
    deploy.check_space(plan)
    assert deploy.apply(plan) == predicted
    actions = plan.actions
    return [(a['action'], a['name']) for a in actions], deploy


def test_add_replace_remove_exclusive(medium, tmp_path):
    a = module(tmp_path, '10-a.srm', b'a' * 100)
    b = module(tmp_path, '20-b.srm', b'b' * 100)
    assert run(medium, [a, b])[0] == [('add', '10-a.srm'), ('add', '20-b.srm')]
    assert run(medium, [a, b])[0] == []
    b2 = module(tmp_path, '20-b.srm', b'B' * 100)
    assert run(medium, [a, b2])[0] == [('replace', '20-b.srm')]
    (tmp_path / 'medium' / 'sysresccd' / '05-foreign.srm').write_bytes(b'x')
    (tmp_path / 'medium' / 'sysresccd' / 'notes.txt').write_bytes(b'x')
    assert run(medium, [a, b2])[0] == []
    assert run(medium, [a], exclusive=True)[0] == [('remove', '20-b.srm'), ('remove', '05-foreign.srm')]
    assert sorted(os.listdir(str(tmp_path / 'medium' / 'sysresccd'))) == sorted(['10-a.srm', INDEX_NAME, 'notes.txt'])
    assert run(medium, [{'name': '10-a.srm'}], state='absent')[0] == [('remove', '10-a.srm')]
    assert run(medium, [{'name': '10-a.srm'}], state='absent')[0] == []


def test_fast_trusts_the_index_full_reads_back(medium, tmp_path):
    a = module(tmp_path, '10-a.srm', b'a' * 100)
    run(medium, [a])
    (tmp_path / 'medium' / 'sysresccd' / '10-a.srm').write_bytes(b'Z' * 100)  # same size, other content
    actions, deploy = run(medium, [a], verify='fast')
    assert actions == [] and deploy.hashed_on_medium == []
    actions, deploy = run(medium, [a], verify='full')
    assert actions == [('replace', '10-a.srm')] and deploy.hashed_on_medium == ['10-a.srm']


def test_lost_index_means_hashing_not_rewriting(medium, tmp_path):
    a = module(tmp_path, '10-a.srm', b'a' * 100)
    run(medium, [a])
    os.unlink(str(tmp_path / 'medium' / 'sysresccd' / INDEX_NAME))
    actions, deploy = run(medium, [a])
    assert actions == [] and deploy.hashed_on_medium == ['10-a.srm']


def test_duplicate_names_fail(medium, tmp_path):
    a = module(tmp_path, '10-a.srm', b'a')
    with pytest.raises(DeployError, match='listed twice'):
        Deploy(medium).plan([a, a])
    with pytest.raises(DeployError, match='FAT ignores case'):
        Deploy(medium).plan([a, dict(a, name='10-A.srm')])


class TinyMedium(DirectoryMedium):
    """A directory medium that claims little free space, to test the space check without filling a disk."""

    free = 0

    def free_bytes(self):
        return self.free

    def cluster_size(self):
        return 4096


def test_space_check_counts_removals_and_replacement_overlap(tmp_path):
    root = tmp_path / 'tiny'
    root.mkdir()
    medium = TinyMedium(str(root))
    old = module(tmp_path, '10-a.srm', b'a' * 8192)
    medium.free = 10 ** 9
    run(medium, [old])
    new = module(tmp_path, '10-a.srm', b'b' * 8192)
    medium.free = 64 * 1024 + 4096  # the reserve plus one cluster: the new copy (2 clusters) does not fit
    deploy = Deploy(medium)
    plan = deploy.plan([new])
    with pytest.raises(DeployError, match='do not fit: 10-a.srm needs 8192 bytes but only 4096 are free'):
        deploy.check_space(plan)
    medium.free = 64 * 1024 + 8192
    deploy.check_space(plan)
    other = module(tmp_path, '20-b.srm', b'c' * 8192)
    deploy = Deploy(medium)
    plan = deploy.plan([other], exclusive=True)
    medium.free = 64 * 1024  # removing 10-a first frees its two clusters
    deploy.check_space(plan)


def test_labels_in_menus():
    assert labels_in('APPEND archisobasedir=sysresccd archisolabel=RESCUE1200 iomem=relaxed') == ['RESCUE1200']
    assert labels_in('\tarchiso_param="archisolabel=RESCUE1200"') == ['RESCUE1200']
    assert labels_in('xarchisolabel=NO') == []


def test_check_label_auto(tmp_path):
    root = tmp_path / 'm'
    (root / 'boot' / 'grub').mkdir(parents=True)
    (root / 'boot' / 'grub' / 'grubsrcd.cfg').write_text('archiso_param="archisolabel=RESCUE1200"\n')
    medium = DirectoryMedium(str(root))
    ok, message = check_label(medium, 'auto')
    assert ok is None and 'cannot be read' in message  # a plain directory has no label


def test_label_auto_on_fat(fat_image):
    img = fat_image(table=None, size='40M', label='RESCUE1100', fat='16')
    medium = open_medium({'image': img})
    medium.write_bytes('boot/grub/grubsrcd.cfg', b'archiso_param="archisolabel=RESCUE1200"\n')
    ok, message = check_label(medium, 'auto')
    assert ok is False and 'labelled RESCUE1100 but the boot menus expect RESCUE1200' in message
    assert check_label(medium, 'RESCUE1100')[0] is True
    medium.write_bytes('sysresccd/boot/syslinux/sysresccd_sys.cfg', b'APPEND archisolabel=OTHER\n')
    assert 'disagree' in check_label(medium, 'auto')[1]


# -- the task object: what one srm_deploy run returns --------------------------------------------

def deploy_params(root, srms, **kw):
    params = {'media': {'path': str(root)}, 'srms': srms, 'basedir': 'sysresccd', 'state': 'present',
              'exclusive': False, 'remote_src': False, 'verify': 'fast', 'label': None}
    params.update(kw)
    return params


@pytest.mark.parametrize('backend', ['directory', 'fat'])
def test_check_mode_predicts_the_sweep_of_leftovers(tmp_path, fat_image, backend):
    """Check mode lists exactly the leftovers a real run removes (same paths), and removing one is a
    change: before, check mode said ``swept: []`` on a directory while the real run swept, so the
    action plugin skipped the real run and leftovers stayed forever on remote directory media."""
    a = module(tmp_path, '10-a.srm', b'a' * 100)
    if backend == 'directory':
        root = tmp_path / 'medium'
        (root / 'sysresccd').mkdir(parents=True)
        media = {'path': str(root)}
    else:
        media = {'image': fat_image()}
    first = SrmDeploy(deploy_params(tmp_path, [a], media=media)).run()
    assert first['changed'] and first['swept'] == []
    leftover = '.10-a.srm.rf-tmp-abc123' if backend == 'directory' else '~rf0a1b2.tmp'
    open_medium(media).write_bytes('sysresccd/' + leftover, b'half a module')
    if backend == 'fat':  # write_bytes renamed it to its final name; that is the leftover we want
        assert [e['name'] for e in open_medium(media).list_dir('sysresccd')].count(leftover) == 1
    check = SrmDeploy(deploy_params(tmp_path, [a], media=media), check_mode=True, want_diff=True).run()
    assert check['changed'] and check['swept'] == ['sysresccd/' + leftover] and check['actions'] == []
    assert 'leftover sysresccd/' + leftover in check['diff']['before']
    real = SrmDeploy(deploy_params(tmp_path, [a], media=media)).run()
    assert real['changed'] and real['swept'] == check['swept']
    assert leftover not in [e['name'] for e in open_medium(media).list_dir('sysresccd')]
    again = SrmDeploy(deploy_params(tmp_path, [a], media=media), check_mode=True).run()
    assert not again['changed'] and again['swept'] == []


def test_task_reports_label_warning_and_predicts_inventory(tmp_path, medium):
    a = module(tmp_path, '10-a.srm', b'a' * 10)
    params = deploy_params(medium.root, [a], label='auto')
    task = SrmDeploy(params, check_mode=True)
    result = task.run()
    assert result['srms'] == [{'name': '10-a.srm', 'size': 10, 'sha256': a['sha256']}]
    assert any('archisolabel' in w or 'label' in w for w in task.warnings)
    assert not os.path.exists(os.path.join(medium.root, 'sysresccd', '10-a.srm'))
    assert SrmDeploy(params).run()['srms'] == result['srms']


def test_full_verify_finds_a_changed_module_and_names_it_for_the_controller(tmp_path, medium):
    """A module whose bytes changed behind an intact index: fast trusts the index, full reads it back. A
    real run given only name, size and sha256 (the action plugin's sent-nothing entry) refuses before any
    write and names the module in missing_sources, so the controller sends it and runs again."""
    a = module(tmp_path, '10-a.srm', b'a' * 100)
    SrmDeploy(deploy_params(medium.root, [a])).run()
    on_medium = os.path.join(medium.root, 'sysresccd', '10-a.srm')
    with open(on_medium, 'r+b') as handle:
        handle.seek(50)
        handle.write(b'X')
    before = tree_hash(medium.root)
    known = [{k: a[k] for k in ('name', 'sha256', 'size')}]
    assert not SrmDeploy(deploy_params(medium.root, known), check_mode=True).run()['changed']
    assert SrmDeploy(deploy_params(medium.root, known, verify='full'), check_mode=True).run()['changed']
    with pytest.raises(MissingSources, match='needs SRM 10-a.srm but no file was given') as err:
        SrmDeploy(deploy_params(medium.root, known, verify='full')).run()
    assert err.value.facts == {'missing_sources': ['10-a.srm']}
    assert tree_hash(medium.root) == before
    assert SrmDeploy(deploy_params(medium.root, [a], verify='full')).run()['changed']
    assert tree_hash(medium.root) != before


def test_the_label_is_probed_once_per_run(tmp_path, medium, monkeypatch):
    from ansible_collections.rescuefleet.media.plugins.module_utils._media import directory
    probes = []
    real = directory._device_label
    monkeypatch.setattr(directory, '_device_label', lambda device: probes.append(device) or real(device))
    a = module(tmp_path, '10-a.srm', b'a' * 10)
    SrmDeploy(deploy_params(medium.root, [a], label='auto')).run()
    assert len(probes) == 1
