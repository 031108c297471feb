# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whole pxe_hosts runs on a directory tree: plan, no-op, stale removal, check mode, diff, secrets."""

from __future__ import annotations

import fcntl
import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.clients import PxeError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.pxe_hosts import DIFF_FILES, PxeHosts
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import render
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash


def params(root, count, **extra):
    out = {'http_root': str(root / 'http'), 'tftp_root': str(root / 'tftp'), 'url': 'http://pxe.example.com/',
           'kernel_args': 'iomem=relaxed', 'initrds': ['boot/x86_64/sysresccd.img'],
           'default_config': {'sysconfig': {'timezone': 'UTC'}},
           'clients': [{'name': 'c%03d' % i, 'mac': '52:54:00:00:00:%02x' % i, 'module': '10-a.srm'}
                       for i in range(count)]}
    out.update(extra)
    return out


def snapshot(root):
    out = {}
    for dirpath, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            out[path] = (os.stat(path).st_mtime_ns, open(path, 'rb').read())
    return out


def test_converge_then_noop(tmp_path):
    first = PxeHosts(params(tmp_path, 3)).run()
    assert first['changed'] and first['created'] == 3 * 6 + 3
    yaml_path = tmp_path / 'http' / 'hosts' / 'c000.yaml'
    expected = render({'global': {'late_load_srm': 'http://pxe.example.com/srm/10-a.srm'},
                       'sysconfig': {'timezone': 'UTC'}})
    assert yaml_path.read_bytes() == expected  # the same writer as sysrescue_config
    before = snapshot(tmp_path)
    again = PxeHosts(params(tmp_path, 3)).run()
    assert not again['changed'] and again['unchanged'] == 21 and again['changed_clients'] == []
    assert snapshot(tmp_path) == before  # no rewrite, no mtime change


def test_check_mode_on_an_empty_tree_predicts_and_writes_nothing(tmp_path):
    result = PxeHosts(params(tmp_path, 2), check_mode=True).run()
    assert result['changed'] and result['created'] == 15
    assert not (tmp_path / 'http').exists()


def test_stale_files_only_ours(tmp_path):
    PxeHosts(params(tmp_path, 3)).run()
    foreign = tmp_path / 'tftp' / 'pxelinux.cfg' / '01-00-11-22-33-44-55'
    foreign.write_text('DEFAULT local\n')
    old_role = tmp_path / 'tftp' / 'MAC-001122334466.ipxe'
    old_role.write_text('#!ipxe\n# Managed by rescuefleet.media.pxe_server; local changes are overwritten.\n')
    leftover = tmp_path / 'http' / 'hosts' / '.c000.yaml.rf-tmp-abc'
    leftover.write_text('half')
    checked = PxeHosts(params(tmp_path, 2), check_mode=True).run()
    assert len(checked['removed']) == 7 and leftover.exists()
    result = PxeHosts(params(tmp_path, 2)).run()
    assert sorted(os.path.basename(p) for p in result['removed']) == sorted([
        'c002.yaml', '01-52-54-00-00-00-02', 'grub.cfg-01-52-54-00-00-00-02', 'MAC-525400000002.ipxe',
        'MAC-52-54-00-00-00-02.ipxe', 'HOSTNAME-c002.ipxe', 'MAC-001122334466.ipxe'])
    assert foreign.exists() and not old_role.exists() and not leftover.exists()


def test_changed_client_only(tmp_path):
    PxeHosts(params(tmp_path, 3)).run()
    changed = params(tmp_path, 3)
    changed['clients'][1]['kernel_args'] = 'nomodeset'
    result = PxeHosts(changed, want_diff=True).run()
    assert result['changed_clients'] == ['c001']
    assert result['updated'] == 5 and len(result['diff']) == 5


def test_many_changes_give_a_summary_diff(tmp_path):
    result = PxeHosts(params(tmp_path, 10), want_diff=True).run()
    assert result['created'] > DIFF_FILES
    assert result['diff']['after'].startswith('(default menus): ')
    assert 'c009: + c009.yaml, + 01-52-54-00-00-00-09' in result['diff']['after']


def test_secrets_are_collected_and_masked(tmp_path):
    args = params(tmp_path, 1)
    args['clients'][0]['config'] = {'global': {'rootpass': 'hunter2'}}
    task = PxeHosts(args, want_diff=True)
    result = task.run()
    assert 'hunter2' in task.secrets
    assert 'hunter2' not in repr(result['diff'])
    assert b'hunter2' in (tmp_path / 'http' / 'hosts' / 'c000.yaml').read_bytes()


