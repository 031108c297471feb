# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile media and bad inputs (issue 12): every case is refused with a message that says what to do,
before anything is written, without a hang (each module runs in a subprocess with a timeout), and the
medium and everything around it stay byte-identical."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from functional_support import make_fat_image, run_within
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import file_hash, tree_hash

TIMEOUT = 20
OFFSET = 1048576
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK='1')


def run(name, args, tmp_path):
    """The module's JSON result; a hang fails the test instead of blocking it."""
    return run_within(name, args, tmp_path, TIMEOUT)


def squashfs(tmp_path, name='10-tools.srm', size=4096):
    """A file that passes the squashfs magic check (content otherwise irrelevant to srm_deploy)."""
    path = tmp_path / 'src' / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b'hsqs' + os.urandom(size - 4))
    return str(path)


@pytest.fixture
def medium(tmp_path):
    root = tmp_path / 'medium'
    (root / 'sysresccd').mkdir(parents=True)
    (root / 'sysresccd' / 'VERSION').write_text('12.00\n')
    return root


@pytest.fixture
def outside(tmp_path):
    """A directory outside the medium, with a module that an escaping exclusive deploy would delete."""
    out = tmp_path / 'outside'
    out.mkdir()
    (out / '99-victim.srm').write_bytes(b'hsqs victim')
    (out / 'shadow').write_text('root:secret:1:0:99999:7:::\n')
    return out


# -- class 1: symlinks out of a directory medium -------------------------------------------------------

@pytest.mark.parametrize('exclusive', [False, True])
def test_sysresccd_symlink_out_of_the_medium_is_refused(tmp_path, medium, outside, exclusive):
    shutil.rmtree(str(medium / 'sysresccd'))
    os.symlink(str(outside), str(medium / 'sysresccd'))
    before_out, before_medium = tree_hash(str(outside)), tree_hash(str(medium))
    args = {'media': {'path': str(medium)}, 'srms': [{'src': squashfs(tmp_path)}], 'exclusive': exclusive}
    for check in (True, False):
        result = run('srm_deploy', dict(args, _ansible_check_mode=check), tmp_path)
        assert result['failed'] and 'outside the medium' in result['msg'] and str(outside) in result['msg']
    assert tree_hash(str(outside)) == before_out and tree_hash(str(medium)) == before_medium


def test_a_module_symlink_leading_out_is_not_read_or_replaced(tmp_path, medium, outside):
    os.symlink(str(outside / 'shadow'), str(medium / 'sysresccd' / '10-tools.srm'))
    before_out, before_medium = tree_hash(str(outside)), tree_hash(str(medium))
    result = run('srm_deploy', {'media': {'path': str(medium)}, 'srms': [{'src': squashfs(tmp_path)}]}, tmp_path)
    assert result['failed'] and 'outside the medium' in result['msg']
    assert tree_hash(str(outside)) == before_out and tree_hash(str(medium)) == before_medium


def test_a_symlink_inside_the_medium_still_works(tmp_path, medium):
    (medium / 'real').mkdir()
    shutil.rmtree(str(medium / 'sysresccd'))
    os.symlink('real', str(medium / 'sysresccd'))
    result = run('srm_deploy', {'media': {'path': str(medium)}, 'srms': [{'src': squashfs(tmp_path)}]}, tmp_path)
    assert result['changed'] and (medium / 'real' / '10-tools.srm').is_file()


# -- class 4: names the medium cannot hold -------------------------------------------------------------

@pytest.fixture
def stick(tmp_path, fat_tools):
    return make_fat_image(str(tmp_path / 'stick.img'), size='40M')


@pytest.mark.parametrize('name, basedir, message', [
    (u'10-\u00e4rger.srm', 'sysresccd', 'outside ASCII'),
    ('10-tools.srm', u'sysresccd/\u00fcber', 'outside ASCII'),
    ('10-tools.srm', 'd' * 256, 'at most 255'),
    ('10-tools.srm', 'sysresccd/tools.', 'ends in a dot'),
])
def test_names_fat_cannot_hold_are_refused_before_writing(tmp_path, stick, name, basedir, message):
    before = file_hash(stick)
    args = {'media': {'image': stick}, 'srms': [{'src': squashfs(tmp_path), 'name': name}], 'basedir': basedir}
    for check in (True, False):
        result = run('srm_deploy', dict(args, _ansible_check_mode=check), tmp_path)
        assert result['failed'] and message in result['msg'] and 'nothing was changed' in result['msg']
    assert file_hash(stick) == before


def test_a_name_too_long_once_the_temporary_suffix_is_added(tmp_path, medium):
    name = 'x' * 240 + '.srm'  # 244 bytes: a legal name, but ".NAME.rf-tmp-XXXXXXXX" has 261
    before = tree_hash(str(medium))
    result = run('srm_deploy', {'media': {'path': str(medium)}, 'srms': [{'src': squashfs(tmp_path), 'name': name}]},
                 tmp_path)
    assert result['failed'] and 'temporary name' in result['msg'] and 'at most 238 bytes' in result['msg']
    assert tree_hash(str(medium)) == before


