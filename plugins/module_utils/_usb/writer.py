# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write a SystemRescue ISO onto a USB stick or disk image the way SystemRescue's USB writer does.

The result is an MBR with one bootable FAT32 partition (type ``c``, from sector 2048) labelled with
the ISO's volume id, holding a copy of the ISO's files, with syslinux installed in
``sysresccd/boot/syslinux`` and syslinux's MBR boot code. Nothing is mounted: the ISO is read with
xorriso, the FAT filesystem is made with ``mkfs.vfat --offset`` and filled with mtools, syslinux
is installed with ``--offset``. A small marker file at the root of the filesystem records which
ISO was written, so that writing the same ISO again is skipped.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import subprocess

from ansible_collections.rescuefleet.media.plugins.module_utils._media import partitions
from ansible_collections.rescuefleet.media.plugins.module_utils._media.fatimage import fat_name_problem
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import mtools_env, run

SECTOR = 512
PARTITION_START = 2048  # sectors, as SystemRescue's USB writer and most partitioning tools do
PARTITION_OFFSET = PARTITION_START * SECTOR
MBR_CODE_SIZE = 440
MARKER = '.rescuefleet-iso.json'
MARKER_FORMAT = 1
SYSLINUX_DIR = 'sysresccd/boot/syslinux'
MBR_CANDIDATES = (
    '/usr/lib/syslinux/mbr/mbr.bin',     # Debian, Ubuntu
    '/usr/share/syslinux/mbr.bin',       # Fedora, RHEL, Arch
    '/usr/lib/syslinux/bios/mbr.bin',    # Arch (older)
    '/usr/lib/SYSLINUX/mbr.bin',
)
MIN_FAT32 = 64 * 1024 * 1024  # below this mkfs.vfat cannot make a FAT32 filesystem with 512-byte sectors
COPY_CHUNK = 4 * 1024 * 1024
PACKAGES = 'xorriso, mtools, dosfstools, fdisk (sfdisk), syslinux and syslinux-common'
TOOLS = ('xorriso', 'sfdisk', 'mkfs.vfat', 'mcopy', 'mtype', 'syslinux')
# How many offending names a message lists before it says "and N more".
SHOWN = 10


class WriterError(RescueFleetError):
    """The medium cannot be written as asked; the message says why and what to do. Nothing was written."""


# -- sizes and the ISO --------------------------------------------------------------------------------

def parse_size(value):
    """Bytes from ``268435456``, ``'256M'``, ``'1G'``, ``'512K'`` (powers of 1024)."""
    if value is None:
        return None
    text = str(value).strip().upper()
    match = re.match(r'^(\d+)\s*([KMGT]?)(I?B)?$', text)
    if not match:
        raise WriterError('size %r is not a size: use bytes or a K/M/G/T suffix, such as 256M or 8G' % (value,))
    return int(match.group(1)) * 1024 ** ' KMGT'.index(match.group(2) or ' ')


def human(size):
    for unit in ('bytes', 'KiB', 'MiB', 'GiB', 'TiB'):
        if size < 1024 or unit == 'TiB':
            return ('%d %s' % (size, unit)) if unit == 'bytes' else ('%.1f %s' % (size, unit))
        size /= 1024.0
    return str(size)


def iso_volume_id(path):
    """The volume id of an ISO9660 image (``RESCUE1200``), read from its primary volume descriptor."""
    try:
        st = os.stat(path)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISBLK(st.st_mode)):  # a FIFO would block the read
            raise WriterError('the ISO %s is neither a regular file nor a block device; give the path of a '
                              'SystemRescue ISO file' % path)
        with open(path, 'rb') as handle:
            handle.seek(16 * 2048)
            pvd = handle.read(2048)
    except OSError as exc:
        raise WriterError('cannot read the ISO %s: %s; check the path and its permissions' % (path, exc.strerror)) \
            from exc
    if len(pvd) < 72 or pvd[0:1] != b'\x01' or pvd[1:6] != b'CD001':
        raise WriterError('%s is not an ISO9660 image (no primary volume descriptor); give a SystemRescue ISO' % path)
    return pvd[40:72].decode('ascii', 'replace').strip()


