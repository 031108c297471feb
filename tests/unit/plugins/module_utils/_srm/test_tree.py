# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._srm.tree import (
    TreeBuilder, TreeError, fill_hashes, hash_cache, image_path, reuse_hashes)


@pytest.fixture
def src(tmp_path):
    root = tmp_path / 'src'
    (root / 'etc' / 'ssh').mkdir(parents=True)
    (root / 'etc' / 'motd').write_text('hello\n')
    (root / 'etc' / 'ssh' / 'sshd_config').write_text('PermitRootLogin yes\n')
    (root / 'cache').mkdir()
    (root / 'cache' / 'junk.pyc').write_text('x')
    os.symlink('/nonexistent/target', str(root / 'etc' / 'dangling'))
    return root


@pytest.mark.parametrize('dest, expected', [
    ('/', '/'), ('', '/'), (None, '/'), ('etc', '/etc'), ('/etc/', '/etc'), ('./a//b/.', '/a/b'),
])
def test_image_path(dest, expected):
    assert image_path(dest) == expected


@pytest.mark.parametrize('dest', ['../etc', '/a/../../b', 'a/..'])
def test_image_path_refuses_dotdot(dest):
    with pytest.raises(TreeError, match=r'"\.\."'):
        image_path(dest)


def test_directory_source_keeps_symlinks_and_excludes(src):
    tree = TreeBuilder()
    tree.add_directory(str(src), '/', None, ['cache'], 'sources[0]')
    paths = sorted(tree.entries)
    assert paths == ['/', '/etc', '/etc/dangling', '/etc/motd', '/etc/ssh', '/etc/ssh/sshd_config']
    link = {'type': 'link', 'target': '/nonexistent/target', 'mode': 0o777, 'uid': 0, 'gid': 0, 'source': None}
    assert tree.entries['/etc/dangling'] == link
    assert tree.entries['/etc/motd']['uid'] == 0


def test_exclude_matches_basename_and_relative_path(src):
    tree = TreeBuilder()
    tree.add_directory(str(src), '/opt', None, ['*.pyc', 'etc/ssh'], 'sources[0]')
    assert '/opt/cache' in tree.entries and '/opt/cache/junk.pyc' not in tree.entries
    assert '/opt/etc/ssh' not in tree.entries and '/opt/etc/motd' in tree.entries


def test_later_sources_override_and_mode_applies(src, tmp_path):
    other = tmp_path / 'motd2'
    other.write_text('second\n')
    tree = TreeBuilder()
    tree.add_directory(str(src), '/', None, [], 'sources[0]')
    tree.add_file(str(other), '/etc/motd', 0o600, 'sources[1]')
    tree.add_content('inline', '/usr/local/bin/tool', 0o755, 'sources[2]')
    assert tree.entries['/etc/motd']['source'] == str(other)
    assert tree.entries['/etc/motd']['mode'] == 0o600
    assert tree.entries['/usr/local/bin']['type'] == 'dir'
    assert tree.entries['/usr/local/bin/tool']['content'] == b'inline'


def test_file_into_directory_keeps_name(src, tmp_path):
    tree = TreeBuilder()
    tree.add_directory(str(src), '/', None, [], 'a')
    tree.add_file(str(src / 'etc' / 'motd'), '/etc/ssh', None, 'b')
    tree.add_file(str(src / 'etc' / 'motd'), '/new/', None, 'c')
    assert '/etc/ssh/motd' in tree.entries and '/new/motd' in tree.entries


def test_type_conflicts_are_explained(src):
    tree = TreeBuilder()
    tree.add_directory(str(src), '/', None, [], 'sources[0]')
    with pytest.raises(TreeError, match='puts a file at /etc where sources\\[0\\] put a dir'):
        tree.add_content('x', '/etc', None, 'sources[1]')
    with pytest.raises(TreeError, match='needs /etc/motd to be a directory'):
        tree.add_content('x', '/etc/motd/inner', None, 'sources[2]')


def test_output_inside_source_is_refused(src):
    tree = TreeBuilder(output=str(src / 'out.srm'))
    with pytest.raises(TreeError, match='lies inside src'):
        tree.add_directory(str(src), '/', None, [], 'sources[0]')


def test_missing_and_wrong_kind_sources(tmp_path, src):
    tree = TreeBuilder()
    with pytest.raises(TreeError, match='cannot be read'):
        tree.add_directory(str(tmp_path / 'nope'), '/', None, [], 's')
    with pytest.raises(TreeError, match='not a directory'):
        tree.add_directory(str(src / 'etc' / 'motd'), '/', None, [], 's')
    with pytest.raises(TreeError, match='is a directory'):
        tree.add_file(str(src), '/', None, 's')
    with pytest.raises(TreeError, match='needs dest to name a file'):
        tree.add_content('x', '/', None, 's')


