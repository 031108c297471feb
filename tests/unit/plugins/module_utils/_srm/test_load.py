# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""srm_load's planning (pure logic) and one run on a directory root with the real squashfs tools."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._srm.wanted import WantedError
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import load
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.load import LoadError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks import srm_load as task_module
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.srm_load import SrmLoad
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash

SHA_A = 'a' * 64
SHA_B = 'b' * 64

needs_squashfs = pytest.mark.skipif(not (shutil.which('mksquashfs') and shutil.which('rsync')),
                                    reason='needs squashfs-tools and rsync')


# -- resolve ----------------------------------------------------------------------------------------

def test_url_entries_are_named_from_the_path_and_keep_no_src():
    entry, = load.resolve([{'url': 'https://srv/x/20-mon.srm?v=2', 'sha256': SHA_A.upper()}])
    assert entry == {'name': '20-mon.srm', 'url': 'https://srv/x/20-mon.srm?v=2', 'sha256': SHA_A, 'size': None}


def test_planning_entries_need_no_file():
    entry, = load.resolve([{'name': '10-a.srm', 'sha256': SHA_A, 'size': 3, 'url': None}])
    assert entry['name'] == '10-a.srm' and 'url' not in entry


@pytest.mark.parametrize('srms, match', [
    ('x.srm', 'srms must be a list of mappings'),
    (['x.srm'], 'each entry must be a mapping'),
    ([{'url': 'https://srv/a.srm'}], 'a url needs sha256'),
    ([{'url': 'https://srv/a.srm', 'src': 'a.srm', 'sha256': SHA_A}], 'both src and url'),
    ([{'url': 'scp://srv/a.srm', 'sha256': SHA_A}], 'not an http'),
    ([{'url': 'https://srv/', 'sha256': SHA_A}], 'cannot take a name'),
    # the last component of a URL is data from outside: it must be a plain file name
    ([{'url': 'https://srv/a/..', 'sha256': SHA_A}], 'plain name'),
    ([{'url': 'https://srv/a/.', 'sha256': SHA_A}], 'plain name'),
    ([{'name': 'a.srm'}], 'needs src (a module file) or url'),
    ([{'url': 'https://srv/a.srm', 'sha256': 'abc'}], 'not 64 hexadecimal digits'),
    ([{'url': 'https://srv/a.srm', 'sha256': SHA_A}, {'url': 'https://other/a.srm', 'sha256': SHA_B}], 'listed twice'),
    ([{'url': 'https://srv/a.srm', 'sha256': SHA_A, 'name': '../a.srm'}], 'without /'),
])
def test_bad_entries_fail_clearly(srms, match):
    with pytest.raises(LoadError, match=match.replace('(', r'\(').replace(')', r'\)')):
        load.resolve(srms)


# -- plan -------------------------------------------------------------------------------------------

def test_plan_loads_new_updates_changed_and_skips_known():
    record = {'10-a.srm': {'name': '10-a.srm', 'sha256': SHA_A, 'size': 1},
              '20-b.srm': {'name': '20-b.srm', 'sha256': SHA_A, 'size': 1}}
    wanted = [{'name': '10-a.srm', 'sha256': SHA_A, 'size': 1},
              {'name': '20-b.srm', 'sha256': SHA_B, 'size': 2},
              {'name': '30-c.srm', 'url': 'https://srv/30-c.srm', 'sha256': SHA_B, 'size': None}]
    the_plan = load.plan(wanted, record)
    assert the_plan.public_actions() == [
        {'action': 'update', 'name': '20-b.srm', 'sha256': SHA_B, 'size': 2, 'old_sha256': SHA_A, 'source': 'file'},
        {'action': 'load', 'name': '30-c.srm', 'sha256': SHA_B, 'source': 'url'}]
    assert [(m['name'], m['sha256']) for m in the_plan.predicted()] == [
        ('10-a.srm', SHA_A), ('20-b.srm', SHA_B), ('30-c.srm', SHA_B)]
    diff = the_plan.diff('/run/rescuefleet/srm_load.json')
    assert '20-b.srm sha256:' + SHA_A in diff['before'] and '30-c.srm sha256:' + SHA_B in diff['after']


def test_plan_hashes_a_host_file_without_sha256(tmp_path):
    src = tmp_path / 'a.srm'
    src.write_bytes(b'abc')
    sha = hashlib.sha256(b'abc').hexdigest()
    assert load.plan([{'name': 'a.srm', 'src': str(src), 'sha256': None, 'size': 3}],
                     {'a.srm': {'name': 'a.srm', 'sha256': sha}}).actions == []


