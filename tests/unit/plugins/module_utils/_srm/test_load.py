# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""srm_load's planning (pure logic) and one run on a directory root with the real squashfs tools."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._srm.wanted import WantedError
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import load
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.load import LoadError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.srm_load import SrmLoad

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


def test_new_bytes_counts_missing_and_resized_files_in_blocks(tmp_path):
    (tmp_path / 'etc').mkdir()
    (tmp_path / 'etc' / 'same').write_bytes(b'x' * 10)
    (tmp_path / 'etc' / 'other').write_bytes(b'x' * 5)
    content = [('/etc', 'd', 0), ('/etc/same', '-', 10), ('/etc/other', '-', 6000), ('/etc/new', '-', 1),
               ('/etc/link', 'l', 0)]
    assert load.new_bytes(str(tmp_path), content) == 8192 + 4096


# -- one real run on a directory root ---------------------------------------------------------------

def make_srm(tmp_path, name, files):
    tree = tmp_path / ('tree-' + name)
    for path, data in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_bytes(data)
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
