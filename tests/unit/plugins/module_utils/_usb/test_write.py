# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writing a SystemRescue-shaped ISO onto disk images with the real tools; device checks on a fake sysfs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import types

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.usb_write_iso import UsbWriter
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import IsoError, read_volume
from ansible_collections.rescuefleet.media.plugins.module_utils._usb import device, layout, sizes, write
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.errors import WriterError

TOOLS = ('xorriso', 'sfdisk', 'mkfs.vfat', 'mcopy', 'mtype', 'syslinux', 'blkid')
HAVE_TOOLS = all(shutil.which(t) for t in TOOLS) and any(os.path.isfile(p) for p in write.MBR_CANDIDATES)
needs_tools = pytest.mark.skipif(not HAVE_TOOLS, reason='needs %s and syslinux mbr.bin' % ', '.join(TOOLS))
MB = 1024 * 1024


def make_iso(tmp_path, volid='RESCUE1200', marker='one', name='sr.iso'):
    tree = tmp_path / ('tree-' + marker)
    (tree / 'sysresccd' / 'boot' / 'syslinux').mkdir(parents=True)
    (tree / 'sysresccd' / 'boot' / 'syslinux' / 'syslinux.cfg').write_text('DEFAULT loadconfig\n')
    (tree / 'sysresccd' / 'VERSION').write_text('12.00\n')
    (tree / 'sysresccd' / 'x86_64').mkdir()
    (tree / 'sysresccd' / 'x86_64' / 'airootfs.sfs').write_bytes(marker.encode() * 1000)
    (tree / 'sysrescue.d').mkdir()
    (tree / 'sysrescue.d' / '100-defaults.yaml').write_text('---\nglobal: {loadsrm: false}\n')
    iso = str(tmp_path / name)
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', volid, '-r', '-J', str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return iso


def params(device, iso, **extra):
    base = {'device': device, 'iso': iso, 'iso_sha256': None, 'image_size': None, 'min_free': '1M',
            'allow_fixed': False, 'force': False, 'mbr': None, 'workdir': None}
    base.update(extra)
    return base


def mtype(image, path):
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    return subprocess.run(['mtype', '-i', '%s@@%d' % (image, layout.PARTITION_OFFSET), '::/' + path], env=env,
                          stdout=subprocess.PIPE, check=True).stdout


@pytest.mark.parametrize('text, size', [('256M', 256 * MB), ('1G', 1024 * MB), ('4096', 4096), ('2 GiB', 2048 * MB),
                                        (512, 512)])
def test_parse_size(text, size):
    assert sizes.parse_size(text) == size


def test_parse_size_refuses_nonsense():
    with pytest.raises(WriterError, match='is not a size'):
        sizes.parse_size('big')


@pytest.mark.parametrize('volid, ok', [('RESCUE1200', True), ('RESCUE_1301', True), ('A' * 12, False),
                                       ('rescue1200', False), ('', False)])
def test_label_rules(volid, ok):
    if ok:
        assert write.check_label(volid) == volid
    else:
        with pytest.raises(WriterError):
            write.check_label(volid)


@needs_tools
def test_volume_id_and_not_an_iso(tmp_path):
    assert read_volume(make_iso(tmp_path, volid='RESCUE1301'))['volume_id'] == 'RESCUE1301'
    plain = tmp_path / 'plain.bin'
    plain.write_bytes(b'\0' * 40000)
    with pytest.raises(IsoError, match='not an ISO9660 image'):
        read_volume(str(plain))


# -- block device checks on a fake sysfs -----------------------------------------------------------------

def fake_sysfs(root, name='sdx', removable='1', ro='0', parts=('sdx1',), holders=()):
    base = root / 'class' / 'block' / name
    base.mkdir(parents=True)
    (base / 'dev').write_text('8:16\n')
    (base / 'removable').write_text(removable + '\n')
    (base / 'ro').write_text(ro + '\n')
    (base / 'size').write_text('%d\n' % (2048 * 1024))
    (base / 'holders').mkdir()
    for index, part in enumerate(parts, 1):
        (base / part).mkdir()
        (base / part / 'dev').write_text('8:%d\n' % (16 + index))
        (base / part / 'partition').write_text('%d\n' % index)
        (base / part / 'holders').mkdir()
    for holder in holders:
        (base / parts[0] / 'holders' / holder).mkdir()
    return str(root)