def test_a_damaged_record_means_nothing_is_loaded(tmp_path):
    path = tmp_path / 'srm_load.json'
    path.write_text('{not json')
    assert load.read_record(str(path)) == {}
    assert load.read_record(str(tmp_path / 'missing.json')) == {}
    record = {'a.srm': {'name': 'a.srm', 'sha256': SHA_A}}
    path.write_text(load.render_record(record))
    assert load.read_record(str(path)) == record


# -- the host ---------------------------------------------------------------------------------------

def fake_host(tmp_path, os_release='ID=debian\n', mountinfo='22 1 8:1 / / rw - ext4 /dev/sda1 rw\n', archiso=False):
    host = tmp_path / 'host'
    (host / 'etc').mkdir(parents=True)
    (host / 'proc' / 'self').mkdir(parents=True)
    (host / 'etc' / 'os-release').write_text(os_release)
    (host / 'proc' / 'self' / 'mountinfo').write_text(mountinfo)
    if archiso:
        (host / 'run' / 'archiso').mkdir(parents=True)
    return str(host)


OVERLAY = ('22 1 0:20 / / rw - overlay airootfs rw,lowerdir=/run/archiso/sfs/airootfs,'
           'upperdir=/run/archiso/cowspace/persistent_RESCUE1200/x86_64/upperdir\n')


@pytest.mark.parametrize('kwargs, reason', [
    ({'archiso': True}, '/run/archiso exists'),
    ({'os_release': 'NAME="SystemRescue"\nID="sysrescue"\n'}, 'ID=sysrescue'),
    ({'mountinfo': '21 1 8:1 / / rw - ext4 /dev/sda1 rw\n' + OVERLAY}, 'overlay over airootfs'),
    ({}, None),
    ({'mountinfo': '22 1 0:20 / / rw - overlay overlay rw,lowerdir=/run/rootfsbase\n'}, None),
])
def test_live_system_rule(tmp_path, kwargs, reason):
    found = load.live_system_reason(fake_host(tmp_path, **kwargs))
    assert (found is None) if reason is None else (reason in found)


def test_an_installed_system_is_refused_unless_allowed(tmp_path):
    host = fake_host(tmp_path)
    task = SrmLoad({'root': '/', 'srms': []}, host=host)
    with pytest.raises(LoadError, match='does not look like a SystemRescue'):
        task.run()
    # a directory root is a test bed: no live check
    root = tmp_path / 'root'
    root.mkdir()
    assert SrmLoad({'root': str(root), 'srms': []}, host=host).run()['changed'] is False


# -- one real run on a directory root ---------------------------------------------------------------

def make_srm(tmp_path, name, files, links=None, modes=None, mtime=None):
    """A module of ``files`` ({path: bytes}) and ``links`` ({path: target}); ``modes`` {path: mode}; every
    file's modification time ``mtime`` when given."""
    tree = tmp_path / ('tree-' + name)
    tree.mkdir()
    for path, data in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_bytes(data)
    for path, target in (links or {}).items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, str(tree / path))
    for path, mode in (modes or {}).items():
        os.chmod(str(tree / path), mode)
    for path in files if mtime is not None else ():
        os.utime(str(tree / path), (mtime, mtime))
    out = tmp_path / name
    subprocess.run(['mksquashfs', str(tree), str(out), '-quiet', '-no-progress', '-all-root', '-noappend'],
                   check=True, stdout=subprocess.DEVNULL)
    return str(out), hashlib.sha256(out.read_bytes()).hexdigest()


def tree_state(root):
    state = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            data = open(path, 'rb').read() if os.path.isfile(path) and not os.path.islink(path) else b''
            state.append((os.path.relpath(path, root), st.st_mode, st.st_size, hashlib.sha256(data).hexdigest()))
    return state


@needs_squashfs
@pytest.mark.parametrize('method', ['unsquashfs', 'auto'])
def test_load_update_and_no_op_on_a_directory_root(tmp_path, method):
    root = tmp_path / 'root'
    root.mkdir()
    src, sha = make_srm(tmp_path, 'a.srm', {'usr/local/bin/tool': b'v1\n', 'etc/fleet.conf': b'x\n'})
    params = {'root': str(root), 'srms': [{'src': src}], 'method': method}
    check = SrmLoad(params, check_mode=True, want_diff=True).run()
    assert check['changed'] and check['actions'][0]['action'] == 'load' and not (root / 'run').exists()
    real = SrmLoad(params).run()
    assert real['changed'] and (root / 'usr/local/bin/tool').read_bytes() == b'v1\n'
    assert real['systemd'].startswith('skipped: root is')
    record = json.loads((root / 'run/rescuefleet/srm_load.json').read_text())
    assert [(m['name'], m['sha256']) for m in record['modules']] == [('a.srm', sha)]
    again = SrmLoad(params).run()
    assert not again['changed'] and again['actions'] == []
    src2, sha2 = make_srm(tmp_path, 'a2.srm', {'usr/local/bin/tool': b'v2\n'})
    update = SrmLoad(dict(params, srms=[{'src': src2, 'name': 'a.srm'}])).run()
    assert update['actions'][0]['action'] == 'update' and update['actions'][0]['old_sha256'] == sha
    assert (root / 'usr/local/bin/tool').read_bytes() == b'v2\n' and (root / 'etc/fleet.conf').exists()
    assert update['loaded'][0]['sha256'] == sha2


