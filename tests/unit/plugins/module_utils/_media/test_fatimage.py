# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._atomic import FAT_TEMP_NAME
from ansible_collections.rescuefleet.media.tests.unit.fat_images import fsck_partition
from ansible_collections.rescuefleet.media.plugins.module_utils._media import partitions
from ansible_collections.rescuefleet.media.plugins.module_utils._media.fatimage import (
    parse_boot_sector, parse_free, parse_mdir, read_boot_sector, temp_name)
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import MediumError
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium

# mdir ends entry lines with a space; kept explicit here
MDIR = '\n'.join([
    ' Volume in drive : is RESCUE1200',
    ' Volume Serial Number is B289-413A',
    'Directory for ::/sysresccd',
    '',
    '.            <DIR>     2026-11-22   8:43 ',
    '..           <DIR>     2026-11-22   8:43 ',
    'X        SRM         3 2026-11-22   8:43 ',
    'stdin    srm  209715200 2026-11-22   8:43 ',
    '10-FLE~1 SRM         3 2026-11-22   8:43  10-Fleet Tools.srm',
    'sub          <DIR>     2026-11-22   8:43 ',
    '        5 files         209 715 209 bytes',
    '                         66 947 072 bytes free',
    '',
])


def test_parse_mdir():
    assert parse_mdir(MDIR) == [
        {'name': '10-Fleet Tools.srm', 'type': 'file', 'size': 3},
        {'name': 'X.SRM', 'type': 'file', 'size': 3},
        {'name': 'stdin.srm', 'type': 'file', 'size': 209715200},
        {'name': 'sub', 'type': 'dir', 'size': 0},
    ]


def test_parse_free():
    assert parse_free(MDIR) == 66947072


@pytest.mark.parametrize('fat', ['16', '32'])
def test_the_boot_sector_says_what_minfo_and_blkid_say(tmp_path, fat):
    """Geometry as minfo prints it, the serial as blkid gives it as UUID: read from the boot sector, no process."""
    from ansible_collections.rescuefleet.media.tests.unit.fat_images import make_fat_image
    image = make_fat_image(str(tmp_path / 'stick.img'), size='80M', fat=fat)
    info = parse_boot_sector(read_boot_sector(image, 1048576))
    minfo = subprocess.run(['minfo', '-i', image + '@@1048576'], stdout=subprocess.PIPE, check=True,
                           env=dict(os.environ, MTOOLS_SKIP_CHECK='1')).stdout.decode()
    sector = int(re.search(r'sector size: (\d+) bytes', minfo).group(1))
    per_cluster = int(re.search(r'cluster size: (\d+) sectors', minfo).group(1))
    total = int((re.search(r'big size: (\d+) sectors', minfo) or re.search(r'small size: (\d+) sectors', minfo)).group(1))
    assert info['sector_size'] == sector and info['cluster_size'] == sector * per_cluster
    assert info['size'] == sector * total
    assert info['serial'] == partitions.probe(image, 1048576)['uuid']
    assert parse_boot_sector(b'\0' * 512) is None and parse_boot_sector(b'short') is None


def test_a_filesystem_located_just_before_is_not_probed_again(image, monkeypatch):
    """srm_deploy's real run gets the planning run's medium facts: while the same filesystem (its serial) is at
    that offset, the partition table is not read again; a filesystem made anew there is probed afresh."""
    facts = open_medium({'image': image}).describe()
    probes = []
    original = partitions.read_table
    monkeypatch.setattr(partitions, 'read_table', lambda *args: probes.append(args) or original(*args))
    medium = open_medium({'image': image}, located=facts)
    assert probes == [] and medium.describe() == facts
    subprocess.run(['mkfs.vfat', '-F', '32', '-n', 'RESCUE1200', '--offset', '2048', image], check=True,
                   stdout=subprocess.DEVNULL)  # a new filesystem: a new serial
    medium = open_medium({'image': image}, located=facts)
    assert len(probes) == 1 and medium.describe()['uuid'] != facts['uuid']
    assert open_medium({'image': image}, located={'offset': 'x'}).describe()['uuid'] == medium.describe()['uuid']