def fake_stat(mapping):
    def stat_func(path):
        if path not in mapping:
            raise FileNotFoundError(path)
        return types.SimpleNamespace(st_mode=0o60660, st_rdev=os.makedev(*mapping[path]))
    return stat_func


def test_a_clean_removable_stick_passes(tmp_path):
    sysfs = fake_sysfs(tmp_path)
    assert device.block_device_problems('/dev/sdx', sysfs=sysfs, mounts_text='/dev/sda1 / ext4 rw 0 0\n',
                                        swaps_text='Filename Type\n', stat_func=fake_stat({'/dev/sda1': (8, 1)})) == []


def test_mounted_partition_readonly_fixed_and_held_are_named(tmp_path):
    sysfs = fake_sysfs(tmp_path, removable='0', ro='1', holders=('dm-0',))
    problems = device.block_device_problems(
        '/dev/sdx', sysfs=sysfs, mounts_text='/dev/sdx1 /media/usb\\040stick vfat rw 0 0\n',
        swaps_text='Filename Type Size Used Priority\n/dev/sdx1 partition 1 0 -2\n',
        stat_func=fake_stat({'/dev/sdx1': (8, 17)}))
    text = ' | '.join(problems)
    assert 'read-only' in text
    assert 'not a removable device' in text and 'allow_fixed' in text
    assert '/dev/sdx1 is mounted on /media/usb stick' in text
    assert 'swap' in text
    assert 'held by dm-0' in text
    allowed = device.block_device_problems('/dev/sdx', sysfs=sysfs, mounts_text='', swaps_text='', allow_fixed=True,
                                           stat_func=fake_stat({}))
    assert not [p for p in allowed if 'removable' in p]


def test_a_partition_is_refused(tmp_path):
    sysfs = fake_sysfs(tmp_path)
    # /sys/class/block/sdx1 is a link to the partition's directory inside its disk's
    os.symlink(os.path.join(sysfs, 'class', 'block', 'sdx', 'sdx1'), os.path.join(sysfs, 'class', 'block', 'sdx1'))
    problems = device.block_device_problems('/dev/sdx1', sysfs=sysfs, mounts_text='', swaps_text='')
    assert problems and 'is a partition' in problems[0] and '/dev/sdx' in problems[0]


# -- writing images --------------------------------------------------------------------------------------

@needs_tools
def test_write_skip_and_rewrite(tmp_path):
    iso = make_iso(tmp_path)
    image = str(tmp_path / 'stick.img')
    check = UsbWriter(params(image, iso, image_size='80M'), check_mode=True).run()
    assert check['changed'] and not check['written'] and not os.path.exists(image)
    first = UsbWriter(params(image, iso, image_size='80M')).run()
    assert first['changed'] and first['written'] and first['volume_id'] == 'RESCUE1200'
    assert os.path.getsize(image) == 80 * MB
    table = json.loads(subprocess.run(['sfdisk', '-J', image], stdout=subprocess.PIPE, check=True).stdout)
    part = table['partitiontable']['partitions'][0]
    assert table['partitiontable']['label'] == 'dos' and part['start'] == 2048 and part['type'] == 'c'
    assert part.get('bootable')
    probe = subprocess.run(['blkid', '-p', '-o', 'export', '-O', str(layout.PARTITION_OFFSET), image],
                           stdout=subprocess.PIPE, check=True).stdout.decode()
    assert 'TYPE=vfat' in probe and 'LABEL=RESCUE1200' in probe and 'VERSION=FAT32' in probe
    assert mtype(image, 'sysresccd/VERSION') == b'12.00\n'
    assert mtype(image, 'sysresccd/x86_64/airootfs.sfs') == b'one' * 1000
    assert mtype(image, 'sysresccd/boot/syslinux/ldlinux.sys')  # syslinux installed where the menus are
    _path, code = write.find_mbr()
    with open(image, 'rb') as handle:
        assert handle.read(layout.MBR_CODE_SIZE) == code[:layout.MBR_CODE_SIZE]
    marker = json.loads(mtype(image, layout.MARKER))
    assert marker['iso_sha256'] == first['iso_sha256'] and marker['volume_id'] == 'RESCUE1200'

    before = open(image, 'rb').read()
    second = UsbWriter(params(image, iso, image_size='80M')).run()
    assert not second['changed'] and 'already on the medium' in second['reason']
    assert open(image, 'rb').read() == before
    assert not UsbWriter(params(image, iso), check_mode=True).run()['changed']

    other = make_iso(tmp_path, volid='RESCUE1301', marker='two', name='other.iso')
    third = UsbWriter(params(image, other)).run()
    assert third['changed'] and 'another ISO' in third['reason']
    assert mtype(image, 'sysresccd/x86_64/airootfs.sfs') == b'two' * 1000
    assert 'LABEL=RESCUE1301' in subprocess.run(
        ['blkid', '-p', '-o', 'export', '-O', str(layout.PARTITION_OFFSET), image], stdout=subprocess.PIPE,
        check=True).stdout.decode()
    forced = UsbWriter(params(image, other, force=True)).run()
    assert forced['changed'] and forced['reason'] == 'force is set'