@needs_squashfs
@pytest.mark.parametrize('case', ['mismatch', 'not squashfs', 'no space'])
def test_bad_input_leaves_the_root_unchanged(tmp_path, monkeypatch, case):
    root = tmp_path / 'root'
    (root / 'etc').mkdir(parents=True)
    (root / 'etc' / 'keep').write_text('keep\n')
    good, sha = make_srm(tmp_path, 'good.srm', {'etc/good': b'good\n'})
    srms = [{'src': good, 'sha256': sha}]
    if case == 'mismatch':
        srms.append({'src': good, 'name': 'bad.srm', 'sha256': SHA_A})
        match = 'does not match its sha256'
    elif case == 'not squashfs':
        junk = tmp_path / 'junk.srm'
        junk.write_bytes(b'not a squashfs' * 100)
        srms.append({'src': str(junk)})
        match = 'is not a squashfs image'
    else:
        monkeypatch.setattr(load, 'free_space', lambda root: (100, 10 ** 9))
        match = 'not enough space'
    before = tree_state(str(root))
    for check_mode in (True, False):
        with pytest.raises((LoadError, WantedError), match=match):
            SrmLoad({'root': str(root), 'srms': srms}, check_mode=check_mode).run()
    assert tree_state(str(root)) == before


@needs_squashfs
def test_url_sources_are_fetched_and_verified(tmp_path):
    root = tmp_path / 'root'
    root.mkdir()
    src, sha = make_srm(tmp_path, 'u.srm', {'opt/u': b'u\n'})
    params = {'root': str(root), 'srms': [{'url': 'file://' + src, 'sha256': sha}], 'validate_certs': True,
              'timeout': 5}
    check = SrmLoad(params, check_mode=True).run()
    assert check['changed'] and check['actions'][0]['source'] == 'url'
    assert SrmLoad(params).run()['loaded'][0]['source'] == 'file://' + src
    assert (root / 'opt/u').read_bytes() == b'u\n'
    missing = dict(params, srms=[{'url': 'file://' + str(tmp_path / 'none.srm'), 'sha256': SHA_A}])
    with pytest.raises(LoadError, match='cannot download none.srm'):
        SrmLoad(missing).run()


# -- copying as load-srm does (docs/systemrescue.md section 4a) --------------------------------------

def test_the_copy_is_load_srms_rsync_command():
    """docs/systemrescue.md 4a: load-srm copies with ``rsync -a --sparse --checksum``; srm_load runs the same
    command (naming each change), the dry run only adding ``--dry-run``, and leaves merged boot files out."""
    cmd = load.rsync_command('/tmp/x/content.1', '/', ['/root/.ssh/authorized_keys'])
    assert cmd[:4] == ['rsync', '-a', '--sparse', '--checksum'] and cmd[-2:] == ['/tmp/x/content.1/', '/']
    assert '--exclude=/root/.ssh/authorized_keys' in cmd and '--dry-run' not in cmd
    assert load.rsync_command('/t', '/r', dry_run=True) == cmd[:5] + ['--out-format=%i %n', '--dry-run', '/t/', '/r/']


@needs_squashfs
@pytest.mark.parametrize('method', ['unsquashfs', 'auto'])
def test_sparse_files_stay_sparse(tmp_path, method):
    """docs/systemrescue.md 4a: ``rsync --sparse``: a sparse file of a module stays sparse in the copy-on-write
    RAM (8 MiB of which 4 KiB hold data take a few blocks, not 8 MiB), and the space check counts what it
    takes, not its size."""
    tree = tmp_path / 'sparse-src'
    tree.mkdir()
    with open(str(tree / 'disk.img'), 'wb') as handle:
        handle.truncate(8 << 20)
        handle.seek(4 << 20)
        handle.write(b'x' * 4096)
    src, _sha = make_srm(tmp_path, 'sparse.srm', {'opt/disk.img': (tree / 'disk.img').read_bytes()})
    root = tmp_path / 'root'
    root.mkdir()
    result = SrmLoad({'root': str(root), 'srms': [{'src': src}], 'method': method}).run()
    st = os.stat(str(root / 'opt/disk.img'))
    assert result['changed'] and st.st_size == 8 << 20 and st.st_blocks * 512 <= 256 << 10
    items = [('>f+++++++++', 'opt/disk.img')]
    assert load.space_needed(str(tmp_path / 'empty'), str(root), items, None) == load.allocated(st) < 1 << 20