def test_bad_configuration_fails_before_writing(tmp_path):
    args = params(tmp_path, 2)
    args['clients'][1].update(module='', config={'global': {'late_load_srm': ['a.srm', 'b.srm']}})
    with pytest.raises(PxeError, match='c001: .*late_load_srm'):
        PxeHosts(args).run()
    assert not (tmp_path / 'http').exists()


def test_directory_in_the_way(tmp_path):
    (tmp_path / 'http' / 'hosts' / 'c000.yaml').mkdir(parents=True)
    with pytest.raises(PxeError, match='is a directory'):
        PxeHosts(params(tmp_path, 1)).run()


@pytest.mark.parametrize('what', ['fifo', 'file_as_directory', 'root_is_a_file'])
def test_special_files_and_files_in_place_of_directories_are_refused_before_writing(tmp_path, what):
    if what == 'fifo':
        (tmp_path / 'tftp' / 'pxelinux.cfg').mkdir(parents=True)
        os.mkfifo(str(tmp_path / 'tftp' / 'pxelinux.cfg' / '01-52-54-00-00-00-00'))
        message = 'is a special file'
    elif what == 'file_as_directory':
        (tmp_path / 'tftp').mkdir()
        (tmp_path / 'tftp' / 'grub').write_text('not a directory\n')
        message = 'grub is a file where pxe_hosts needs a directory'
    else:
        (tmp_path / 'tftp').write_text('not a directory\n')
        message = 'tftp_root .* is not a directory'
    before = tree_hash(str(tmp_path))
    for check in (True, False):
        with pytest.raises(PxeError, match=message):
            PxeHosts(params(tmp_path, 1), check_mode=check).run()
    assert tree_hash(str(tmp_path)) == before and not (tmp_path / 'http').exists()


@pytest.mark.parametrize('rel, menus', [('pxelinux.cfg/default', True), ('pxelinux.cfg/01-52-54-00-00-00-01', False),
                                        ('grub/grub.cfg-01-52-54-00-00-00-00', False), ('MAC-525400000001.ipxe', False)])
def test_hand_written_files_are_refused_by_name_unless_adopted(tmp_path, rel, menus):
    """Files at paths pxe_hosts writes that carry no marker are someone else's (issue 27, class 4)."""
    hand = tmp_path / 'tftp' / rel
    hand.parent.mkdir(parents=True)
    hand.write_text('# the site menu: other installers\nDEFAULT local\n')
    (tmp_path / 'http').mkdir()
    before = snapshot(tmp_path)
    for check in (True, False):
        with pytest.raises(PxeError) as refused:
            PxeHosts(params(tmp_path, 2), check_mode=check).run()
        message = str(refused.value)
        assert str(hand) in message and 'adopt_unmarked: true' in message and 'nothing was changed' in message
        assert ('menus: false' in message) == menus
        assert refused.value.facts == {'unowned': [str(hand)]}
    assert snapshot(tmp_path) == before
    if menus:  # keeping the site's own menus
        kept = PxeHosts(params(tmp_path, 2, menus=False)).run()
        assert kept['changed'] and hand.read_text().startswith('# the site menu')
    adopted = PxeHosts(params(tmp_path, 2, adopt_unmarked=True)).run()
    assert adopted['changed'] and 'Managed by rescuefleet.media.pxe_hosts' in hand.read_text()
    assert not PxeHosts(params(tmp_path, 2)).run()['changed']  # ours from now on
    if rel.endswith(('-01', '0001.ipxe')):
        gone = PxeHosts(params(tmp_path, 1)).run()  # its client goes: the adopted file goes with it
        assert str(hand) in gone['removed'] and not hand.exists()


def test_an_identical_unmarked_file_is_no_change_and_no_refusal(tmp_path):
    PxeHosts(params(tmp_path, 1)).run()
    assert not PxeHosts(params(tmp_path, 1), check_mode=True).run()['changed']


def test_loaders_switched_off_lose_their_marked_menus(tmp_path):
    PxeHosts(params(tmp_path, 1)).run()
    own = tmp_path / 'tftp' / 'boot.ipxe'
    result = PxeHosts(params(tmp_path, 1, loaders=['pxelinux'])).run()
    assert str(tmp_path / 'tftp' / 'grub' / 'grub.cfg') in result['removed'] and not own.exists()
    own.write_text('#!ipxe\nexit\n')  # somebody else's: kept
    assert not PxeHosts(params(tmp_path, 1, loaders=['pxelinux'])).run()['changed']