def test_utf8_names_are_stored_faithfully_on_a_directory_medium(tmp_path, medium):
    name = u'10-\u00e4rger.srm'
    result = run('srm_deploy', {'media': {'path': str(medium)}, 'srms': [{'src': squashfs(tmp_path), 'name': name}]},
                 tmp_path)
    assert result['changed'] and (medium / 'sysresccd' / name).is_file()


# -- class 5: OS errors become messages, the medium unchanged ------------------------------------------

@pytest.fixture
def tmpfs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip('mounting tmpfs needs root')
    mnt = tmp_path / 'tmpfs'
    mnt.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1M', 'tmpfs', str(mnt)], check=False).returncode:
        pytest.skip('cannot mount tmpfs here')
    (mnt / 'sysresccd').mkdir()
    yield mnt
    subprocess.run(['umount', '-l', str(mnt)], check=False)


def test_a_full_directory_medium_is_refused_before_writing(tmp_path, tmpfs):
    before = tree_hash(str(tmpfs))
    result = run('srm_deploy', {'media': {'path': str(tmpfs)}, 'srms': [{'src': squashfs(tmp_path, size=2 << 20)}]},
                 tmp_path)
    assert result['failed'] and 'do not fit' in result['msg'] and 'nothing was changed' in result['msg']
    assert tree_hash(str(tmpfs)) == before


def test_a_read_only_medium_is_refused(tmp_path, tmpfs):
    (tmpfs / 'sysresccd' / '10-tools.srm').write_bytes(b'hsqs old')
    subprocess.run(['mount', '-o', 'remount,ro', str(tmpfs)], check=True)
    before = tree_hash(str(tmpfs))
    result = run('srm_deploy', {'media': {'path': str(tmpfs)}, 'srms': [{'src': squashfs(tmp_path)}],
                                'exclusive': True}, tmp_path)
    assert result['failed'] and 'mounted read-only' in result['msg']
    assert tree_hash(str(tmpfs)) == before


@pytest.mark.parametrize('layout, message', [
    ('module_is_dir', 'is a directory, so no file can be written there'),
    ('basedir_is_file', 'is a file, not a directory'),
])
def test_eisdir_and_enotdir_on_the_medium(tmp_path, medium, layout, message):
    if layout == 'module_is_dir':
        (medium / 'sysresccd' / '10-tools.srm').mkdir()
    else:
        shutil.rmtree(str(medium / 'sysresccd'))
        (medium / 'sysresccd').write_text('not a directory\n')
    before = tree_hash(str(medium))
    result = run('srm_deploy', {'media': {'path': str(medium)}, 'srms': [{'src': squashfs(tmp_path)}]}, tmp_path)
    assert result['failed'] and message in result['msg']
    assert tree_hash(str(medium)) == before


# -- class 6: FIFOs never block --------------------------------------------------------------------------

def test_a_fifo_as_the_index_is_refused_without_hanging(tmp_path, medium):
    os.mkfifo(str(medium / 'sysresccd' / '.rescuefleet-srm.json'))
    before = tree_hash(str(medium))
    result = run('srm_deploy', {'media': {'path': str(medium)}, 'srms': [{'src': squashfs(tmp_path)}]}, tmp_path)
    assert result['failed'] and 'not a regular file' in result['msg']
    assert tree_hash(str(medium)) == before


def test_a_fifo_as_media_image_is_refused_without_hanging(tmp_path):
    fifo = str(tmp_path / 'stick.img')
    os.mkfifo(fifo)
    result = run('srm_deploy', {'media': {'image': fifo}, 'srms': [{'src': squashfs(tmp_path)}]}, tmp_path)
    assert result['failed'] and 'neither a regular file nor a block device' in result['msg']


def test_a_fifo_as_the_srm_build_manifest_does_not_hang(tmp_path):
    if not shutil.which('mksquashfs'):
        pytest.skip('mksquashfs is needed')
    dest = str(tmp_path / 'x.srm')
    os.mkfifo(dest + '.manifest.json')
    result = run('srm_build', {'dest': dest, 'sources': [{'content': 'x\n', 'dest': '/etc/x'}]}, tmp_path)
    assert result['changed'] and os.path.isfile(dest + '.manifest.json')


