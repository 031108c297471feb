# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile input, second wave (issue 27): the newer modules held to the first wave's standard.

Each case runs the module as Ansible runs it (a subprocess with a timeout, so a hang fails the test), in check
mode and for real, and checks that it is refused with a message that says what to do, that the medium, tree
or output directory is byte-identical afterwards, and that nothing was written outside it (the directory
around it is byte-identical too).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from functional_support import make_fat_image, run_within
from ansible_collections.rescuefleet.media.tests.unit.fat_images import MTOOLS_ENV, PARTITION_OFFSET
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import file_hash, tree_hash

TIMEOUT = 60


def run(name, args, workdir):
    """The module's JSON result; a hang fails the test instead of blocking it."""
    return run_within(name, args, workdir, TIMEOUT)


def refused_both_ways(name, args, workdir, watched, *expected):
    """Check mode and a real run are both refused naming ``expected``; every path of ``watched`` (a
    directory tree or an image file) is byte-identical afterwards. Returns the message."""
    before = [tree_hash(p) if os.path.isdir(p) else file_hash(p) for p in watched]
    message = None
    for check in (True, False):
        result = run(name, dict(args, _ansible_check_mode=check), workdir)
        assert result.get('failed'), (check, result)
        for text in expected:
            assert text in result['msg'], (check, text, result['msg'])
        message = result['msg']
    assert [tree_hash(p) if os.path.isdir(p) else file_hash(p) for p in watched] == before
    return message


@pytest.fixture
def work(tmp_path):
    """``tmp_path/work`` for the modules' argument files, apart from what the tests watch."""
    path = tmp_path / 'work'
    path.mkdir()
    return path


