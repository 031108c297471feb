# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Find the filesystem to work on inside a disk image or block device, without mounting.

``sfdisk -J`` reads the partition table (MBR or GPT); ``blkid -p`` probes each partition for
its filesystem type and label. An ISO9660 signature at the start of the device (a stick written
with ``dd`` from a hybrid ISO) is recognised before anything else, because such a device also
carries a small FAT partition (the EFI image) that must not be mistaken for the medium.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import re
import subprocess

from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import is_iso9660
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import MediumError

ISO_ADVICE = ('it is an ISO9660 medium (a stick written like a CD-ROM, for example with dd from the ISO), which '
              'is read-only: SRMs and YAML cannot be added to it. Write the stick with a FAT partition instead '
              '(the usb_media role, or SystemRescue\'s USB writer), or remaster the ISO with sysrescue-customize')


class PartitionError(MediumError):
    """The wanted filesystem cannot be found; the message says what there is instead."""


class IsoMediumError(PartitionError):
    """The medium is ISO9660 (read-only, written like a CD-ROM): it cannot take SRMs or YAML."""


def parse_sfdisk_json(text):
    """Partitions from ``sfdisk -J`` output: ``[{'number', 'start', 'size', 'type', 'name', 'bootable'}]``.

    ``start`` and ``size`` are in bytes; ``table`` says ``dos`` or ``gpt``.
    """
    table = json.loads(text)['partitiontable']
    sector = int(table.get('sectorsize', 512))
    parts = []
    for part in table.get('partitions', []):
        match = re.search(r'(\d+)$', part['node'])
        parts.append({
            'number': int(match.group(1)) if match else len(parts) + 1,
            'start': int(part['start']) * sector,
            'size': int(part['size']) * sector,
            'type': part.get('type'),
            'name': part.get('name'),
            'bootable': bool(part.get('bootable')),
        })
    return table.get('label'), parts


def parse_blkid_export(text):
    """``KEY=value`` lines of ``blkid -o export`` as a dict."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition('=')
        if sep:
            out[key.strip()] = value.strip()
    return out


def probe(path, offset=0, size=None, blkid='blkid'):
    """Filesystem type, label and version at ``offset`` of ``path`` (empty dict when nothing is found)."""
    cmd = [blkid, '-p', '-o', 'export', '-O', str(offset)]
    if size:
        cmd += ['-S', str(size)]
    proc = subprocess.run(cmd + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode not in (0, 2):
        raise PartitionError('blkid could not read %s: %s' % (path, proc.stderr.decode('utf-8', 'replace').strip()))
    info = parse_blkid_export(proc.stdout.decode('utf-8', 'replace'))
    return {'fstype': info.get('TYPE'), 'label': info.get('LABEL'), 'version': info.get('VERSION'),
            'uuid': info.get('UUID')}


def read_table(path, sfdisk='sfdisk'):
    """``(label, partitions)``, or ``(None, [])`` when there is no partition table."""
    proc = subprocess.run([sfdisk, '-J', path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        return None, []
    return parse_sfdisk_json(proc.stdout.decode('utf-8', 'replace'))


def _describe(parts):
    return '; '.join('%d: %s%s' % (p['number'], p.get('fstype') or 'unknown filesystem',
                                   ' labelled %s' % p['label'] if p.get('label') else '') for p in parts) or 'none'


def locate(path, partition=None, label=None, blkid='blkid', sfdisk='sfdisk'):
    """The FAT filesystem to use: ``{'offset', 'size', 'number', 'table', 'fstype', 'label', 'version'}``."""
    if is_iso9660(path):
        raise IsoMediumError('%s: %s' % (path, ISO_ADVICE))
    table, parts = read_table(path, sfdisk)
    if not parts:
        if partition not in (None, 0):
            raise PartitionError('%s has no partition table, so there is no partition %s; leave partition unset to '
                                 'use the filesystem on the whole image' % (path, partition))
        found = dict(probe(path, 0, blkid=blkid), offset=0, size=None, number=None, table=None)
        return _check_fat(path, found, label)
    for part in parts:
        part.update(probe(path, part['start'], part['size'], blkid=blkid))
        part['table'] = table
    if partition is not None:
        chosen = [p for p in parts if p['number'] == partition]
        if not chosen:
            raise PartitionError('%s has no partition %d; it has: %s' % (path, partition, _describe(parts)))
    elif label is not None:
        chosen = [p for p in parts if p.get('label') == label]
        if not chosen:
            raise PartitionError('%s has no filesystem labelled %s; it has: %s' % (path, label, _describe(parts)))
    else:
        chosen = [p for p in parts if p.get('fstype') == 'vfat']
        if len(chosen) != 1:
            raise PartitionError('%s has %s FAT partitions; choose one with partition or label. Partitions: %s'
                                 % (path, len(chosen) or 'no', _describe(parts)))
    found = dict(chosen[0], offset=chosen[0]['start'])
    return _check_fat(path, found, label if partition is not None else None)


def _check_fat(path, found, label):
    where = 'partition %d of %s' % (found['number'], path) if found.get('number') else path
    if found.get('fstype') == 'iso9660':
        raise IsoMediumError('%s: %s' % (where, ISO_ADVICE))
    if found.get('fstype') != 'vfat':
        raise PartitionError('%s holds %s, not a FAT filesystem; rescuefleet edits FAT without mounting. For another '
                             'filesystem, mount it and give media.path instead'
                             % (where, found.get('fstype') or 'no filesystem it recognises'))
    if label is not None and found.get('label') != label:
        raise PartitionError('%s is labelled %s, not %s' % (where, found.get('label'), label))
    return found
