# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The device a stick is written to, from sysfs: what must not be written (a partition, read-only, not
removable, mounted, swap, held, in use, attached to a loop device) and its size.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat

from ansible_collections.rescuefleet.media.plugins.module_utils._usb.errors import WriterError
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.layout import SECTOR
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.sizes import human, parse_size


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
    """Loop devices attached to an image file: by the file itself, not by how its path is spelt (a loop
    device attached through a hard link or a bind mount names another path)."""
    real = os.path.realpath(image)
    try:
        st = os.stat(image)
        ident = (st.st_dev, st.st_ino)
    except OSError:
        ident = None
    users = []
    block = os.path.join(sysfs, 'block')
    try:
        names = sorted(os.listdir(block))
    except OSError:
        return users
    for name in names:
        if not name.startswith('loop'):
            continue
        backing = _read(os.path.join(block, name, 'loop', 'backing_file'))
        if not backing:
            continue
        try:
            other = os.stat(backing)
            same = ident is not None and (other.st_dev, other.st_ino) == ident
        except OSError:
            same = False
        if backing == real or same:
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


class Device:
    """The device or image file a stick is written to: ``kind`` (``block`` or ``image``), ``size`` in bytes,
    and whether it ``exists`` (an image file is created by the write). Runs on it take no lock."""

    def __init__(self, path, kind, size, exists):
        self.path = path
        self.kind = kind
        self.size = size
        self.exists = exists

    def locked(self):
        return contextlib.nullcontext()

    def close(self):
        pass


def open_device(path, image_size=None, allow_fixed=False):
    """The :class:`Device` at ``path``; refuses (:class:`WriterError`) what must not be written."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        create = parse_size(image_size)
        if not create:
            raise WriterError('%s does not exist; give a block device, an existing image file, or image_size to '
                              'create an image file' % path)
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise WriterError('the directory of %s does not exist; create it first' % path)
        return Device(path, 'image', create, False)
    if stat.S_ISBLK(st.st_mode):
        problems = block_device_problems(path, allow_fixed=allow_fixed)
        if not problems:
            busy = exclusive_problem(path)
            if busy:
                problems.append(busy)
        if problems:
            raise WriterError('refusing to write %s: %s' % (path, '; '.join(problems)))
        return Device(path, 'block', device_size(path, st), True)
    if not stat.S_ISREG(st.st_mode):
        raise WriterError('%s is neither a block device nor a disk image file; give the stick by its stable name (ls -l '
                          '/dev/disk/by-id/usb-*) or the path of an image file' % path)
    users = loop_users(path)
    if users:
        raise WriterError('refusing to write %s: it is attached to %s (detach with losetup -d, or unmount it first)'
                          % (path, ', '.join(users)))
    if not os.access(path, os.W_OK):
        raise WriterError('refusing to write %s: it is read-only for this user; fix its permissions or run the '
                          'task with become' % path)
    size = st.st_size
    wanted = parse_size(image_size)
    if wanted and size < wanted:
        raise WriterError('the image %s has %s, less than image_size %s; remove it or give a smaller image_size'
                          % (path, human(size), human(wanted)))
    return Device(path, 'image', size, True)
