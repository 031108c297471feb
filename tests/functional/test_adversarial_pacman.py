# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A hostile pacman repository on 127.0.0.1 (issue 27, class 1): a database is data from the network, so
its names must be plain file names before they touch a path, as libalpm requires (``_alpm_validate_filename``),
and a package with a wrong digest is removed from the cache only. Nothing outside the cache is written or
deleted, whatever the database says."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

import pacman_repo
from functional_support import run_module
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash

pytestmark = pytest.mark.skipif(not pacman_repo.available(),
                                reason='needs root, pacman, makepkg, repo-add, bsdtar and squashfs-tools')


def libc_file():
    return os.path.basename(pacman_repo.package_cache()[('rf-libc', '0.5-1')])


def hostile_database(repo_dir, db_path, rewrite):
    """A copy of ``repo_dir``'s database at ``db_path`` with each ``desc`` passed through ``rewrite(name, text)``."""
    out = io.BytesIO()
    with tarfile.open(os.path.join(repo_dir, 'rftest.db'), 'r:*') as source, \
            tarfile.open(fileobj=out, mode='w:gz') as target:
        for member in source:
            data = source.extractfile(member).read() if member.isfile() else None
            if data is not None and member.name.endswith('/desc'):
                data = rewrite(member.name.split('/')[0], data.decode('utf-8')).encode('utf-8')
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    with open(db_path, 'wb') as handle:
        handle.write(out.getvalue())


def set_field(text, field, value):
    lines = text.split('\n')
    index = lines.index('%%%s%%' % field)
    lines[index + 1] = value
    return '\n'.join(lines)


@pytest.fixture
def world(tmp_path):
    """A served directory holding the packages and a database to be replaced by each test, a cache, and a
    victim beside them that a hostile name points at."""
    served = tmp_path / 'served'
    pacman_repo.make_repo(str(served))
    real = tmp_path / 'real-repo'
    pacman_repo.make_repo(str(real))
    victim = tmp_path / 'victim'
    victim.mkdir()
    (victim / 'x').write_text('do not touch\n')
    (victim / libc_file()).write_text('not a package, do not delete\n')
    server = pacman_repo.Server(str(served))
    yield {'served': str(served), 'real': str(real), 'victim': victim, 'server': server, 'top': tmp_path}
    server.stop()


def build_args(world, packages=('rf-libc',)):
    return {'dest': str(world['top'] / 'out' / '10-rf.srm'),
            'sources': [{'pacman': {'packages': list(packages), 'cache_dir': str(world['top'] / 'cache'),
                                    'repositories': [{'name': 'rftest', 'url': world['server'].url}]}}]}


def snapshot(world):
    return {name: tree_hash(str(world['top'] / name)) for name in ('victim', 'real-repo')}


@pytest.mark.parametrize('filename', [
    '../../victim/x',
    '../victim/{libc}',
    '/etc/hostname',
    '.hidden.pkg.tar.zst',
    '..',
])
@pytest.mark.parametrize('check', [True, False])
def test_a_database_naming_a_path_is_refused_before_anything_is_fetched(world, filename, check):
    hostile_database(world['real'], os.path.join(world['served'], 'rftest.db'),
                     lambda name, text: set_field(text, 'FILENAME', filename.format(libc=libc_file()))
                     if name.startswith('rf-libc') else text)
    os.makedirs(str(world['top'] / 'out'), exist_ok=True)
    before = snapshot(world)
    world['server'].requests.clear()
    result = run_module('srm_build', dict(build_args(world), _ansible_check_mode=check), str(world['top']))
    assert result['failed'] and 'is inconsistent' in result['msg'] and 'not a plain file name' in result['msg']
    assert 'Traceback' not in result['msg']
    assert snapshot(world) == before
    assert [r for r in world['server'].requests if '.pkg.' in r or '..' in r] == []  # no package was asked for
    packages = world['top'] / 'cache' / 'packages'
    assert not packages.exists() or os.listdir(str(packages)) == []
    assert os.listdir(str(world['top'] / 'out')) == []


def test_a_package_with_a_wrong_digest_is_removed_from_the_cache_only(world):
    wrong = '0' * 64
    hostile_database(world['real'], os.path.join(world['served'], 'rftest.db'),
                     lambda name, text: set_field(text, 'SHA256SUM', wrong) if name.startswith('rf-libc') else text)
    os.makedirs(str(world['top'] / 'out'))
    # a file of the same name outside the cache, where a name climbing out would have pointed
    before = snapshot(world)
    result = run_module('srm_build', build_args(world), str(world['top']))
    assert result['failed'] and 'does not match the sha256' in result['msg']
    assert snapshot(world) == before
    assert (world['victim'] / libc_file()).read_text() == 'not a package, do not delete\n'
    assert os.listdir(str(world['top'] / 'cache' / 'packages')) == []  # the bad download went, nothing else
    assert os.listdir(str(world['top'] / 'out')) == []


def test_the_served_repository_itself_still_builds(world):
    """The same fixture with the database as repo-add wrote it: the refusals above are the names, not the setup."""
    os.makedirs(str(world['top'] / 'out'))
    result = run_module('srm_build', build_args(world), str(world['top']))
    assert result['changed'] and not result.get('failed'), result
    assert os.listdir(str(world['top'] / 'cache' / 'packages')) == [libc_file()]
