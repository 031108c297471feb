# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""srm_build with pacman sources: real packages built by makepkg, a repository on loopback, real pacman."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest

import pacman_repo
from functional_support import run_module

pytestmark = pytest.mark.skipif(not pacman_repo.available(),
                                reason='needs root, pacman, makepkg, repo-add, bsdtar and squashfs-tools')

DELTA = ['rf-app', 'rf-liba', 'rf-libc']  # rf-app's dependencies rf-libb and rf-base1 are in the base


def sha(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    top = tmp_path_factory.mktemp('pacman')
    repo = pacman_repo.make_repo(str(top / 'repo'))
    base = pacman_repo.make_base(str(top / 'base'), ['rf-base1', 'rf-libb'])
    sfs = str(top / 'airootfs.sfs')
    subprocess.run(['mksquashfs', base, sfs, '-quiet', '-noappend', '-comp', 'gzip'], check=True,
                   stdout=subprocess.DEVNULL)
    server = pacman_repo.Server(repo)
    yield {'repo': repo, 'base': base, 'sfs': sfs, 'server': server, 'top': top}
    server.stop()


def pacman_args(dest, repo_url, base, packages=('rf-app',), **extra):
    spec = {'packages': list(packages), 'base': base, 'repositories': [{'name': 'rftest', 'url': repo_url}]}
    spec.update(extra.pop('pacman', {}))
    args = {'dest': dest, 'sources': [{'pacman': spec}, {'content': 'fleet\n', 'dest': '/etc/motd'}]}
    args.update(extra)
    return args


def listing(srm):
    out = subprocess.run(['unsquashfs', '-lc', '-d', '', srm], check=True, stdout=subprocess.PIPE).stdout.decode()
    return sorted(line for line in out.splitlines() if line.startswith('/'))


def test_module_holds_the_delta_and_pacman_sees_every_package(world, tmp_path):
    dest = str(tmp_path / '30-rf.srm')
    args = pacman_args(dest, world['server'].url, world['sfs'], systemd_enable=['rf-app.service'])
    check = run_module('srm_build', dict(args, _ansible_check_mode=True), str(tmp_path))
    assert check['changed'] and not os.path.exists(dest)
    assert check['packages']['sources[0]']['added'] == ['rf-app 1.0-1', 'rf-liba 2.1-1', 'rf-libc 0.5-1']
    world['server'].requests.clear()
    first = run_module('srm_build', args, str(tmp_path))
    assert first["changed"] and not first.get("failed"), first
    assert 'not verified against signatures' in str(first.get('warnings'))
    assert sorted(r for r in world['server'].requests if '.pkg.' in r) == sorted(
        '/%s' % os.path.basename(p) for (n, v), p in pacman_repo.package_cache().items()
        if n in DELTA and (n != 'rf-app' or v == '1.0-1'))
    files = listing(dest)
    assert '/usr/bin/rf-app' in files and '/usr/lib/librf-a.so.2' in files
    assert '/usr/lib/librf-b.so.1' not in files and '/usr/share/rf-base1/data' not in files
    entries = sorted({f.split('/')[5] for f in files if f.startswith('/var/lib/pacman/local/')})
    assert entries == ['rf-app-1.0-1', 'rf-liba-2.1-1', 'rf-libc-0.5-1']
    assert '/etc/systemd/system/multi-user.target.wants/rf-app.service' in files
    # base + module in one directory: pacman knows every package and misses no file
    merged = str(tmp_path / 'merged')
    subprocess.run(['unsquashfs', '-q', '-n', '-d', merged, world['sfs']], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['unsquashfs', '-q', '-n', '-f', '-d', merged, dest], check=True, stdout=subprocess.DEVNULL)
    db = ['--root', merged, '--dbpath', merged + '/var/lib/pacman']
    query = subprocess.run(['pacman'] + db + ['-Q'], check=True, stdout=subprocess.PIPE).stdout.decode()
    everything = ['rf-app 1.0-1', 'rf-base1 1.0-1', 'rf-liba 2.1-1', 'rf-libb 1.0-1', 'rf-libc 0.5-1']
    assert sorted(query.split('\n')[:-1]) == everything
    check_files = subprocess.run(['pacman'] + db + ['-Qk'], stdout=subprocess.PIPE, check=False)
    assert check_files.returncode == 0 and check_files.stdout.decode().count(' 0 missing files') == 5
    deps = subprocess.run(['pacman'] + db + ['-Qqd'], stdout=subprocess.PIPE, check=True).stdout.decode().split()
    assert 'rf-liba' in deps and 'rf-app' not in deps
    # idempotent: again and again in check mode, no package fetched, pacman not run
    world['server'].requests.clear()
    again = run_module('srm_build', args, str(tmp_path))
    assert not again['changed'] and again['sha256'] == first['sha256']
    assert not run_module('srm_build', dict(args, _ansible_check_mode=True), str(tmp_path))['changed']
    assert world['server'].requests == ['/rftest.db', '/rftest.db']  # conditional GETs only


def test_reproducible_and_same_bytes_from_a_directory_base(world, tmp_path):
    shas = set()
    for index, base in enumerate((world['sfs'], world['base'], world['sfs'])):
        (tmp_path / str(index)).mkdir()
        result = run_module('srm_build', pacman_args(str(tmp_path / str(index) / 'x.srm'), world['server'].url, base),
                            str(tmp_path))
        assert result['changed'], result
        shas.add(result['sha256'])
    assert len(shas) == 1


def test_noop_needs_no_network_and_no_pacman(world, tmp_path):
    server = pacman_repo.Server(world['repo'])
    dest = str(tmp_path / 'x.srm')
    args = pacman_args(dest, server.url, world['sfs'], pacman={'database_max_age': 3600})
    assert run_module('srm_build', args, str(tmp_path))['changed']
    server.stop()
    env_path = os.environ['PATH']
    try:  # pacman off the PATH: a no-op must not need it
        os.environ['PATH'] = '/nonexistent:' + ':'.join(os.path.dirname(shutil.which(t)) for t in ('unsquashfs',))
        for check in (False, True):
            result = run_module('srm_build', dict(args, _ansible_check_mode=check), str(tmp_path))
            assert not result['changed'] and not result.get('failed'), result
    finally:
        os.environ['PATH'] = env_path
    before = sha(dest)
    unreachable = run_module('srm_build', dict(args, sources=[{'pacman': dict(args['sources'][0]['pacman'],
                                                                              database_max_age=0)}]), str(tmp_path))
    assert unreachable['failed'] and 'cannot reach' in unreachable['msg'] and sha(dest) == before


def test_new_version_is_a_change_check_mode_reports(world, tmp_path):
    repo = pacman_repo.make_repo(str(tmp_path / 'repo'))
    dest = str(tmp_path / 'x.srm')
    args = pacman_args(dest, repo, world['base'])
    first = run_module('srm_build', args, str(tmp_path))
    # another source changes: the packages are installed again from the repository, same records
    changed_motd = dict(args, sources=[args['sources'][0], {'content': 'other\n', 'dest': '/etc/motd'}])
    assert run_module('srm_build', changed_motd, str(tmp_path))['paths']['changed'] == ['/etc/motd']
    assert run_module('srm_build', args, str(tmp_path))['changed']
    pacman_repo.make_repo(repo, app_version='1.1-1')
    check = run_module('srm_build', dict(args, _ansible_check_mode=True), str(tmp_path))
    assert check['changed'] and check['packages']['sources[0]']['changed'] == ['rf-app 1.0-1 -> 1.1-1']
    assert sha(dest) == first['sha256']
    real = run_module('srm_build', args, str(tmp_path))
    assert real['changed'] and '/usr/bin/rf-app' in real['paths']['changed']
    assert '/var/lib/pacman/local/rf-app-1.1-1/desc' in real['paths']['added']
    assert not run_module('srm_build', args, str(tmp_path))['changed']


@pytest.mark.parametrize('case', ['unknown', 'unsatisfiable', 'not_a_db', 'no_base_db', 'overwrite', 'no_repo_dir'])
def test_errors_leave_the_module_as_it_was(world, tmp_path, case):
    dest = str(tmp_path / 'x.srm')
    good = pacman_args(dest, world['repo'], world['base'])
    assert run_module('srm_build', good, str(tmp_path))['changed']
    before = sha(dest)
    url, base, packages = world['repo'], world['base'], ['rf-app']
    expected = {
        'unknown': 'package rf-nosuch is in none of the repositories',
        'unsatisfiable': 'cannot satisfy dependency rf-nowhere>=3 (needed by rf-broken)',
        'not_a_db': 'is not a pacman database',
        'no_base_db': 'has no pacman database',
        'overwrite': '/usr/share/rf-base1/data (rf-clash-1.0-1)',
        'no_repo_dir': 'does not exist; a local repository is a directory',
    }[case]
    if case == 'unknown':
        packages = ['rf-app', 'rf-nosuch']
    elif case == 'unsatisfiable':
        packages = ['rf-broken']
    elif case == 'not_a_db':
        url = str(tmp_path / 'junk')
        os.mkdir(url)
        with open(os.path.join(url, 'rftest.db'), 'w') as handle:
            handle.write('<html>not a database</html>\n')
    elif case == 'no_base_db':
        base = str(tmp_path / 'empty-base')
        os.makedirs(base + '/usr/bin')
    elif case == 'overwrite':
        packages = ['rf-app', 'rf-clash']
    else:
        url = str(tmp_path / 'nowhere')
    for check in (True, False):
        result = run_module('srm_build', dict(pacman_args(dest, url, base, packages), _ansible_check_mode=check),
                            str(tmp_path))
        if case == 'overwrite' and check:
            assert result['changed'] and not result.get('failed')  # found when the packages are installed
            continue
        assert result.get('failed') and expected in result['msg'], result
        assert sha(dest) == before and 'Traceback' not in result['msg']
    if case == 'overwrite':
        allowed = run_module('srm_build', dict(pacman_args(dest, url, base, packages), allow_core_overrides=True),
                             str(tmp_path))
        assert allowed['changed'] and not allowed.get('failed'), allowed
    assert not [n for n in os.listdir(str(tmp_path)) if 'rf-pacman' in n or 'rf-tmp' in n]


def test_without_base_every_package_goes_in(world, tmp_path):
    dest = str(tmp_path / 'x.srm')
    args = pacman_args(dest, world['repo'], None)
    del args['sources'][0]['pacman']['base']
    result = run_module('srm_build', args, str(tmp_path))
    assert result.get('changed') and not result.get('failed'), result
    entries = sorted({f.split('/')[5] for f in listing(dest) if f.startswith('/var/lib/pacman/local/rf-')})
    assert entries == ['rf-app-1.0-1', 'rf-base1-1.0-1', 'rf-liba-2.1-1', 'rf-libb-1.0-1', 'rf-libc-0.5-1']