def test_rsync_changes_are_read_from_its_itemized_lines():
    """What the dry run of load-srm's copy (docs/systemrescue.md 4a) says it changes, as (flags, path)."""
    out = ('cd+++++++++ etc/systemd/system/multi-user.target.wants/\n'
           'cL+++++++++ etc/systemd/system/multi-user.target.wants/agent.service\n'
           '>f+++++++++ usr/local/bin/a b\n.f...p..... etc/motd\n>fcs....... etc/fleet.conf\nsending incremental\n')
    assert load.changes(out) == [
        ('cd+++++++++', 'etc/systemd/system/multi-user.target.wants/'),
        ('cL+++++++++', 'etc/systemd/system/multi-user.target.wants/agent.service'),
        ('>f+++++++++', 'usr/local/bin/a b'), ('.f...p.....', 'etc/motd'), ('>fcs.......', 'etc/fleet.conf')]


# -- free space: copy-ups (docs/systemrescue.md section 4a) ------------------------------------------

def test_space_counts_new_files_writes_and_copy_ups(tmp_path):
    """docs/systemrescue.md 4a: files copied up from the lower layers (same size, new mode or owner) cost their
    whole size in the copy-on-write space; a new file costs its size; a file written anew costs its whole
    new size when the old one is a lower file, only its growth when the old one was written already."""
    root, tree, upper = tmp_path / 'root', tmp_path / 'tree', tmp_path / 'upper'
    for name, size in (('new', 5000), ('grown', 3 * 4096), ('chmod', 2 * 4096), ('written', 4096)):
        for base in (tree, root):
            (base / 'opt').mkdir(parents=True, exist_ok=True)
            if base is tree or name != 'new':
                (base / 'opt' / name).write_bytes(b'y' * (size if base is tree or name != 'grown' else 4096))
    (upper / 'opt').mkdir(parents=True)
    items = [('>f+++++++++', 'opt/new'), ('>fcs.......', 'opt/grown'), ('.f...p.....', 'opt/chmod'),
             ('>fc........', 'opt/written'), ('cd+++++++++', 'opt/dir/')]
    lower = load.space_needed(str(root), str(tree), items, str(upper))
    assert lower == 8192 + 3 * 4096 + 2 * 4096 + 4096  # every old file lies only in a lower layer
    (upper / 'opt' / 'grown').write_bytes(b'')
    (upper / 'opt' / 'chmod').write_bytes(b'')
    (upper / 'opt' / 'written').write_bytes(b'')
    assert load.space_needed(str(root), str(tree), items, str(upper)) == 8192 + 2 * 4096 + 0 + 0
    # not an overlay: nothing is copied up; an overlay whose upper layer is hidden: everything may be
    assert load.space_needed(str(root), str(tree), items, None) == 8192 + 2 * 4096
    assert load.space_needed(str(root), str(tree), items, '') == lower


def test_the_writable_layer_comes_from_the_overlay_upperdir(tmp_path):
    """docs/systemrescue.md 4a copy-ups: a file lies only in a lower layer when the overlay's upper directory
    lacks it; an overlay whose upper directory is not visible counts every file as lower."""
    upper = tmp_path / 'cow' / 'upperdir'
    (upper / 'srv').mkdir(parents=True)
    info = tmp_path / 'mountinfo'
    info.write_text('21 1 8:1 / / rw - ext4 /dev/sda1 rw\n'
                    '30 21 0:40 / /srv\\040x rw - overlay ov rw,lowerdir=/l,upperdir=%s,workdir=/w\n'
                    '31 21 0:41 / /hidden rw - overlay ov rw,lowerdir=/l,upperdir=/gone,workdir=/w\n'
                    '32 21 0:42 / /ro rw - overlay ov ro,lowerdir=/l:/m\n' % str(tmp_path / 'cow' / 'upperdir'))
    assert load.writable_layer('/srv x/srv', str(info)) == str(upper / 'srv')
    assert load.writable_layer('/hidden', str(info)) == ''
    assert load.writable_layer('/ro', str(info)) == ''
    assert load.writable_layer('/home', str(info)) is None
    assert load.mount_of('/srv x/a', str(info))[0] == '/srv x'


