# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Find the boot configs of a medium or PXE tree, and tell their format from the path and the content.

The readers per format are in :mod:`.readers`, the edit of a config in :mod:`.edit`.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import collections
import posixpath
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import FORMATS

# Larger files are not boot configs (and are not read whole).
MAX_CONFIG_SIZE = 1024 * 1024

# Discovery walks the whole tree breadth first and never skips a directory for its name: boot configs live
# under names such as x86_64/ (SUSE's boot/x86_64/loader/), LiveOS/ (livecd-iso-to-disk --multi) or next to
# SRMs. It is bounded by counts only: at most MAX_DEPTH directory levels below the root, MAX_LISTINGS
# directory listings and MAX_SNIFF small files read to recognise an iPXE script by its first line. Shallow
# directories come first, so the bounds only ever cut the deepest parts of very large trees, and a run that
# hits one says so (see :func:`walk`).
MAX_DEPTH = 8
MAX_LISTINGS = 4000
MAX_SNIFF = 64
SNIFF_SIZE = 64 * 1024
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
    """A file that may be an iPXE script named without ``.ipxe`` (``menu``, ``MAC-aabbccddeeff``, ``boot.txt``)."""
    name = entry['name'].lower()
    size = entry.get('size')
    small = size is None or size <= SNIFF_SIZE
    return small and not name.startswith('.') and \
        ('.' not in name or name.endswith(('.txt', '.cfg', '.conf', '.pxe', '.menu')))


def walk(medium, root='', notes=None):
    """``[(path, format)]`` of the boot configs under ``root``, recognised by name and content, in walk order.

    Breadth first, directories and files in name order. When a bound of the walk is reached, what was left
    out is described in ``notes`` (a list, when given), with the advice to name the configs."""
    medium.prefetch_listings(root, MAX_DEPTH)
    found = []   # [path, format or None (to sniff)]
    pending = collections.deque([(root, 0)])
    listed = 0
    too_deep = []
    while pending and listed < MAX_LISTINGS:
        directory, depth = pending.popleft()
        entries = sorted(medium.list_dir(directory), key=lambda e: e['name'])
        listed += 1
        for entry in entries:
            path = posixpath.join(directory, entry['name']) if directory else entry['name']
            if entry['type'] == 'dir':
                if depth + 1 > MAX_DEPTH:
                    too_deep.append(path)
                else:
                    pending.append((path, depth + 1))
            elif entry['type'] == 'file':
                fmt = classify(path)
                if fmt or _sniffable(entry):
                    found.append([path, fmt])
    candidates = [item[0] for item in found if item[1] is None]
    heads = medium.read_heads(candidates[:MAX_SNIFF], SNIFF_SIZE) if candidates else {}
    for item in found:
        if item[1] is None and (heads.get(item[0]) or b'').lstrip().lower().startswith(b'#!ipxe'):
            item[1] = 'ipxe'
    if notes is not None:
        where = '/%s' % root if root else 'the medium'
        if pending:
            notes.append('boot config discovery stopped after listing %d directories of %s; %d directories were not '
                         'searched (the first: %s). If a boot config lives there, name it with files'
                         % (listed, where, len(pending), pending[0][0]))
        if too_deep:
            notes.append('boot config discovery searches %d directory levels of %s; %d deeper directories were not '
                         'searched (the first: %s). If a boot config lives there, name it with files'
                         % (MAX_DEPTH, where, len(too_deep), too_deep[0]))
        if len(candidates) > MAX_SNIFF:
            notes.append('boot config discovery read %d files of %s to recognise iPXE scripts by their first line and '
                         'stopped; %d were not read (the first: %s). Give an iPXE script a name ending in .ipxe, or '
                         'name it with files' % (MAX_SNIFF, where, len(candidates) - MAX_SNIFF, candidates[MAX_SNIFF]))
    return [(path, fmt) for path, fmt in found if fmt]


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


def discover(medium, notes=None, also=()):
    """``[(path, format)]`` of the boot configs of a medium or PXE tree (see :func:`walk`), each path once.

    ``also``: ``[(path, format)]`` that a caller knows to be configs (such as SUSE's
    ``boot/<arch>/loader/isolinux.cfg``), added when the walk did not find them already."""
    found = walk(medium, notes=notes)
    seen = set(path for path, _fmt in found)
    for path, fmt in also:
        if path not in seen:
            seen.add(path)
            found.append((path, fmt))
    return found