@pytest.mark.parametrize('final, pattern', [
    ('10-tools.srm', r'^~rf[0-9a-f]{5}\.tmp$'),
    ('UP.SRM', r'^~RF[0-9A-F]{5}\.TMP$'),
    ('lower.SRM', r'^~rf[0-9a-f]{5}\.TMP$'),
    ('10.srm', r'^~rf[0-9a-f]{5}\.tmp$'),
    ('Mixed Long Name.srm', r'^~rf[0-9a-f]{5}\.tmp$'),
])
def test_temp_name_follows_case_and_never_ends_in_srm(final, pattern):
    import re
    name = temp_name(final, random.Random(1))
    assert re.match(pattern, name) and FAT_TEMP_NAME.match(name) and not name.endswith('.srm')


@pytest.fixture
def image(fat_image):
    return fat_image()


@pytest.mark.parametrize('name', ['10-tools.srm', 'UP.SRM', 'Mixed.srm', '20-a much longer name.srm', 'x.srm'])
def test_names_keep_their_exact_case(image, name):
    medium = open_medium({'image': image})
    medium.write_bytes('sysresccd/' + name, b'first')
    medium.write_bytes('sysresccd/' + name, b'second')
    assert [e['name'] for e in medium.list_dir('sysresccd')] == [name]
    assert medium.read_bytes('sysresccd/' + name) == b'second'
    listing = subprocess.run(['mdir', '-b', '-i', image + '@@1048576', '::/sysresccd'], stdout=subprocess.PIPE,
                             env=dict(os.environ, MTOOLS_SKIP_CHECK='1'), check=True).stdout.decode()
    assert listing.split() == ['::/sysresccd/' + name] or listing.strip() == '::/sysresccd/' + name


def test_fat_medium_round_trip(image, tmp_path):
    medium = open_medium({'image': image})
    facts = medium.describe()
    assert facts['label'] == 'RESCUE1200' and facts['partition'] == 1 and facts['free'] > 60 * 1024 * 1024
    big = tmp_path / 'big.bin'
    big.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    medium.put_file('sysresccd/10-big.srm', str(big))
    assert medium.sha256('sysresccd/10-big.srm') == hashlib.sha256(big.read_bytes()).hexdigest()
    medium.write_bytes('sysrescue.d/500-fleet.yaml', b'---\nglobal: {}\n')
    assert medium.exists('sysrescue.d/500-fleet.yaml') and medium.read_bytes('nope/none') is None
    medium.remove('sysresccd/10-big.srm')
    assert medium.list_dir('sysresccd') == []
    assert fsck_partition(image)[0] == 0


def test_sweep_removes_only_temporaries(image):
    medium = open_medium({'image': image})
    medium.write_bytes('sysresccd/keep.srm', b'k')
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    for stray in ('~rf1a2b3.tmp', '~RFABCDE.TMP'):
        subprocess.run(['mcopy', '-i', image + '@@1048576', '-', '::/sysresccd/' + stray], input=b'half', env=env,
                       check=True)
    medium = open_medium({'image': image})  # listings are cached per object: look at the medium anew
    assert sorted(medium.sweep('sysresccd')) == ['sysresccd/~RFABCDE.TMP', 'sysresccd/~rf1a2b3.tmp']
    assert [e['name'] for e in medium.list_dir('sysresccd')] == ['keep.srm']


def test_read_only_image_is_refused(image):
    os.chmod(image, 0o444)
    with pytest.raises(MediumError, match='read-only .*chmod u\\+w'):
        open_medium({'image': image})
    assert open_medium({'image': image}, writable=False).describe()['read_only']


def test_missing_image(tmp_path):
    with pytest.raises(MediumError, match='does not exist'):
        open_medium({'image': str(tmp_path / 'none.img')})