@needs_squashfs
def test_a_copy_up_that_does_not_fit_is_refused_on_a_real_overlay(tmp_path):
    """docs/systemrescue.md 4a, on a real overlayfs: a module that only changes the mode of a 2 MiB file of
    the lower layer needs 2 MiB of a 1 MiB copy-on-write space: refused before anything is copied, although
    no file is new and none changes its size."""
    lower, cow, root = tmp_path / 'lower', tmp_path / 'cow', tmp_path / 'root'
    for path in (lower / 'opt', cow, root):
        path.mkdir(parents=True)
    (lower / 'opt' / 'big').write_bytes(os.urandom(2 << 20))
    os.utime(str(lower / 'opt' / 'big'), (0, 0))  # same time as in the module: only the mode differs
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'rftest-cow', str(cow)], check=False).returncode != 0:
        pytest.skip('cannot mount a tmpfs here (not root, or no mount permission)')
    try:
        (cow / 'upper').mkdir()
        (cow / 'work').mkdir()
        subprocess.run(['mount', '-t', 'overlay', 'rftest', '-o', 'lowerdir=%s,upperdir=%s,workdir=%s'
                        % (lower, cow / 'upper', cow / 'work'), str(root)], check=True)
        try:
            src, _sha = make_srm(tmp_path, 'mode.srm', {'opt/big': (lower / 'opt' / 'big').read_bytes()},
                                 modes={'opt/big': 0o600}, mtime=0)
            before = tree_state(str(root))
            with pytest.raises(LoadError, match='copied up'):
                SrmLoad({'root': str(root), 'srms': [{'src': src}]}).run()
            assert tree_state(str(root)) == before and not os.listdir(str(cow / 'upper'))
        finally:
            subprocess.run(['umount', str(root)], check=False)
    finally:
        subprocess.run(['umount', str(cow)], check=False)


# -- what systemd starts (docs/systemrescue.md section 4a) -------------------------------------------

def test_only_units_the_module_links_anew_are_started():
    """docs/systemrescue.md 4a: after boot, starting multi-user.target starts again a firewall the operator
    stopped; only the units whose links the module adds under a .wants/ directory start, and no target."""
    items = [('cL+++++++++', 'etc/systemd/system/multi-user.target.wants/agent.service'),
             ('cL+++++++++', 'usr/lib/systemd/system/sockets.target.wants/agent.socket'),
             ('cL+++++++++', 'etc/systemd/system/timers.target.wants/scrub.timer'),
             ('cL+++++++++', 'etc/systemd/system/multi-user.target.wants/fleet.target'),
             ('cL+++++++++', 'etc/systemd/system/fleet.target.wants/agent.service'),
             ('cL+++++++++', 'etc/systemd/system/network-online.target.requires/wait.service'),
             ('cLc.t......', 'etc/systemd/system/multi-user.target.wants/iptables.service'),
             ('cL+++++++++', 'etc/systemd/user/default.target.wants/user.service'),
             ('>f+++++++++', 'etc/systemd/system/agent.service')]
    assert load.added_units(items) == (['agent.service', 'agent.socket', 'scrub.timer', 'wait.service'],
                                       ['fleet.target'])


@needs_squashfs
def test_the_units_a_module_enables_are_found_before_the_copy(tmp_path):
    """A module carrying the firewall's existing link and a new unit's link: only the new unit is named, in
    check mode already (the dry run), and in the real run."""
    root = tmp_path / 'root'
    wants = root / 'etc/systemd/system/multi-user.target.wants'
    wants.mkdir(parents=True)
    os.symlink('/usr/lib/systemd/system/iptables.service', str(wants / 'iptables.service'))
    links = {'etc/systemd/system/multi-user.target.wants/iptables.service': '/usr/lib/systemd/system/iptables.service',
             'etc/systemd/system/multi-user.target.wants/agent.service': '/etc/systemd/system/agent.service'}
    src, _sha = make_srm(tmp_path, 'agent.srm', {'etc/systemd/system/agent.service': b'[Service]\n'}, links=links)
    params = {'root': str(root), 'srms': [{'src': src}]}
    check = SrmLoad(params, check_mode=True).run()
    real = SrmLoad(params).run()
    assert check['units'] == real['units'] == ['agent.service']
    assert real['systemd'].startswith('skipped: root is')


def test_systemd_is_told_to_start_exactly_those_units(monkeypatch):
    """docs/systemrescue.md 4a: daemon-reload, then start --no-block of the added units; multi-user.target and
    the targets the module added are never started."""
    calls = []
    monkeypatch.setattr(task_module, 'run', lambda cmd, *a, **k: calls.append(cmd))
    task = SrmLoad({'root': '/', 'srms': [], 'systemd': True})
    text = task._systemd('/', ['agent.service', 'scrub.timer'], ['fleet.target'])
    assert calls == [['systemctl', 'daemon-reload'], ['systemctl', 'start', '--no-block', '--', 'agent.service',
                                                      'scrub.timer']]
    assert text == 'ran systemctl daemon-reload and start --no-block agent.service scrub.timer (not started: fleet.target)'
    assert 'fleet.target' in task.warnings[0]
    calls[:] = []
    assert task._systemd('/', [], []) == 'ran systemctl daemon-reload; no unit to start'
    assert calls == [['systemctl', 'daemon-reload']]
    assert SrmLoad({'root': '/', 'srms': [], 'systemd': False})._systemd('/', ['a.service'], []) == 'skipped: systemd is false'
    assert not any('multi-user.target' in ' '.join(c) for c in calls)


