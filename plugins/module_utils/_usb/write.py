# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write a SystemRescue ISO onto a USB stick or disk image the way SystemRescue's USB writer does.

The result is the layout of :mod:`.layout`, holding a copy of the ISO's files, with syslinux and
syslinux's MBR boot code installed. Nothing is mounted: the ISO is read with xorriso, the FAT filesystem
is made with ``mkfs.vfat --offset`` and filled with mtools, syslinux is installed with ``--offset``.
Everything that can be checked (tools, names, links, space) is checked on the extracted tree before the
first destructive write.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess

from ansible_collections.rescuefleet.media.plugins.module_utils._media.fatimage import fat_name_problem
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import mtools_env, run
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.errors import WriterError
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.layout import (
    MBR_CODE_SIZE, MARKER, PARTITION_OFFSET, PARTITION_START, SYSLINUX_DIR)
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.sizes import human

MBR_CANDIDATES = (
    '/usr/lib/syslinux/mbr/mbr.bin',     # Debian, Ubuntu
    '/usr/share/syslinux/mbr.bin',       # Fedora, RHEL, Arch
    '/usr/lib/syslinux/bios/mbr.bin',    # Arch (older)
    '/usr/lib/SYSLINUX/mbr.bin',
)
PACKAGES = 'xorriso, mtools, dosfstools, fdisk (sfdisk), syslinux and syslinux-common'
TOOLS = ('xorriso', 'sfdisk', 'mkfs.vfat', 'mcopy', 'mtype', 'syslinux')
# How many offending names a message lists before it says "and N more".
SHOWN = 10


def check_label(volume_id):
    """The FAT label for a volume id, or the reason it cannot be one."""
    if not volume_id:
        raise WriterError('the ISO has an empty volume id; SystemRescue finds its medium by that label')
    if len(volume_id) > 11 or not re.match(r'^[A-Z0-9_\-]+\Z', volume_id):
        raise WriterError('the ISO volume id %r cannot be a FAT label (at most 11 characters A-Z, 0-9, _ and -); '
                          'SystemRescue finds its medium by that label, so this ISO cannot be written to FAT'
                          % volume_id)
    return volume_id


def find_mbr(path=None):
    candidates = [path] if path else list(MBR_CANDIDATES)
    for candidate in candidates:
        if candidate and os.path.isfile(candidate):
            with open(candidate, 'rb') as handle:
                code = handle.read(MBR_CODE_SIZE)
            if len(code) < MBR_CODE_SIZE - 100:
                raise WriterError('%s is too short to be an MBR boot code file; give mbr: the mbr.bin of syslinux '
                                  '(such as /usr/lib/syslinux/mbr/mbr.bin)' % candidate)
            return candidate, code
    raise WriterError('syslinux MBR code not found (%s); install syslinux-common / syslinux, or give mbr'
                      % ', '.join(candidates))


# -- writing ------------------------------------------------------------------------------------------

def _run(cmd, what, stdin=None):
    return run(cmd, WriterError, what=what, hint='install %s' % PACKAGES, stdin=stdin, env=mtools_env()).stdout


def check_tools(which=shutil.which):
    """Refuse before anything is written when a tool the write needs is missing."""
    missing = [tool for tool in TOOLS if not which(tool)]
    if missing:
        raise WriterError('%s not found on the target; install %s. Nothing was written' % (
            ', '.join(missing), PACKAGES))


def fat_cluster(partition_size):
    """The largest cluster mkfs.vfat picks for FAT32 of this size (Microsoft's table), to estimate space."""
    for limit, cluster in ((8 << 30, 4096), (16 << 30, 8192), (32 << 30, 16384)):
        if partition_size <= limit:
            return cluster
    return 32768


def _listed(items):
    shown = ', '.join(items[:SHOWN])
    return shown + (' and %d more' % (len(items) - SHOWN) if len(items) > SHOWN else '')