def squashfs(path, content=b'tools\n'):
    tree = str(path) + '.d'
    os.makedirs(tree)
    with open(os.path.join(tree, 'tool'), 'wb') as handle:
        handle.write(content)
    subprocess.run(['mksquashfs', tree, str(path), '-quiet', '-no-progress'], check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(tree)
    return str(path)


def small_tmpfs(tmp_path, size):
    if os.geteuid() != 0:
        pytest.skip('mounting tmpfs needs root')
    mnt = tmp_path / 'small'
    mnt.mkdir()
    if subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=%s' % size, 'tmpfs', str(mnt)], check=False).returncode:
        pytest.skip('cannot mount tmpfs here')
    return mnt


@pytest.fixture
def mounts():
    made = []
    yield made
    for mnt in made:
        subprocess.run(['umount', '-l', str(mnt)], check=False)


# -- class 4: files a module does not own -------------------------------------------------------------------

@pytest.mark.parametrize('rel', ['pxelinux.cfg/default', 'pxelinux.cfg/01-52-54-00-00-00-01', 'boot.ipxe',
                                 'grub/grub.cfg'])
def test_pxe_hosts_never_overwrites_a_hand_written_file(tmp_path, work, rel):
    tree = tmp_path / 'tree'
    hand = tree / 'tftp' / rel
    hand.parent.mkdir(parents=True)
    hand.write_text('# the site menu: other installers\nDEFAULT local\n')
    args = {'http_root': str(tree / 'http'), 'tftp_root': str(tree / 'tftp'), 'url': 'http://pxe.example.com/',
            'clients': [{'name': 'ws01', 'mac': '52:54:00:00:00:01'}]}
    refused_both_ways('pxe_hosts', args, work, [str(tmp_path / 'tree')], str(hand), 'adopt_unmarked: true',
                      'nothing was changed')
    assert not (tree / 'http').exists()
    adopted = run('pxe_hosts', dict(args, adopt_unmarked=True), work)
    assert adopted['changed'] and 'Managed by rescuefleet.media.pxe_hosts' in hand.read_text()


# -- class 8: special files where a file was expected -------------------------------------------------------

@pytest.mark.skipif(not shutil.which('mcopy'), reason='mtools are needed')
def test_sysrescue_config_with_a_fifo_as_sysrescuecfg_src_does_not_hang(tmp_path, work):
    image = make_fat_image(str(tmp_path / 'stick.img'), size='40M')
    fifo = str(tmp_path / 'pipe.yaml')
    os.mkfifo(fifo)
    args = {'media': {'image': image}, 'name': '500-fleet.yaml', 'config': {'global': {'loadsrm': True}},
            'sysrescuecfg': [{'src': fifo}]}
    refused_both_ways('sysrescue_config', args, work, [image], 'sysrescuecfg[0].src %s is a FIFO' % fifo,
                      'give the path of a regular file')


@pytest.mark.skipif(not (shutil.which('mcopy') and shutil.which('mksquashfs')), reason='mtools and mksquashfs')
def test_srm_deploy_refuses_a_directory_named_like_the_module_on_fat(tmp_path, work):
    image = make_fat_image(str(tmp_path / 'stick.img'), size='40M')
    drive = '%s@@%d' % (image, PARTITION_OFFSET)
    for path in ('::/sysresccd', '::/sysresccd/10-TOOLS.SRM'):  # FAT folds case: the same name as 10-tools.srm
        subprocess.run(['mmd', '-i', drive, path], check=True, env=MTOOLS_ENV)
    (tmp_path / 'keep').write_text('inside the directory\n')
    subprocess.run(['mcopy', '-i', drive, str(tmp_path / 'keep'), '::/sysresccd/10-TOOLS.SRM/keep'], check=True,
                   env=MTOOLS_ENV)
    args = {'media': {'image': image}, 'srms': [{'src': squashfs(tmp_path / '10-tools.srm')}], 'exclusive': True}
    refused_both_ways('srm_deploy', args, work, [image], 'is a directory, so no file can be written there',
                      'remove or rename it')


def test_srm_deploy_refuses_a_fifo_named_like_the_module_in_a_tree(tmp_path, work):
    if not shutil.which('mksquashfs'):
        pytest.skip('mksquashfs is needed')
    medium = tmp_path / 'medium'
    (medium / 'sysresccd').mkdir(parents=True)
    os.mkfifo(str(medium / 'sysresccd' / '10-tools.srm'))
    args = {'media': {'path': str(medium)}, 'srms': [{'src': squashfs(tmp_path / '10-tools.srm')}]}
    refused_both_ways('srm_deploy', args, work, [str(medium)], 'is a special file (FIFO, socket or device)')


@pytest.mark.skipif(not shutil.which('xorriso'), reason='xorriso is needed')
def test_iso_extract_and_sysrescue_iso_refuse_a_fifo_as_their_record(tmp_path, work):
    tree = tmp_path / 'iso-tree'
    (tree / 'sysresccd' / 'boot' / 'x86_64').mkdir(parents=True)
    (tree / 'sysresccd' / 'boot' / 'x86_64' / 'vmlinuz').write_text('kernel\n')
    iso = str(tmp_path / 'src.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', 'RESCUE1200', '-r', str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = tmp_path / 'out'
    out.mkdir()
    os.mkfifo(str(out / 'sysresccd.rescuefleet-iso.json'))
    refused_both_ways('iso_extract', {'src': iso, 'path': '/sysresccd', 'dest': str(out / 'sysresccd')}, work,
                      [str(out)], 'the record', 'is a FIFO')
    os.mkfifo(str(out / 'fleet.iso.rescuefleet.json'))
    refused_both_ways('sysrescue_iso', {'src': iso, 'dest': str(out / 'fleet.iso'), 'loadsrm': 'warn'}, work,
                      [str(out)], 'the record', 'is a FIFO')


# -- class 10: check mode that promises what the run cannot do ---------------------------------------------

@pytest.mark.skipif(not (shutil.which('xorriso') and shutil.which('mksquashfs')), reason='xorriso and mksquashfs')
def test_sysrescue_iso_check_mode_refuses_what_does_not_fit(tmp_path, work, mounts):
    tree = tmp_path / 'iso-tree'
    (tree / 'sysresccd').mkdir(parents=True)
    (tree / 'sysresccd' / 'big').write_bytes(os.urandom(3 << 20))
    iso = str(tmp_path / 'src.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', 'RESCUE1200', '-r', '-J', str(tree)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    small = small_tmpfs(tmp_path, '2M')
    mounts.append(small)
    args = {'src': iso, 'dest': str(small / 'fleet.iso'), 'srms': [{'src': squashfs(tmp_path / '10-tools.srm')}],
            'loadsrm': 'warn'}
    refused_both_ways('sysrescue_iso', args, work, [str(small)], 'not enough space for the new ISO', 'MiB free')


@pytest.mark.skipif(not shutil.which('xorriso'), reason='xorriso is needed')
def test_iso_extract_check_mode_refuses_what_does_not_fit(tmp_path, work, mounts):
    tree = tmp_path / 'iso-tree'
    (tree / 'sysresccd' / 'boot' / 'x86_64').mkdir(parents=True)
    (tree / 'sysresccd' / 'boot' / 'x86_64' / 'vmlinuz').write_bytes(os.urandom(3 << 20))
    iso = str(tmp_path / 'src.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', 'RESCUE1200', '-r', str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    small = small_tmpfs(tmp_path, '2M')
    mounts.append(small)
    refused_both_ways('iso_extract', {'src': iso, 'path': '/sysresccd', 'dest': str(small / 'sysresccd')}, work,
                      [str(small)], 'not enough space', 'nothing was changed')


@pytest.mark.parametrize('module', ['srm_build', 'pxe_hosts'])
def test_check_mode_refuses_a_read_only_place_as_the_run_does(tmp_path, work, mounts, module):
    if module == 'srm_build' and not shutil.which('mksquashfs'):
        pytest.skip('mksquashfs is needed')
    place = small_tmpfs(tmp_path, '4M')
    mounts.append(place)
    subprocess.run(['mount', '-o', 'remount,ro', str(place)], check=True)
    if module == 'srm_build':
        args = {'dest': str(place / '10-tools.srm'), 'sources': [{'content': 'x\n', 'dest': '/etc/x'}]}
        expected = 'a read-only filesystem'
    else:
        args = {'http_root': str(place / 'http'), 'url': 'http://pxe.example.com/',
                'clients': [{'name': 'ws01', 'mac': '52:54:00:00:00:01'}]}
        expected = 'cannot be created'
    refused_both_ways(module, args, work, [str(place)], expected)


@pytest.mark.skipif(not (shutil.which('mksquashfs') and shutil.which('xorriso')), reason='mksquashfs and xorriso')
def test_a_fifo_as_dest_is_refused_not_replaced(tmp_path, work):
    out = tmp_path / 'out'
    out.mkdir()
    os.mkfifo(str(out / '10-tools.srm'))
    refused_both_ways('srm_build', {'dest': str(out / '10-tools.srm'), 'sources': [{'content': 'x\n', 'dest': '/etc/x'}]},
                      work, [str(out)], 'is a FIFO (named pipe), not a module file')
    tree = tmp_path / 'iso-tree'
    (tree / 'sysresccd').mkdir(parents=True)
    iso = str(tmp_path / 'src.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', 'RESCUE1200', '-r', str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.mkfifo(str(out / 'fleet.iso'))
    refused_both_ways('sysrescue_iso', {'src': iso, 'dest': str(out / 'fleet.iso'), 'loadsrm': 'warn'}, work,
                      [str(out)], 'is a FIFO (named pipe), not an ISO file')


# -- srm_load: a FIFO as its record (class 8), advice it can follow (class 7), a read-only source (class 9) ---

def _late_root(tmp_path):
    root = tmp_path / 'root'
    (root / 'etc').mkdir(parents=True)
    (root / 'etc' / 'motd').write_text('rescue\n')
    return root


@pytest.mark.skipif(not shutil.which('mksquashfs'), reason='mksquashfs is needed')
def test_srm_load_with_a_fifo_as_its_record_does_not_hang(tmp_path, work):
    root = _late_root(tmp_path)
    (root / 'run' / 'rescuefleet').mkdir(parents=True)
    os.mkfifo(str(root / 'run' / 'rescuefleet' / 'srm_load.json'))
    args = {'root': str(root), 'srms': [{'src': squashfs(tmp_path / '10-tools.srm')}], 'remote_src': True}
    refused_both_ways('srm_load', args, work, [str(root)], 'the record', 'is a FIFO', 'remove it, then run again')


def test_srm_load_gives_advice_it_can_follow_for_a_file_that_is_no_module(tmp_path, work):
    root = _late_root(tmp_path)
    text = tmp_path / '10-tools.srm'
    text.write_text('not a squashfs\n')
    message = refused_both_ways('srm_load', {'root': str(root), 'srms': [{'src': str(text)}], 'remote_src': True}, work,
                                [str(root)], 'is not a squashfs image', 'a late-loaded module must be one',
                                'rescuefleet.media.srm_build')
    assert 'allow_non_squashfs' not in message and 'at boot' not in message  # no option srm_load lacks, no boot


@pytest.mark.skipif(not shutil.which('mksquashfs') or not shutil.which('rsync'), reason='mksquashfs and rsync')
def test_srm_load_loads_from_a_read_only_mount_with_remote_src(tmp_path, work, mounts):
    """The boot medium is mounted read-only on a live system: nothing may be created beside the module there."""
    source = small_tmpfs(tmp_path, '8M')
    mounts.append(source)
    module = squashfs(source / '10-tools.srm', b'from the read-only medium\n')
    subprocess.run(['mount', '-o', 'remount,ro', str(source)], check=True)
    before = tree_hash(str(source))
    root = _late_root(tmp_path)
    args = {'root': str(root), 'srms': [{'src': module}], 'remote_src': True}
    for method in ('auto', 'unsquashfs'):
        check = run('srm_load', dict(args, method=method, _ansible_check_mode=True), work)
        assert not check.get('failed') and check['changed'], check
    loaded = run('srm_load', args, work)
    assert not loaded.get('failed') and loaded['changed'], loaded
    assert (root / 'tool').read_bytes() == b'from the read-only medium\n'
    again = run('srm_load', dict(args, method='unsquashfs'), work)
    assert not again.get('failed') and not again['changed'], again
    assert tree_hash(str(source)) == before