# -- files the boot already merged (docs/systemrescue.md section 4a) ---------------------------------

BOOT_KEY = b'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBOOT ansible@controller\n'
MODULE_KEY = b'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMODULE operator@site\n'


def test_merged_keeps_the_lines_the_module_lacks_after_its_own():
    """docs/systemrescue.md 4a: at boot the YAML's lines are appended after the SRM's file; merging after the
    fact gives the same file."""
    assert load.missing_lines(BOOT_KEY + MODULE_KEY + b'\n', MODULE_KEY) == [BOOT_KEY.decode().rstrip()]
    assert load.merged(BOOT_KEY + MODULE_KEY, MODULE_KEY.rstrip(b'\n')) == MODULE_KEY + BOOT_KEY
    assert load.merged(MODULE_KEY, MODULE_KEY + BOOT_KEY) == MODULE_KEY + BOOT_KEY
    assert load.merged(b'10.0.7.1 pxe\n10.0.7.1 pxe\n', b'') == b'10.0.7.1 pxe\n'


def boot_root(tmp_path):
    root = tmp_path / 'root'
    (root / 'root/.ssh').mkdir(parents=True)
    (root / 'root/.ssh/authorized_keys').write_bytes(BOOT_KEY)
    (root / 'etc').mkdir()
    (root / 'etc/hosts').write_bytes(b'127.0.0.1 localhost\n10.0.7.1 pxe.example.com\n')
    return root


def boot_module(tmp_path):
    return make_srm(tmp_path, 'keys.srm', {'root/.ssh/authorized_keys': MODULE_KEY,
                                           'etc/hosts': b'127.0.0.1 localhost\n10.0.9.9 vault\n',
                                           'opt/tool': b'tool\n'},
                    modes={'root/.ssh/authorized_keys': 0o600})[0]


@needs_squashfs
def test_boot_files_are_merged_by_default(tmp_path):
    """docs/systemrescue.md 4a: an SRM carrying authorized_keys or /etc/hosts, loaded after boot, must not take
    away the lines the boot added (the key Ansible logs in with): by default they follow the module's lines."""
    root = boot_root(tmp_path)
    params = {'root': str(root), 'srms': [{'src': boot_module(tmp_path)}]}
    check = SrmLoad(params, check_mode=True).run()
    assert check['actions'][0]['boot_files'] == [
        {'path': '/root/.ssh/authorized_keys', 'handling': 'merge', 'lines': 1},
        {'path': '/etc/hosts', 'handling': 'merge', 'lines': 1}]
    real = SrmLoad(params).run()
    assert real['actions'][0]['boot_files'] == check['actions'][0]['boot_files']
    keys = root / 'root/.ssh/authorized_keys'
    assert keys.read_bytes() == MODULE_KEY + BOOT_KEY
    assert os.stat(str(keys)).st_mode & 0o777 == 0o600  # the module's mode: sshd's StrictModes accepts it
    assert (root / 'etc/hosts').read_bytes() == b'127.0.0.1 localhost\n10.0.9.9 vault\n10.0.7.1 pxe.example.com\n'
    assert (root / 'opt/tool').exists() and not SrmLoad(params).run()['changed']


@needs_squashfs
def test_boot_files_replace_drops_the_boot_lines(tmp_path):
    """docs/systemrescue.md 4a, boot_files: replace: what load-srm does, the module's file as it is."""
    root = boot_root(tmp_path)
    real = SrmLoad({'root': str(root), 'srms': [{'src': boot_module(tmp_path)}], 'boot_files': 'replace'}).run()
    assert real['actions'][0]['boot_files'][0] == {'path': '/root/.ssh/authorized_keys', 'handling': 'replace',
                                                   'lines': 1}
    assert (root / 'root/.ssh/authorized_keys').read_bytes() == MODULE_KEY