def test_a_symlink_leading_out_of_the_tree_is_refused_and_nothing_written(tmp_path):
    """pxe_hosts writes through the directory medium: a link out of the tree is never written through."""
    outside = tmp_path / 'outside'
    outside.mkdir()
    (tmp_path / 'http').mkdir()
    (tmp_path / 'http' / 'hosts').symlink_to(outside)
    with pytest.raises(RescueFleetError, match='outside the medium'):
        PxeHosts(params(tmp_path, 2)).run()
    assert list(outside.iterdir()) == [] and not (tmp_path / 'tftp').exists()


def test_runs_on_one_tree_take_turns(tmp_path):
    """While a run plans and writes, the tree's roots are locked (an flock on each root directory)."""
    PxeHosts(params(tmp_path, 1)).run()
    tree = PxeHosts(params(tmp_path, 1)).open()
    with tree.locked():
        for root in ('http', 'tftp'):
            fd = os.open(str(tmp_path / root), os.O_RDONLY)
            try:
                with pytest.raises(BlockingIOError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(fd)
    tree.close()


def test_live_tree_writes_no_yaml_and_drops_the_systemrescue_ones(tmp_path):
    PxeHosts(params(tmp_path, 2)).run()
    live = params(tmp_path, 2, system='dracut', default_config={},
                  kernel_args='root=live:http://pxe.example.com/LiveOS/squashfs.img ip=dhcp', initrds=None)
    for client in live['clients']:
        client.update(module='', modules=[{'name': '10-a.srm', 'sha256': 'd' * 64}])
    result = PxeHosts(live).run()
    assert result['files'] == 2 * 5 + 3 and not (tmp_path / 'http' / 'hosts' / 'c000.yaml').exists()
    assert str(tmp_path / 'http' / 'hosts' / 'c001.yaml') in result['removed']
    script = (tmp_path / 'tftp' / 'MAC-525400000001.ipxe').read_text()
    assert 'rd.loadsrm.url=http://pxe.example.com/srm/10-a.srm#sha256=' + 'd' * 64 in script
    assert 'kernel http://pxe.example.com/LiveOS/vmlinuz ' in script
    assert result['boot_urls'][:3] == ['http://pxe.example.com/LiveOS/vmlinuz', 'http://pxe.example.com/LiveOS/initrd.img',
                                       'http://pxe.example.com/LiveOS/squashfs.img']
    assert not PxeHosts(live).run()['changed']


def test_clients_with_the_same_configuration_share_one_rendering(tmp_path, monkeypatch):
    """A fleet's clients mostly share a configuration: it is checked and rendered once per distinct one, and
    each client still gets exactly its own YAML."""
    from ansible_collections.rescuefleet.media.plugins.module_utils._pxe import tree
    rendered = []
    original = tree.render_reading
    monkeypatch.setattr(tree, 'render_reading', lambda config: rendered.append(config) or original(config))
    clients = [{'name': 'c%03d' % i, 'mac': '52:54:00:00:01:%02x' % i, 'module': '10-a.srm'} for i in range(5)]
    clients[3]['config'] = {'sysconfig': {'timezone': 'Europe/Paris'}}
    clients[4]['module'] = '20-b.srm'
    PxeHosts(params(tmp_path, 0, clients=clients)).run()
    assert len(rendered) == 3
    for client in clients:
        expected = render({'global': {'late_load_srm': 'http://pxe.example.com/srm/' + client['module']},
                           'sysconfig': client.get('config', {}).get('sysconfig', {'timezone': 'UTC'})})
        assert (tmp_path / 'http' / 'hosts' / (client['name'] + '.yaml')).read_bytes() == expected


def test_a_converge_flushes_the_disk_once_not_once_per_file(tmp_path, monkeypatch):
    """Tens of thousands of client files: one flush of the filesystem for all of them (an fsync per file cost a
    journal commit each), and still no file renamed into place before its content is on the disk."""
    from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
    events = []
    monkeypatch.setattr(atomic, '_flush_files', lambda paths: events.append(('flush', len(paths))))
    fsyncs = []
    monkeypatch.setattr(os, 'fsync', fsyncs.append)
    original_replace = os.replace
    monkeypatch.setattr(os, 'replace', lambda a, b: events.append(('rename', b)) or original_replace(a, b))
    result = PxeHosts(params(tmp_path, 4)).run()
    assert result['created'] == 4 * 6 + 3
    # one flush per root (the HTTP root's YAML files, the TFTP root's boot files), each before its renames
    assert events == [('flush', 4)] + [e for e in events[1:5] if e[0] == 'rename'] + [('flush', 23)] + \
        [e for e in events[6:] if e[0] == 'rename'] and len(events) == 2 + 27
    assert len(fsyncs) == 4  # the directories the files were renamed in: hosts, pxelinux.cfg, grub, the tftp root