def test_fifo_sources_of_srm_build_do_not_hang(tmp_path):
    if not shutil.which('mksquashfs'):
        pytest.skip('mksquashfs is needed')
    fifo = str(tmp_path / 'pipe')
    os.mkfifo(fifo)
    dest = str(tmp_path / 'x.srm')
    skipped = run('srm_build', {'dest': dest, 'sources': [{'path': fifo, 'dest': '/etc/pipe'}]}, tmp_path)
    assert 'not a regular file' in json.dumps(skipped.get('warnings'))  # skipped with a warning naming it
    refused = run('srm_build', {'dest': str(tmp_path / 'y.srm'), 'sources': [{'srm': fifo}]}, tmp_path)
    assert refused['failed'] and not os.path.exists(str(tmp_path / 'y.srm'))


# -- class 5 (srm_build): corrupt manifests and names that are not UTF-8 -------------------------------------

@pytest.mark.parametrize('manifest', [
    {'format': 1, 'output': 'x', 'options': [], 'records': [], 'hash_cache': []},
    {'format': 1, 'fingerprint': 'f', 'output': {}, 'options': {}, 'records': {'/': 3}, 'hash_cache': {}},
    [1, 2, 3],
])
def test_a_manifest_of_the_wrong_shape_means_rebuild(tmp_path, manifest):
    if not shutil.which('mksquashfs'):
        pytest.skip('mksquashfs is needed')
    dest = str(tmp_path / 'x.srm')
    args = {'dest': dest, 'sources': [{'content': 'x\n', 'dest': '/etc/x'}]}
    assert run('srm_build', args, tmp_path)['changed']
    with open(dest + '.manifest.json', 'w') as handle:
        json.dump(manifest, handle)
    assert run('srm_build', args, tmp_path)['changed']  # rebuilt, manifest rewritten
    assert not run('srm_build', args, tmp_path)['changed']


def test_a_non_utf8_source_name_is_refused_before_writing(tmp_path):
    if not shutil.which('mksquashfs'):
        pytest.skip('mksquashfs is needed')
    src = tmp_path / 'tree'
    src.mkdir()
    with open(os.path.join(os.fsencode(str(src)), b'bad\xff'), 'wb') as handle:
        handle.write(b'x')
    dest = str(tmp_path / 'x.srm')
    result = run('srm_build', {'dest': dest, 'sources': [{'src': str(src), 'dest': '/opt/x'}]}, tmp_path)
    assert result['failed'] and 'not valid UTF-8' in result['msg'] and '/opt/x/bad\\xff' in result['msg']
    assert sorted(os.listdir(str(tmp_path))) == ['srm_build-args.json', 'tree']


# -- class 8: a file that is not a squashfs ---------------------------------------------------------------

def test_a_file_that_is_not_a_squashfs_is_refused_unless_asked(tmp_path, medium):
    bogus = tmp_path / '15-broken.srm'
    bogus.write_bytes(b'this is not a squashfs\n')
    before = tree_hash(str(medium))
    args = {'media': {'path': str(medium)}, 'srms': [{'src': str(bogus)}]}
    refused = run('srm_deploy', args, tmp_path)
    assert refused['failed'] and 'not a squashfs image' in refused['msg'] and 'allow_non_squashfs' in refused['msg']
    assert tree_hash(str(medium)) == before
    assert run('srm_deploy', dict(args, allow_non_squashfs=True), tmp_path)['changed']


# -- class 9: leftovers, four ways, on both kinds of medium ----------------------------------------------

@pytest.mark.parametrize('backend', ['directory', 'fat'])
def test_sweeping_leftovers_four_ways(tmp_path, medium, backend, fat_tools):
    src = squashfs(tmp_path)
    if backend == 'fat':
        media = {'image': make_fat_image(str(tmp_path / 'stick.img'), size='40M')}
    else:
        media = {'path': str(medium)}
    args = {'media': media, 'srms': [{'src': src}]}
    assert run('srm_deploy', args, tmp_path)['changed']
    if backend == 'fat':
        leftover = tmp_path / '~rf0abcd.tmp'
        leftover.write_bytes(b'half a module')
        subprocess.run(['mcopy', '-i', '%s@@%d' % (media['image'], OFFSET), str(leftover), '::/sysresccd/'],
                       check=True, env=MTOOLS_ENV)
        expected = ['sysresccd/~rf0abcd.tmp']
    else:
        (medium / 'sysresccd' / '.10-tools.srm.rf-tmp-abcd1234').write_bytes(b'half a module')
        expected = ['sysresccd/.10-tools.srm.rf-tmp-abcd1234']
    check = run('srm_deploy', dict(args, _ansible_check_mode=True), tmp_path)
    assert check['changed'] and check['swept'] == expected and check['actions'] == []
    real = run('srm_deploy', args, tmp_path)
    assert real['changed'] and real['swept'] == expected and real['actions'] == []
    again = run('srm_deploy', args, tmp_path)
    assert not again['changed'] and again['swept'] == []
    check_again = run('srm_deploy', dict(args, _ansible_check_mode=True), tmp_path)
    assert not check_again['changed'] and check_again['swept'] == []
