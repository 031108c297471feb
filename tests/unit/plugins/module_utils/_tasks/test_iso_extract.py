# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""iso_extract with a real ISO made by xorriso: four ways, another ISO, refusals that leave dest alone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils import _hashing as hashing
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.iso_extract import IsoExtract
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash

pytestmark = pytest.mark.skipif(not shutil.which('xorriso'), reason='needs xorriso')

ROOTFS = b'squashfs root' * 100


def make_iso(base, name='src.iso', kernel=b'kernel', rootfs=ROOTFS, sums=None):
    tree = base / ('tree-' + name)
    (tree / 'sysresccd' / 'boot' / 'x86_64').mkdir(parents=True)
    (tree / 'sysresccd' / 'x86_64').mkdir(parents=True)
    (tree / 'sysresccd' / 'boot' / 'x86_64' / 'vmlinuz').write_bytes(kernel)
    (tree / 'sysresccd' / 'x86_64' / 'airootfs.sfs').write_bytes(rootfs)
    digest = sums if sums is not None else hashlib.sha512(rootfs).hexdigest()
    (tree / 'sysresccd' / 'x86_64' / 'airootfs.sha512').write_text('%s  airootfs.sfs\n' % digest)
    (tree / 'EFI').mkdir()
    (tree / 'EFI' / 'other.txt').write_text('not extracted\n')
    iso = base / name
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', str(iso), '-V', 'RESCUE1200', '-r', str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(iso)


def params(tmp_path, src, **extra):
    base = dict(src=src, dest=str(tmp_path / 'http' / 'sysresccd'), path='/sysresccd',
                checksums=['x86_64/airootfs.sha512'], required=['boot/x86_64/vmlinuz'], record=None)
    base.update(extra)
    return base


@pytest.fixture
def http(tmp_path):
    (tmp_path / 'http').mkdir()
    return tmp_path / 'http'


def test_four_ways_and_the_iso_is_not_read_again(tmp_path, http, monkeypatch):
    src = make_iso(tmp_path)
    check = IsoExtract(params(tmp_path, src), check_mode=True, want_diff=True).run()
    assert check['changed'] and os.listdir(str(http)) == []
    assert check['diff']['before'] == '' and check['diff']['after'].startswith('src.iso sha256:')
    real = IsoExtract(params(tmp_path, src)).run()
    assert real['changed'] and real['volume_id'] == 'RESCUE1200' and real['path'] == '/sysresccd'
    assert (http / 'sysresccd' / 'boot' / 'x86_64' / 'vmlinuz').read_bytes() == b'kernel'
    assert not (http / 'sysresccd' / 'EFI').exists() and sorted(os.listdir(str(http))) == [
        'sysresccd', 'sysresccd.rescuefleet-iso.json']
    assert os.stat(str(http / 'sysresccd' / 'x86_64' / 'airootfs.sfs')).st_mode & 0o200  # writable for its owner
    read = []
    original = hashing.sha256_file
    monkeypatch.setattr(hashing, 'sha256_file', lambda path: read.append(path) or original(path))
    assert not IsoExtract(params(tmp_path, src)).run()['changed']
    assert not IsoExtract(params(tmp_path, src), check_mode=True).run()['changed']
    assert read == []


def test_another_iso_replaces_the_tree_as_a_whole(tmp_path, http):
    IsoExtract(params(tmp_path, make_iso(tmp_path))).run()
    (http / 'sysresccd' / 'stray').write_text('left by hand\n')
    result = IsoExtract(params(tmp_path, make_iso(tmp_path, 'new.iso', kernel=b'kernel 2'))).run()
    assert result['changed']
    assert (http / 'sysresccd' / 'boot' / 'x86_64' / 'vmlinuz').read_bytes() == b'kernel 2'
    assert not (http / 'sysresccd' / 'stray').exists()
    assert sorted(os.listdir(str(http))) == ['sysresccd', 'sysresccd.rescuefleet-iso.json']


def test_a_record_of_the_old_role_is_taken_and_refreshed(tmp_path, http):
    """The pxe_server role recorded {iso, sha256}; the module takes that record and adds the stat data."""
    src = make_iso(tmp_path)
    record = tmp_path / 'http' / '.rescuefleet-iso.json'
    IsoExtract(params(tmp_path, src, record=str(record))).run()
    record.write_text(json.dumps({'iso': 'src.iso', 'sha256': hashing.sha256_file(src)}))
    assert not IsoExtract(params(tmp_path, src, record=str(record)), check_mode=True).run()['changed']
    assert 'src' not in json.loads(record.read_text())
    assert not IsoExtract(params(tmp_path, src, record=str(record))).run()['changed']
    assert json.loads(record.read_text())['src']['size'] == os.path.getsize(src)


