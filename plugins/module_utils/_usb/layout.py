# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The stick SystemRescue's USB writer makes, and what a medium holds now compared with it.

An MBR with one bootable FAT32 partition (type ``c``, from sector 2048) labelled with the ISO's volume id,
syslinux in ``sysresccd/boot/syslinux``, and a small marker file at the root of the filesystem that records
which ISO was written, so that writing the same ISO again is skipped.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import subprocess

from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import is_iso9660
from ansible_collections.rescuefleet.media.plugins.module_utils._media import partitions
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import mtools_env
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR

SECTOR = 512
PARTITION_START = 2048  # sectors, as SystemRescue's USB writer and most partitioning tools do
PARTITION_OFFSET = PARTITION_START * SECTOR
MBR_CODE_SIZE = 440
MARKER = '.rescuefleet-iso.json'
MARKER_FORMAT = 1
SYSLINUX_DIR = '%s/boot/syslinux' % BASEDIR
MIN_FAT32 = 64 * 1024 * 1024  # below this mkfs.vfat cannot make a FAT32 filesystem with 512-byte sectors


def read_marker(device):
    """The marker written with the ISO, or ``None``."""
    proc = subprocess.run(['mtype', '-i', '%s@@%d' % (device, PARTITION_OFFSET), '::/' + MARKER], env=mtools_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        return None
    try:
        data = json.loads(proc.stdout.decode('utf-8', 'replace'))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def current_state(device, size):
    """What the medium holds now: ``{'layout': bool, 'label': str, 'marker': dict, 'why': str}``."""
    state = {'layout': False, 'label': None, 'marker': None, 'why': None}
    if size == 0:
        state['why'] = 'the medium is empty'
        return state
    if is_iso9660(device):
        state['why'] = 'the medium holds an ISO9660 image (written with dd)'
        return state
    table, parts = partitions.read_table(device)
    if table != 'dos' or not parts:
        state['why'] = 'the medium has no MBR partition table'
        return state
    first = parts[0]
    if first['number'] != 1 or first['start'] != PARTITION_OFFSET or str(first['type']).lower() not in ('c', '0c') \
            or not first['bootable']:
        state['why'] = 'partition 1 is not a bootable FAT32 (LBA) partition starting at sector %d' % PARTITION_START
        return state
    found = partitions.probe(device, PARTITION_OFFSET, first['size'])
    state['label'] = found.get('label')
    if found.get('fstype') != 'vfat':
        state['why'] = 'partition 1 holds no FAT filesystem'
        return state
    state['layout'] = True
    state['marker'] = read_marker(device)
    if state['marker'] is None:
        state['why'] = 'the medium holds no record of an ISO written by rescuefleet'
    return state