def check_label(volume_id):
    """The FAT label for a volume id, or the reason it cannot be one."""
    if not volume_id:
        raise WriterError('the ISO has an empty volume id; SystemRescue finds its medium by that label')
    if len(volume_id) > 11 or not re.match(r'^[A-Z0-9_\-]+$', volume_id):
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
                raise WriterError('%s is too short to be an MBR boot code file' % candidate)
            return candidate, code
    raise WriterError('syslinux MBR code not found (%s); install syslinux-common / syslinux, or give mbr'
                      % ', '.join(candidates))


# -- the device ---------------------------------------------------------------------------------------

def _read(path, default=None):
    try:
        with open(path, 'r') as handle:
            return handle.read().strip()
    except OSError:
        return default


def _devnums(sysfs, name):
    """``{(major, minor): name}`` of a disk and its partitions, from sysfs."""
    out = {}
    base = os.path.join(sysfs, 'class', 'block', name)
    children = sorted(e for e in os.listdir(base) if e.startswith(name)) if os.path.isdir(base) else []
    for entry in [name] + children:
        dev = _read(os.path.join(base, 'dev') if entry == name else os.path.join(base, entry, 'dev'))
        if dev and ':' in dev:
            major, minor = dev.split(':', 1)
            out[(int(major), int(minor))] = entry
    return out


# The kernel writes space, tab, newline and backslash in mount sources and points as three-digit
# octal escapes (\040 \011 \012 \134) so that the fields stay whitespace-separated.
_MOUNT_ESCAPE = re.compile(r'\\([0-7]{3})')