@pytest.mark.skipif(os.geteuid() == 0, reason='root reads everything')
def test_unreadable_file_is_refused(src):
    os.chmod(str(src / 'etc' / 'motd'), 0)
    tree = TreeBuilder()
    with pytest.raises(TreeError, match='permission denied'):
        tree.add_directory(str(src), '/', None, [], 's')


def test_preserve_ownership_uses_source_ids(src):
    tree = TreeBuilder(preserve_ownership=True)
    tree.add_directory(str(src), '/', None, [], 's')
    st = os.stat(str(src / 'etc' / 'motd'))
    assert (tree.entries['/etc/motd']['uid'], tree.entries['/etc/motd']['gid']) == (st.st_uid, st.st_gid)


@pytest.mark.parametrize('unit, provided, target', [
    ('sshd.service', None, '/usr/lib/systemd/system/sshd.service'),
    ('report.service', '/etc/systemd/system/report.service', '/etc/systemd/system/report.service'),
    ('x.timer', '/usr/lib/systemd/system/x.timer', '/usr/lib/systemd/system/x.timer'),
    ('getty@tty2.service', None, '/usr/lib/systemd/system/getty@.service'),
])
def test_enable_units(unit, provided, target):
    tree = TreeBuilder()
    if provided:
        tree.add_content('[Unit]\n', provided, None, 's')
    tree.enable_units([unit])
    link = tree.entries['/etc/systemd/system/multi-user.target.wants/' + unit]
    assert link['type'] == 'link' and link['target'] == target


@pytest.mark.parametrize('unit', ['sshd', '../x.service', 'a/b.service'])
def test_enable_units_rejects_non_units(unit):
    with pytest.raises(TreeError, match='not a unit name'):
        TreeBuilder().enable_units([unit])


@pytest.mark.parametrize('path', ['/sbin/tool', '/lib/x.so', '/usr/lib/modules/6.1/extra.ko', '/etc/fstab',
                                  '/usr/lib/libc.so.6', '/usr/lib/systemd/systemd', '/bin/sh'])
def test_core_overrides(path):
    tree = TreeBuilder()
    tree.add_content('x', path, None, 's')
    assert tree.core_overrides()


def test_no_core_override_for_usual_paths():
    tree = TreeBuilder()
    for path in ('/usr/bin/tool', '/etc/motd', '/usr/lib/systemd/system/x.service', '/usr/lib/libfoo.so'):
        tree.add_content('x', path, None, 's')
    assert tree.core_overrides() == []


def test_special_bits_are_reported():
    tree = TreeBuilder()
    tree.add_content('x', '/usr/bin/su2', 0o4755, 's')
    tree.add_content('x', '/usr/bin/plain', 0o755, 's')
    assert tree.special_bits() == {'/usr/bin/su2': '4755'}


def test_hash_cache_reuse(src):
    tree = TreeBuilder()
    tree.add_directory(str(src), '/', None, ['cache'], 's')
    pending = reuse_hashes(tree.entries, {})
    assert len(pending) == 2
    fill_hashes(pending)
    cache = hash_cache(tree.entries)
    again = TreeBuilder()
    again.add_directory(str(src), '/', None, ['cache'], 's')
    assert reuse_hashes(again.entries, cache) == []
    os.utime(str(src / 'etc' / 'motd'), (1, 1))
    third = TreeBuilder()
    third.add_directory(str(src), '/', None, ['cache'], 's')
    assert [e['source'] for e in reuse_hashes(third.entries, cache)] == [str(src / 'etc' / 'motd')]


@pytest.mark.parametrize('inner', ['/../../etc/x', '/a/../../b', 'etc/x', '/a//b', '/a/./b'])
def test_records_with_a_path_out_of_the_module_are_refused(inner):
    """Records come from a manifest beside a module (outside data): a path that climbs out is refused
    before anything is staged or extracted."""
    records = {'/': {'type': 'dir', 'mode': 0o755}, inner: {'type': 'file', 'mode': 0o644, 'size': 1, 'sha256': 'a' * 64}}
    with pytest.raises(TreeError, match='not a clean absolute path'):
        TreeBuilder().add_records(records, '/', who='sources[0]', srm='/x/10-a.srm')


def test_an_output_reached_through_a_bind_mount_or_link_inside_src_is_refused(tmp_path):
    """Whether the output lies inside src is decided on the directory itself, not on how its path is spelt."""
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    src = tmp_path / 'src'
    src.mkdir()
    (src / 'f').write_text('x')
    if os.geteuid() != 0:
        pytest.skip('a bind mount needs root')
    (src / 'mnt').mkdir()
    if subprocess.run(['mount', '--bind', str(out_dir), str(src / 'mnt')], check=False).returncode:
        pytest.skip('bind mounts are not possible here')
    try:
        with pytest.raises(TreeError, match='lies inside src'):
            TreeBuilder(output=str(out_dir / '10-a.srm')).add_directory(str(src), '/', who='sources[0]')
    finally:
        subprocess.run(['umount', str(src / 'mnt')], check=False)