@needs_squashfs
def test_boot_files_refuse_changes_nothing(tmp_path):
    """docs/systemrescue.md 4a, boot_files: refuse: fails with advice before anything is copied; a module whose
    file already holds every line of the running system's file is loaded."""
    root = boot_root(tmp_path)
    before = tree_state(str(root))
    params = {'root': str(root), 'srms': [{'src': boot_module(tmp_path)}], 'boot_files': 'refuse'}
    for check_mode in (True, False):
        with pytest.raises(LoadError, match='boot_files: merge to keep them'):
            SrmLoad(params, check_mode=check_mode).run()
    assert tree_state(str(root)) == before
    (root / 'root/.ssh/authorized_keys').write_bytes(MODULE_KEY)
    (root / 'etc/hosts').write_bytes(b'10.0.9.9 vault\n')
    assert SrmLoad(params).run()['changed']


# -- where the module file waits (docs/systemrescue.md section 4a) -----------------------------------

@needs_squashfs
def test_modules_wait_and_open_in_the_staging_dir(tmp_path, monkeypatch):
    """docs/systemrescue.md 4a: load-srm downloads into /tmp (a tmpfs of its own), not into the copy-on-write
    space: a downloaded module and the module's mount point or extracted content live in staging_dir."""
    root, staging = tmp_path / 'root', tmp_path / 'staging'
    root.mkdir()
    staging.mkdir()
    src, sha = make_srm(tmp_path, 'u.srm', {'opt/u': b'u\n'})
    seen = []
    real_opened = load.opened

    def spy(image, work, *args):
        seen.append((image, work))
        return real_opened(image, work, *args)
    monkeypatch.setattr(task_module, 'opened', spy)
    SrmLoad({'root': str(root), 'staging_dir': str(staging), 'srms': [{'url': 'file://' + src, 'sha256': sha}]}).run()
    (image, work), = seen
    assert os.path.dirname(image) == work and os.path.dirname(work) == str(staging)
    assert os.listdir(str(staging)) == []  # removed after the run
    assert load.STAGING_DIR == '/tmp' and load.HostRoot(str(root)).staging_dir == '/tmp'
    with pytest.raises(LoadError, match='staging_dir relative is not an existing directory'):
        SrmLoad({'root': str(root), 'staging_dir': 'relative', 'srms': []}).run()


@needs_squashfs
@pytest.mark.parametrize('method', ['auto', 'unsquashfs'])
def test_a_module_on_a_read_only_medium_is_loaded_where_it_lies(tmp_path, method):
    """docs/systemrescue.md 4a: the boot medium is mounted read-only; a module that lies there is loaded from
    there and nothing is created beside it (here a read-only tmpfs stands for /run/archiso/bootmnt)."""
    medium, root = tmp_path / 'bootmnt', tmp_path / 'root'
    medium.mkdir()
    root.mkdir()
    src, _sha = make_srm(tmp_path, 'm.srm', {'opt/m': b'm\n'})
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=4m', 'rftest-medium', str(medium)], check=False).returncode != 0:
        pytest.skip('cannot mount a tmpfs here (not root, or no mount permission)')
    try:
        shutil.copyfile(src, str(medium / 'm.srm'))
        subprocess.run(['mount', '-o', 'remount,ro', str(medium)], check=True)
        params = {'root': str(root), 'remote_src': True, 'method': method, 'srms': [{'src': str(medium / 'm.srm')}]}
        assert SrmLoad(params, check_mode=True).run()['changed']
        assert SrmLoad(params).run()['changed'] and (root / 'opt/m').read_bytes() == b'm\n'
        assert os.listdir(str(medium)) == ['m.srm']
    finally:
        subprocess.run(['umount', str(medium)], check=False)


# -- downloads with retries (docs/systemrescue.md section 4a) ----------------------------------------

class Flaky(http.server.BaseHTTPRequestHandler):
    """Answers from ``server.answers`` (status codes), then with ``server.body``."""

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        self.server.requests += 1
        code = self.server.answers.pop(0) if self.server.answers else 200
        self.send_response(code)
        if code != 200 and self.server.retry_after:
            self.send_header('Retry-After', self.server.retry_after)
        body = self.server.body if code == 200 else b'busy'
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def flaky_server(answers, body=b'module', retry_after=None):
    server = http.server.HTTPServer(('127.0.0.1', 0), Flaky)
    server.answers, server.body, server.requests, server.retry_after = list(answers), body, 0, retry_after
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server, 'http://127.0.0.1:%d/m.srm' % server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_downloads_retry_transient_errors_as_curl_retry_2(tmp_path):
    """docs/systemrescue.md 4a: load-srm downloads with curl --retry 2 --retry-connrefused: HTTP 503 (and 408,
    429, 500, 502, 504) is tried again after 1 s, then 2 s, or after the server's Retry-After."""
    waits = []
    dest = str(tmp_path / 'm.srm')
    with flaky_server([503, 502]) as (server, url):
        assert load.download(url, dest, sleep=waits.append) == 2
        assert server.requests == 3 and waits == [1, 2] and open(dest, 'rb').read() == b'module'
    waits[:] = []
    with flaky_server([503, 503, 503]) as (server, url):
        with pytest.raises(LoadError, match=r'after 3 tries.*503'):
            load.download(url, dest, sleep=waits.append)
        assert server.requests == 3
    waits[:] = []
    with flaky_server([429], retry_after='7') as (server, url):
        load.download(url, dest, timeout=5, sleep=waits.append)
        assert waits == [5]  # Retry-After, at most timeout