def _unescape_mount_field(field):
    return _MOUNT_ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text):
    """``[(source, mount point)]`` from /proc/self/mounts text."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2:
            out.append((_unescape_mount_field(fields[0]), _unescape_mount_field(fields[1])))
    return out


def block_device_problems(device, sysfs='/sys', mounts_text=None, swaps_text=None, allow_fixed=False,
                          stat_func=os.stat):
    """Why a block device must not be written (a list of reasons, empty when it may)."""
    name = os.path.basename(os.path.realpath(device))
    base = os.path.join(sysfs, 'class', 'block', name)
    if os.path.exists(os.path.join(base, 'partition')):
        parent = os.path.basename(os.path.dirname(os.path.realpath(base)))
        return ['%s is a partition; give the whole device (/dev/%s), which gets a new partition table'
                % (device, parent)]
    problems = []
    if _read(os.path.join(base, 'ro')) == '1':
        problems.append('%s is read-only (write-protect switch or read-only flag)' % device)
    if _read(os.path.join(base, 'removable')) == '0' and not allow_fixed:
        problems.append('%s is not a removable device (it may be an internal disk); set allow_fixed if you are sure'
                        % device)
    numbers = _devnums(sysfs, name)
    if mounts_text is None:
        mounts_text = _read('/proc/self/mounts', '')
    for source, mount_point in parse_mounts(mounts_text):
        if not source.startswith('/'):
            continue
        try:
            st = stat_func(source)
        except OSError:
            continue
        if stat.S_ISBLK(st.st_mode) and (os.major(st.st_rdev), os.minor(st.st_rdev)) in numbers:
            problems.append('%s is mounted on %s; unmount it first' % (source, mount_point))
    if swaps_text is None:
        swaps_text = _read('/proc/swaps', '')
    for line in swaps_text.splitlines()[1:]:
        source = line.split()[0] if line.split() else ''
        if os.path.basename(source) in numbers.values():
            problems.append('%s is used as swap; swapoff it first' % source)
    for entry in [name] + [n for n in numbers.values() if n != name]:
        holders_dir = os.path.join(base, 'holders') if entry == name else os.path.join(base, entry, 'holders')
        try:
            holders = sorted(os.listdir(holders_dir))
        except OSError:
            holders = []
        if holders:
            problems.append('/dev/%s is held by %s (device mapper, RAID or LVM); release it first'
                            % (entry, ', '.join(holders)))
    return problems


def exclusive_problem(device):
    """Whether another program holds the block device open exclusively (a mount, mkfs, ...)."""
    try:
        fd = os.open(device, os.O_RDONLY | os.O_EXCL)
    except OSError as exc:
        if exc.errno == errno.EBUSY:
            return '%s is in use (held open exclusively by another program or the kernel)' % device
        return 'cannot open %s: %s' % (device, exc.strerror)
    os.close(fd)
    return None


def loop_users(image, sysfs='/sys'):
    """Loop devices attached to an image file."""
    real = os.path.realpath(image)
    users = []
    block = os.path.join(sysfs, 'block')
    try:
        names = sorted(os.listdir(block))
    except OSError:
        return users
    for name in names:
        if name.startswith('loop') and _read(os.path.join(block, name, 'loop', 'backing_file')) == real:
            users.append('/dev/' + name)
    return users


def device_size(device, st=None, sysfs='/sys'):
    st = st or os.stat(device)
    if stat.S_ISBLK(st.st_mode):
        sectors = _read(os.path.join(sysfs, 'class', 'block', os.path.basename(os.path.realpath(device)), 'size'))
        if sectors is not None:
            return int(sectors) * SECTOR
        with open(device, 'rb') as handle:
            return handle.seek(0, os.SEEK_END)
    return st.st_size


# -- what is on the medium now ------------------------------------------------------------------------

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
    if partitions.is_iso9660(device):
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


# -- writing ------------------------------------------------------------------------------------------

def _run(cmd, what, stdin=None):
    return run(cmd, WriterError, what=what, hint='install %s' % PACKAGES, stdin=stdin, env=mtools_env()).stdout


def _make_writable(root):
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            path = os.path.join(dirpath, name)
            os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) | stat.S_IRWXU)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) | stat.S_IRUSR | stat.S_IWUSR)


def extract_iso(iso, dest):
    """Every file of the ISO into ``dest``, with xorriso, without mounting."""
    _run(['xorriso', '-abort_on', 'FAILURE', '-osirrox', 'on', '-indev', iso, '-extract', '/', dest],
         'xorriso (extracting %s)' % iso)
    _make_writable(dest)


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


def check_tree(tree, partition_size, syslinux_dir=SYSLINUX_DIR):
    """Refuse an extracted ISO tree that FAT cannot hold, before the first destructive write.

    FAT stores no symlinks, and copying one would copy what it points at, possibly a file of this host
    (an ISO holding ``etc/shadow -> /etc/shadow``): links are refused, never followed. Also refused: other
    special files, names FAT cannot hold (see ``fat_name_problem``), names that differ only in case
    (FAT keeps one of them) and a tree larger than the partition.
    """
    if not os.path.isdir(os.path.join(tree, syslinux_dir)):
        raise WriterError('the ISO has no %s directory; is it a SystemRescue ISO? Nothing was written' % syslinux_dir)
    links, special, bad_names, clashes = [], [], [], []
    cluster = fat_cluster(partition_size)
    needed = 0
    for dirpath, dirnames, filenames in os.walk(tree):
        rel_dir = os.path.relpath(dirpath, tree)
        seen = {}
        for name in sorted(dirnames + filenames):
            rel = name if rel_dir == '.' else os.path.join(rel_dir, name)
            shown = rel.encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')
            problem = fat_name_problem(name)
            if problem:
                bad_names.append('%s (%s)' % (shown, problem.split(';')[0]))
            folded = name.lower()
            if folded in seen:
                clashes.append('%s and %s' % (seen[folded], shown))
            seen[folded] = shown
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISLNK(st.st_mode):
                links.append('%s -> %s' % (shown, os.readlink(os.path.join(dirpath, name))))
            elif stat.S_ISREG(st.st_mode):
                needed += -(-st.st_size // cluster) * cluster
            elif stat.S_ISDIR(st.st_mode):
                needed += cluster
            else:
                special.append(shown)
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
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
