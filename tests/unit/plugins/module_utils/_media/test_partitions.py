# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import is_iso9660
from ansible_collections.rescuefleet.media.tests.unit.fat_images import make_fat_image

from ansible_collections.rescuefleet.media.plugins.module_utils._media.partitions import (
    PartitionError, locate, parse_blkid_export, parse_sfdisk_json)

SFDISK_DOS = '''{"partitiontable": {"label": "dos", "id": "0x1", "device": "x.img", "unit": "sectors",
 "sectorsize": 512, "partitions": [
  {"node": "x.img1", "start": 2048, "size": 100000, "type": "c", "bootable": true},
  {"node": "x.img2", "start": 102048, "size": 2000, "type": "83"}]}}'''
SFDISK_GPT = '''{"partitiontable": {"label": "gpt", "sectorsize": 4096, "partitions": [
  {"node": "/dev/sdb1", "start": 256, "size": 1000, "type": "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "name": "R"}]}}'''

TOOLS = all(shutil.which(t) for t in ('sfdisk', 'mkfs.vfat', 'blkid'))


def test_parse_sfdisk_dos():
    table, parts = parse_sfdisk_json(SFDISK_DOS)
    assert table == 'dos'
    assert parts[0] == {'number': 1, 'start': 1048576, 'size': 51200000, 'type': 'c', 'name': None, 'bootable': True}
    assert parts[1]['number'] == 2 and not parts[1]['bootable']


def test_parse_sfdisk_gpt_uses_sector_size():
    table, parts = parse_sfdisk_json(SFDISK_GPT)
    assert table == 'gpt' and parts[0]['start'] == 256 * 4096 and parts[0]['name'] == 'R'


def test_parse_blkid_export():
    assert parse_blkid_export('TYPE=vfat\nLABEL=RESCUE1200\nnoise\n') == {'TYPE': 'vfat', 'LABEL': 'RESCUE1200'}


def _image(tmp_path, table, name='disk.img', **options):
    return make_fat_image(str(tmp_path / name), table=table, **options)


@pytest.mark.skipif(not TOOLS, reason='sfdisk, mkfs.vfat and blkid are needed')
class TestLocate:

    def test_mbr_single_fat(self, tmp_path):
        found = locate(_image(tmp_path, 'label: dos\nstart=2048, type=c, bootable\n'))
        assert (found['number'], found['offset'], found['label'], found['table']) == (1, 1048576, 'RESCUE1200', 'dos')

    def test_gpt_by_label_and_number(self, tmp_path):
        img = _image(tmp_path, 'label: gpt\nstart=2048, size=60000, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7\n'
                               'start=62048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n')
        assert locate(img, label='RESCUE1200')['number'] == 1
        assert locate(img, partition=1)['table'] == 'gpt'
        with pytest.raises(PartitionError, match='holds no filesystem it recognises'):
            locate(img, partition=2)
        with pytest.raises(PartitionError, match='has no partition 3; it has: 1: vfat labelled RESCUE1200'):
            locate(img, partition=3)
        with pytest.raises(PartitionError, match='no filesystem labelled OTHER'):
            locate(img, label='OTHER')

    def test_whole_image_fat16(self, tmp_path):
        found = locate(_image(tmp_path, None, fat='16', size='32M'))
        assert found['offset'] == 0 and found['version'] == 'FAT16'
        with pytest.raises(PartitionError, match='no partition table'):
            locate(_image(tmp_path, None, name='b.img'), partition=1)

    def test_not_fat(self, tmp_path):
        img = _image(tmp_path, 'label: dos\nstart=2048, type=83\n', mkfs=False)
        with pytest.raises(PartitionError, match='has no FAT partitions'):
            locate(img)

    def test_two_fat_partitions_need_a_choice(self, tmp_path):
        img = _image(tmp_path, 'label: dos\nstart=2048, size=40000, type=c\nstart=42048, type=c\n')
        subprocess.run(['mkfs.vfat', '-n', 'SECOND', '--offset', '42048', img], check=True, stdout=subprocess.DEVNULL)
        with pytest.raises(PartitionError, match='has 2 FAT partitions; choose one'):
            locate(img)
        assert locate(img, label='SECOND')['number'] == 2

    @pytest.mark.skipif(not shutil.which('xorriso'), reason='xorriso is needed')
    def test_iso9660_is_refused_with_advice(self, tmp_path):
        tree = tmp_path / 'tree'
        (tree / 'sysresccd').mkdir(parents=True)
        (tree / 'sysresccd' / 'VERSION').write_text('12.00\n')
        iso = str(tmp_path / 'x.iso')
        subprocess.run(['xorriso', '-as', 'mkisofs', '-V', 'RESCUE1200', '-o', iso, str(tree)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert is_iso9660(iso)
        with pytest.raises(PartitionError, match='ISO9660 medium .* SRMs and YAML cannot be added'):
            locate(iso)