@needs_tools
def test_a_stick_written_with_dd_is_rewritten(tmp_path):
    iso = make_iso(tmp_path)
    image = str(tmp_path / 'dd.img')
    with open(image, 'wb') as handle:
        handle.truncate(80 * MB)
    with open(iso, 'rb') as src, open(image, 'r+b') as dst:
        dst.write(src.read())
    result = UsbWriter(params(image, iso)).run()
    assert result['changed'] and 'ISO9660' in result['reason']
    with open(image, 'rb') as handle:
        handle.seek(16 * 2048 + 1)
        assert handle.read(5) != b'CD001'  # the old ISO9660 descriptors are gone
    assert not UsbWriter(params(image, iso)).run()['changed']


@needs_tools
def test_too_small_missing_and_bad_inputs_write_nothing(tmp_path):
    iso = make_iso(tmp_path)
    small = str(tmp_path / 'small.img')
    with open(small, 'wb') as handle:
        handle.truncate(66 * MB)
    with pytest.raises(WriterError, match='too small'):
        UsbWriter(params(small, iso, min_free='64M')).run()
    assert open(small, 'rb').read(1 * MB) == b'\0' * MB
    with pytest.raises(WriterError, match='does not exist'):
        UsbWriter(params(str(tmp_path / 'missing.img'), iso)).run()
    with pytest.raises(WriterError, match='less than image_size'):
        UsbWriter(params(small, iso, image_size='1G')).run()
    with pytest.raises(IsoError, match='not an ISO9660 image'):
        UsbWriter(params(small, small)).run()
    not_sysrescue = str(tmp_path / 'plain.iso')
    (tmp_path / 'plain').mkdir()
    (tmp_path / 'plain' / 'README').write_text('hello\n')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', not_sysrescue, '-V', 'PLAIN', str(tmp_path / 'plain')],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with pytest.raises(WriterError, match='is it a SystemRescue ISO'):
        UsbWriter(params(small, not_sysrescue, min_free='1M')).run()


@needs_tools
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('losetup'), reason='needs root and losetup')
def test_an_image_attached_to_a_loop_device_is_refused(tmp_path):
    iso = make_iso(tmp_path)
    image = str(tmp_path / 'loop.img')
    with open(image, 'wb') as handle:
        handle.truncate(80 * MB)
    proc = subprocess.run(['losetup', '-f', '--show', image], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    if proc.returncode != 0:
        pytest.skip('cannot attach a loop device here: %s' % proc.stderr.decode().strip())
    loop = proc.stdout.decode().strip()
    try:
        with pytest.raises(WriterError, match='attached to %s' % loop):
            UsbWriter(params(image, iso)).run()
    finally:
        subprocess.run(['losetup', '-d', loop], check=False)


def test_parse_mounts_unescapes_every_octal_escape_the_kernel_writes():
    # /proc/self/mounts escapes space, tab, newline and backslash; a mount point holding any of
    # them must compare equal to the real path, or a mounted stick would pass the safety check.
    text = ('/dev/sdb1 /media/USB\\040STICK vfat rw 0 0\n'
            '/dev/sdc1 /mnt/a\\011b\\012c\\134d vfat rw 0 0\n'
            '/dev/sdd1 /mnt/plain ext4 rw 0 0\n')
    assert device.parse_mounts(text) == [('/dev/sdb1', '/media/USB STICK'),
                                         ('/dev/sdc1', '/mnt/a\tb\nc\\d'),
                                         ('/dev/sdd1', '/mnt/plain')]