@pytest.mark.parametrize('iso, extra, match, listed', [
    ({'sums': '0' * 128}, {}, r'airootfs.sfs: its sha512 is [0-9a-f]+, not 0+', False),
    ({}, {'required': ['boot/x86_64/vmlinuz', 'boot/x86_64/initrd']}, 'boot/x86_64/initrd is not in /sysresccd', True),
    ({}, {'checksums': ['x86_64/missing.sha512']}, 'x86_64/missing.sha512 is not in /sysresccd', True),
    ({}, {'path': '/nothing'}, '/nothing is not a directory in the ISO image', True),
    ({}, {'required': ['../etc/passwd']}, r'required: path .* contains ".."', True),
])
def test_refusals_leave_dest_as_it_was(tmp_path, http, iso, extra, match, listed):
    """``listed``: the ISO's listing shows the problem, so check mode refuses as the real run does (issue 27,
    class 10); a wrong digest shows only once the files are read, in a real run."""
    IsoExtract(params(tmp_path, make_iso(tmp_path))).run()
    before = tree_hash(str(http))
    args = params(tmp_path, make_iso(tmp_path, 'bad.iso', kernel=b'other', **iso), **extra)
    if listed:
        with pytest.raises(RescueFleetError, match=match):
            IsoExtract(args, check_mode=True).run()
    else:
        assert IsoExtract(args, check_mode=True).run()['changed']
    with pytest.raises(RescueFleetError, match=match):
        IsoExtract(args).run()
    assert tree_hash(str(http)) == before


def test_bad_places_are_refused(tmp_path, http):
    src = make_iso(tmp_path)
    (http / 'file').write_text('x')
    with pytest.raises(RescueFleetError, match='is not a directory'):
        IsoExtract(params(tmp_path, src, dest=str(http / 'file'))).run()
    (http / 'elsewhere').mkdir()
    (http / 'link').symlink_to(http / 'elsewhere')
    with pytest.raises(RescueFleetError, match='is a symlink'):
        IsoExtract(params(tmp_path, src, dest=str(http / 'link'))).run()
    plain = tmp_path / 'plain.iso'
    plain.write_bytes(b'\0' * 65536)
    with pytest.raises(RescueFleetError, match='not an ISO9660 image'):
        IsoExtract(params(tmp_path, str(plain))).run()


def test_missing_parents_count_as_empty_and_are_made(tmp_path):
    src = make_iso(tmp_path)
    dest = str(tmp_path / 'new' / 'tree' / 'sysresccd')
    assert IsoExtract(params(tmp_path, src, dest=dest), check_mode=True).run()['changed']
    assert not (tmp_path / 'new').exists()
    assert IsoExtract(params(tmp_path, src, dest=dest)).run()['changed'] and os.path.isdir(dest)
    assert not IsoExtract(params(tmp_path, src, dest=dest)).run()['changed']


def test_leftovers_of_an_interrupted_run_are_swept(tmp_path, http):
    src = make_iso(tmp_path)
    IsoExtract(params(tmp_path, src)).run()
    leftover = http / '.sysresccd.rf-tmp-abcdefgh'
    (leftover / 'new').mkdir(parents=True)
    assert not IsoExtract(params(tmp_path, src), check_mode=True).run()['changed'] and leftover.exists()
    assert not IsoExtract(params(tmp_path, src)).run()['changed'] and not leftover.exists()


@pytest.mark.parametrize('target', ['/etc/hostname', '../../../outside/secret', 'boot/../../..'])
def test_a_link_out_of_the_extracted_tree_is_refused(tmp_path, http, target):
    """The links of an ISO are data from outside: one leading out of the tree would make the PXE tree's web
    server serve a file of the host (issue 27, class 1). dest stays as it was, nothing is written."""
    src = make_iso(tmp_path)
    first = IsoExtract(params(tmp_path, src)).run()
    assert first['changed']
    before = tree_hash(str(http))
    tree = tmp_path / 'tree-evil.iso'
    shutil.copytree(str(tmp_path / 'tree-src.iso'), str(tree), symlinks=True)
    os.symlink(target, str(tree / 'sysresccd' / 'x86_64' / 'leak'))
    evil = tmp_path / 'evil.iso'
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', str(evil), '-V', 'RESCUE1200', '-r', str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with pytest.raises(RescueFleetError, match='outside the extracted directory'):
        IsoExtract(params(tmp_path, str(evil))).run()
    assert tree_hash(str(http)) == before  # the old tree, its record, and no leftover beside them


def test_a_link_inside_the_extracted_tree_is_kept(tmp_path, http):
    tree = tmp_path / 'tree-links.iso'
    (tree / 'sysresccd' / 'boot' / 'x86_64').mkdir(parents=True)
    (tree / 'sysresccd' / 'boot' / 'x86_64' / 'vmlinuz').write_bytes(b'kernel')
    os.symlink('x86_64/vmlinuz', str(tree / 'sysresccd' / 'boot' / 'vmlinuz'))
    iso = tmp_path / 'links.iso'
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', str(iso), '-V', 'RESCUE1200', '-r', str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = IsoExtract(params(tmp_path, str(iso), checksums=[])).run()
    assert result['changed'] and os.readlink(str(http / 'sysresccd' / 'boot' / 'vmlinuz')) == 'x86_64/vmlinuz'


@pytest.mark.parametrize('spelling', ['plain', 'double slash', 'link'])
def test_a_src_inside_dest_is_refused_however_it_is_spelt(tmp_path, spelling):
    """dest is replaced as a whole: an ISO inside it would be deleted by the swap (issue 27, class 2)."""
    dest = tmp_path / 'http' / 'sysresccd'
    dest.mkdir(parents=True)
    src = make_iso(dest)
    if spelling == 'double slash':
        src = '/' + src
    elif spelling == 'link':
        os.symlink(str(dest), str(tmp_path / 'elsewhere'))
        src = str(tmp_path / 'elsewhere' / 'src.iso')
    before = tree_hash(str(tmp_path / 'http'))
    with pytest.raises(RescueFleetError, match='lies inside dest'):
        IsoExtract(params(tmp_path, src)).run()
    assert tree_hash(str(tmp_path / 'http')) == before