def tree_entries(tree):
    """``[(relative path, kind, size, link target)]`` of an extracted tree, kind ``file``/``dir``/``link``/``other``;
    symlinks are listed, never followed."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(tree):
        rel_dir = os.path.relpath(dirpath, tree)
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            kind = 'link' if stat.S_ISLNK(st.st_mode) else 'file' if stat.S_ISREG(st.st_mode) else \
                'dir' if stat.S_ISDIR(st.st_mode) else 'other'
            entries.append((name if rel_dir == '.' else os.path.join(rel_dir, name), kind,
                            st.st_size if kind == 'file' else 0, os.readlink(full) if kind == 'link' else None))
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    return entries


def listing_entries(found):
    """The entries of :func:`tree_entries` from an ISO listing (``{'/abs/path': {'type', 'size'}}``, see
    ``_iso.image.tree_listing``), so that check mode refuses what the extracted tree would show."""
    return [(path.lstrip('/'), entry['type'], entry['size'], entry.get('target', '?') if entry['type'] == 'link'
             else None) for path, entry in sorted(found.items()) if path.strip('/')]


def check_tree(tree, partition_size, syslinux_dir=SYSLINUX_DIR):
    """Refuse an extracted ISO tree that FAT cannot hold, before the first destructive write."""
    check_entries(tree_entries(tree), partition_size, syslinux_dir)


def check_entries(entries, partition_size, syslinux_dir=SYSLINUX_DIR):
    """Refuse ISO content (:func:`tree_entries`) that FAT cannot hold, before the first destructive write.

    FAT stores no symlinks, and copying one would copy what it points at, possibly a file of this host
    (an ISO holding ``etc/shadow -> /etc/shadow``): links are refused, never followed. Also refused: other
    special files, names FAT cannot hold (see ``fat_name_problem``), names that differ only in case
    (FAT keeps one of them) and a tree larger than the partition.
    """
    if not any(rel == syslinux_dir.strip('/') and kind == 'dir' for rel, kind, _size, _target in entries):
        raise WriterError('the ISO has no %s directory; is it a SystemRescue ISO? Nothing was written' % syslinux_dir)
    links, special, bad_names, clashes = [], [], [], []
    cluster = fat_cluster(partition_size)
    needed = 0
    seen = {}
    for rel, kind, size, target in entries:
        parent, name = os.path.split(rel)
        shown = rel.encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')
        problem = fat_name_problem(name)
        if problem:
            bad_names.append('%s (%s)' % (shown, problem.split(';')[0]))
        folded = (parent, name.lower())
        if folded in seen:
            clashes.append('%s and %s' % (seen[folded], shown))
        seen[folded] = shown
        if kind == 'link':
            links.append('%s -> %s' % (shown, target))
        elif kind == 'file':
            needed += -(-size // cluster) * cluster
        elif kind == 'dir':
            needed += cluster
        else:
            special.append(shown)
    problems = []
    if links:
        problems.append('it holds symlinks, which FAT cannot store and which are never followed (they could '
                        'copy files of this host onto the medium): %s' % _listed(links))
    if special:
        problems.append('it holds special files (devices, FIFOs or sockets) that FAT cannot store: %s'
                        % _listed(special))
    if bad_names:
        problems.append('it holds names that this collection does not write to FAT: %s' % _listed(bad_names))
    if clashes:
        problems.append('it holds names that differ only in case, which are the same name on FAT: %s'
                        % _listed(clashes))
    if problems:
        raise WriterError('refusing to write this ISO to a FAT medium: %s. Use an unmodified SystemRescue ISO or '
                          'remaster it without them; nothing was written' % '; '.join(problems))
    # FAT32 tables and reserved sectors take about 1/128 of the partition with 4 KiB clusters; keep 1 MiB more
    room = partition_size - partition_size // 128 - 1024 * 1024
    if needed > room:
        raise WriterError('the ISO files need about %s on FAT (in %s clusters) but the partition holds only about '
                          '%s; use a larger medium or image_size; nothing was written'
                          % (human(needed), human(cluster), human(max(room, 0))))


def write_medium(device, tree, volume_id, mbr_code, size, block, marker, syslinux_dir=SYSLINUX_DIR):
    """Partition, format, fill and make bootable from an extracted, checked tree; the marker goes last."""
    try:
        _write_medium(device, tree, volume_id, mbr_code, size, block, marker, syslinux_dir)
    except WriterError as exc:
        raise WriterError('%s. The medium %s was partly written and will not boot: fix the cause and run the '
                          'task again, which rewrites it' % (str(exc).rstrip('.'), device)) from exc


def _write_medium(device, tree, volume_id, mbr_code, size, block, marker, syslinux_dir):
    # Forget what the medium held: the MBR and everything up to the partition, including the
    # ISO9660 descriptors of a stick written with dd, which would hide the new FAT filesystem.
    with open(device, 'r+b') as handle:
        handle.write(b'\0' * PARTITION_OFFSET)
        handle.flush()
        os.fsync(handle.fileno())
    _run(['sfdisk', '--no-reread', '--no-tell-kernel', '--wipe', 'always', '--label', 'dos', device],
         'sfdisk', stdin=('label: dos\nunit: sectors\n\nstart=%d, type=c, bootable\n' % PARTITION_START).encode())
    blocks_kib = (size - PARTITION_OFFSET) // 1024
    mkfs = ['mkfs.vfat', '-F', '32', '-n', volume_id, '--offset', str(PARTITION_START)]
    if block:
        mkfs.append('-I')
    _run(mkfs + [device, str(blocks_kib)], 'mkfs.vfat')
    names = sorted(os.listdir(tree))
    if names:
        _run(['mcopy', '-s', '-Q', '-i', '%s@@%d' % (device, PARTITION_OFFSET)]
             + [os.path.join(tree, n) for n in names] + ['::/'], 'mcopy (copying the ISO files)')
    _run(['syslinux', '--offset', str(PARTITION_OFFSET), '--directory', '/' + syslinux_dir.strip('/'),
          '--install', device], 'syslinux')
    with open(device, 'r+b') as handle:
        handle.write(mbr_code[:MBR_CODE_SIZE])
        handle.flush()
        os.fsync(handle.fileno())
    marker_file = os.path.join(tree, MARKER)
    with open(marker_file, 'w') as handle:
        json.dump(marker, handle, sort_keys=True, indent=1)
        handle.write('\n')
    _run(['mcopy', '-o', '-i', '%s@@%d' % (device, PARTITION_OFFSET), marker_file, '::/' + MARKER],
         'mcopy (writing the marker)')
    with open(device, 'rb+') as handle:
        os.fsync(handle.fileno())
    if block:
        subprocess.run(['blockdev', '--rereadpt', device], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=False)