def test_downloads_do_not_retry_what_is_not_transient(tmp_path):
    """docs/systemrescue.md 4a, curl --fail --retry: a 404 fails at once (no 4xx but 408 and 429 is retried)."""
    waits = []
    with flaky_server([404]) as (server, url):
        with pytest.raises(LoadError, match='404'):
            load.download(url, str(tmp_path / 'm.srm'), sleep=waits.append)
        assert server.requests == 1 and waits == []


def test_downloads_retry_a_refused_connection(tmp_path):
    """docs/systemrescue.md 4a, curl --retry-connrefused: a refused connection counts as transient (the boot
    server is not up yet)."""
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    waits = []
    with pytest.raises(LoadError, match='after 2 tries'):
        load.download('http://127.0.0.1:%d/m.srm' % port, str(tmp_path / 'm.srm'), retries=1, sleep=waits.append)
    assert waits == [1]


@needs_squashfs
def test_odd_file_names_are_compared_as_they_are(tmp_path):
    """rsync escapes unprintable characters in the names it lists (``\\#012``); the dry run reads them back
    as they are on disk, also bytes that are no UTF-8, so every changed file is counted."""
    odd = ['opt/line\nbreak', os.fsdecode(b'opt/latin1-\xe9'), 'opt/back\\#134slash']
    src, _sha = make_srm(tmp_path, 'odd.srm', {name: b'x' * 5000 for name in odd})
    out = subprocess.run(load.rsync_command(str(tmp_path / 'tree-odd.srm'), str(tmp_path / 'empty'), dry_run=True),
                         check=True, capture_output=True).stdout
    items = load.changes(out)
    assert sorted(path for _flags, path in items if not path.endswith('/')) == sorted(odd)
    root = tmp_path / 'root'
    root.mkdir()
    assert load.space_needed(str(root), str(tmp_path / 'tree-odd.srm'), items, None) == 3 * 8192
    assert SrmLoad({'root': str(root), 'srms': [{'src': src}]}).run()['changed']
    assert sorted(os.listdir(str(root / 'opt'))) == sorted(os.path.basename(name) for name in odd)


@needs_squashfs
def test_a_record_left_half_written_by_a_killed_run_is_swept(tmp_path):
    """The record is written under a temporary name beside it; the next real run removes what a kill left
    (issue 27, class 11), check mode leaves it."""
    root = tmp_path / 'root'
    root.mkdir()
    src, _sha = make_srm(tmp_path, 'a.srm', {'etc/fleet.conf': b'x\n'})
    params = {'root': str(root), 'srms': [{'src': src}], 'method': 'unsquashfs'}
    SrmLoad(params).run()
    leftover = root / 'run' / 'rescuefleet' / '.srm_load.json.rf-tmp-abc123'
    leftover.write_text('{"version": 1, "modu')
    assert not SrmLoad(params, check_mode=True).run()['changed'] and leftover.exists()
    assert not SrmLoad(params).run()['changed']
    assert sorted(os.listdir(str(root / 'run' / 'rescuefleet'))) == ['srm_load.json']


# -- the running system and the record, as directories (issue 27, class 2) --------------------------------

@pytest.mark.parametrize('spelling', ['//', '/./', 'link'])
def test_the_running_system_is_refused_however_it_is_spelt(tmp_path, spelling):
    """abspath('//') is '//', not '/': the guard compares the directories themselves."""
    root = spelling
    if spelling == 'link':
        root = str(tmp_path / 'slash')
        os.symlink('/', root)
    assert load.is_running_root(root)
    with pytest.raises(LoadError, match='does not look like a SystemRescue'):
        SrmLoad({'root': root, 'srms': []}, host=fake_host(tmp_path)).run()


def test_a_record_directory_linked_out_of_the_root_is_refused(tmp_path):
    root = tmp_path / 'root'
    (root / 'run').mkdir(parents=True)
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'srm_load.json').write_text('{"version": 1, "modules": []}\n')
    os.symlink(str(outside), str(root / 'run' / 'rescuefleet'))
    before = tree_hash(str(outside))
    for check_mode in (True, False):
        with pytest.raises(LoadError, match='outside root'):
            SrmLoad({'root': str(root), 'srms': []}, check_mode=check_mode).run()
    assert tree_hash(str(outside)) == before
    assert not load.is_running_root(str(root))
