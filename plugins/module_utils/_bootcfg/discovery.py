# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Find the boot configs of a medium or PXE tree, and tell their format from the path and the content.

The readers per format are in :mod:`.readers`, the edit of a config in :mod:`.edit`.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import FORMATS
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import CONFIG_DIR

# Larger files are not boot configs (and are not read whole).
MAX_CONFIG_SIZE = 1024 * 1024

# Discovery walks the tree, bounded (a medium or PXE tree is small where configs live): at most
# MAX_DEPTH levels, MAX_DIRS directory listings (one per directory: on FAT each is an mtools call)
# and MAX_SNIFF small files read to recognise an iPXE script by its first line.
MAX_DEPTH = 6
MAX_DIRS = 400
MAX_SNIFF = 64
SNIFF_SIZE = 64 * 1024
# Never descended into: root filesystems and squashfs stores of live media (archiso's x86_64,
# Fedora's LiveOS, Ubuntu's casper, Debian/Tails' live), configuration and autorun trees, and VCS.
SKIP_DIRS = ('x86_64', 'i686', 'aarch64', 'liveos', 'casper', 'live', CONFIG_DIR, 'autorun', '.git',
             'lost+found', 'system volume information')
# In a directory that holds SRMs or airootfs.sfs (an archisobasedir), only its boot/ holds configs.
SRM_DIR_CHILDREN = ('boot',)
SYSLINUX_DIRS = ('syslinux', 'isolinux', 'extlinux', 'pxelinux.cfg')


def classify(path):
    """The format of a boot config from its path alone, or ``None`` (not one, or only by content)."""
    lower = path.lower()
    parts = lower.split('/')
    name, dirs = parts[-1], parts[:-1]
    if name.startswith('.') or name.endswith(('.bak', '.orig', '~')):
        return None
    if name.endswith('.ipxe'):
        return 'ipxe'
    if len(dirs) >= 2 and dirs[-2:] == ['loader', 'entries'] and name.endswith('.conf'):
        return 'bls'
    if dirs and dirs[-1] == 'pxelinux.cfg':
        return 'syslinux'
    if name in ('syslinux.cfg', 'isolinux.cfg', 'extlinux.conf'):
        return 'syslinux'
    if any(d in SYSLINUX_DIRS for d in dirs) and name.endswith(('.cfg', '.conf')):
        return 'syslinux'
    if name == 'grub.cfg' or name.startswith('grub.cfg-'):
        return 'grub'
    if name.endswith('.cfg') and any(d in ('grub', 'grub2') for d in dirs) or \
            name.endswith(('.cfg', '.conf')) and dirs and dirs[0] == 'efi':
        return 'grub'
    return None


def _sniffable(entry):
    name = entry['name'].lower()
    size = entry.get('size')
    small = size is None or size <= SNIFF_SIZE
    return small and ('.' not in name or name.endswith(('.txt', '.cfg', '.conf', '.pxe', '.menu')))


def walk(medium, root=''):
    """``[(path, format)]`` of the boot configs under ``root``, recognised by name and content."""
    found = []
    pending = [(root, 0)]
    listed = 0
    sniffed = 0
    while pending and listed < MAX_DIRS:
        directory, depth = pending.pop(0)
        entries = sorted(medium.list_dir(directory), key=lambda e: e['name'])
        listed += 1
        names = [e['name'].lower() for e in entries if e['type'] == 'file']
        srm_dir = 'airootfs.sfs' in names or any(n.endswith('.srm') for n in names)
        for entry in entries:
            path = posixpath.join(directory, entry['name']) if directory else entry['name']
            lower = entry['name'].lower()
            if entry['type'] == 'dir':
                if depth + 1 >= MAX_DEPTH or lower in SKIP_DIRS or (srm_dir and lower not in SRM_DIR_CHILDREN):
                    continue
                pending.append((path, depth + 1))
                continue
            if entry['type'] != 'file':
                continue
            fmt = classify(path)
            if fmt is None and sniffed < MAX_SNIFF and _sniffable(entry) and not lower.startswith('.'):
                sniffed += 1
                head = medium.read_bytes(path) or b''
                if head[:SNIFF_SIZE].lstrip().lower().startswith(b'#!ipxe'):
                    fmt = 'ipxe'
            if fmt:
                found.append((path, fmt))
    return found


def detect_format(path, text):
    """The format of a config from its path, then from its content."""
    lower = path.replace('\\', '/').lower()
    name = posixpath.basename(lower)
    parts = lower.split('/')
    if name.endswith('.ipxe') or text.lstrip().startswith('#!ipxe'):
        return 'ipxe'
    if 'entries' in parts[:-1] and name.endswith('.conf') and 'loader' in parts[:-1]:
        return 'bls'
    if name in ('cmdline', 'cmdline.txt') or name.endswith('.cmdline'):
        return 'cmdline'
    if 'pxelinux.cfg' in parts[:-1] or name in ('syslinux.cfg', 'isolinux.cfg', 'extlinux.conf') or \
            any(p in ('syslinux', 'isolinux', 'extlinux') for p in parts[:-1]):
        return 'syslinux'
    if name.startswith('grub') or any(p.startswith('grub') for p in parts[:-1]):
        return 'grub'
    if re.search(r'^\s*(menuentry|submenu)\s', text, re.M) or re.search(r'^\s*linux(efi|16)?\s+\S', text, re.M) \
            and re.search(r'^\s*(set|insmod|initrd)\s', text, re.M):
        return 'grub'
    if re.search(r'^(title|options)\s', text, re.M) and not re.search(r'^\s*(label|append)\s', text, re.M | re.I):
        return 'bls'
    if re.search(r'^\s*(label|append|default|kernel|linux)\s', text, re.M | re.I):
        return 'syslinux'
    raise BootCfgError('cannot tell the format of %s from its name or content; set format to one of %s'
                       % (path, ', '.join(FORMATS)))


def discover(medium):
    """``[(path, format)]`` of the boot configs of a medium or PXE tree (see :func:`walk`)."""
    return walk(medium)
