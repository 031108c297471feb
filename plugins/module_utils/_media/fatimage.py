# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A FAT filesystem inside a disk image or block device, edited with mtools without mounting.

This is how the collection works in containers, execution environments and CI, where FAT cannot
be mounted, and it needs no root for image files.

Atomic replace on FAT: the new content is written under a temporary 8.3 name (``~rf12ab3.tmp``,
never ``*.srm``) and renamed over the final name with ``mren -D o``. mtools copies the case flags
of the old short entry to the renamed one, so the temporary name is given the same upper/lower
case pattern as the final name (SystemRescue's ``*.srm`` glob is case-sensitive: ``10-A.SRM`` would
not load). Every rename is verified by listing the directory.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import posixpath
import random
import re
import stat
import subprocess
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import background_sha256, sha256_stream
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import (
    Medium, MediumError, check_writable_file, clean_path)
from ansible_collections.rescuefleet.media.plugins.module_utils._media.partitions import locate
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import mtools_env, run

MTOOLS_HINT = 'install the mtools package (apt-get install mtools, dnf install mtools)'


# One line of `mdir -a`: 8.3 name, size or <DIR>, date, time, then the long name when there is one.
_MDIR_LINE = re.compile(r'^(?P<base>.{8}) (?P<ext>.{3}) +(?P<size><DIR>|\d+) +\S+ +\S+(?:  (?P<long>.+?))?\s*$')
_SHORT_CHARS = re.compile(r"^[A-Za-z0-9!#$%&'()@^_`{}~-]+\Z")


def parse_mdir(text):
    """Entries of an ``mdir -a`` listing: ``[{'name', 'type', 'size'}]`` without ``.`` and ``..``."""
    out = []
    for line in text.splitlines():
        match = _MDIR_LINE.match(line)
        if not match:
            continue
        if match.group('long'):
            name = match.group('long')
        else:
            base, ext = match.group('base').rstrip(), match.group('ext').rstrip()
            name = base + ('.' + ext if ext else '')
        if name in ('.', '..'):
            continue
        is_dir = match.group('size') == '<DIR>'
        out.append({'name': name, 'type': 'dir' if is_dir else 'file', 'size': 0 if is_dir else int(match.group('size'))})
    return sorted(out, key=lambda e: e['name'])


def parse_mdir_tree(text):
    """``{directory: entries}`` of a recursive ``mdir -/ -a -f`` listing (each section starts with
    ``Directory for ::/path``); directories are medium paths (the root is ``''``)."""
    sections = {}
    current = None
    for line in text.splitlines():
        if line.startswith('Directory for ::/'):
            current = sections.setdefault(clean_path(line[len('Directory for ::/'):].rstrip('/')), [])
        elif current is not None:
            current.append(line)
    return dict((directory, parse_mdir('\n'.join(lines))) for directory, lines in sections.items())


def parse_free(text):
    """Bytes free from the last line of an ``mdir`` listing (digits may be grouped with spaces)."""
    for line in reversed(text.splitlines()):
        if 'bytes free' in line:
            return int(re.sub(r'\D', '', line.split('bytes free')[0]))
    return None


BOOT_SECTOR = 512


def read_boot_sector(image, offset):
    """The first 512 bytes of the filesystem at ``offset`` of ``image`` (its boot sector)."""
    with open(image, 'rb') as handle:
        handle.seek(offset)
        return handle.read(BOOT_SECTOR)


def parse_boot_sector(sector):
    """``{'sector_size', 'cluster_size', 'size', 'serial'}`` of a FAT boot sector (its BIOS parameter block, what
    ``minfo`` prints), or ``None`` when ``sector`` is not one. ``serial`` is the volume serial number as blkid
    gives it as the filesystem's UUID (``ABCD-1234``)."""
    if len(sector) < BOOT_SECTOR or sector[510:512] != b'\x55\xaa':
        return None
    sector_size = int.from_bytes(sector[11:13], 'little')
    per_cluster = sector[13]
    total = int.from_bytes(sector[19:21], 'little') or int.from_bytes(sector[32:36], 'little')
    if sector_size not in (512, 1024, 2048, 4096) or not per_cluster or per_cluster & (per_cluster - 1) or not total:
        return None
    fat32 = int.from_bytes(sector[22:24], 'little') == 0  # FAT32 keeps its FAT size elsewhere
    serial = int.from_bytes(sector[67:71] if fat32 else sector[39:43], 'little')
    return {'sector_size': sector_size, 'cluster_size': sector_size * per_cluster, 'size': sector_size * total,
            'serial': '%04X-%04X' % (serial >> 16, serial & 0xffff)}


# FAT long names: at most 255 UTF-16 units; these characters are never allowed (control characters,
# DEL and the separators/wildcards of DOS).
FAT_NAME_MAX = 255
_FAT_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f"*/:<>?\\|]')


def fat_name_problem(name):
    """Why ``name`` cannot be stored on a FAT medium by this collection, or ``None``.

    Only printable ASCII is supported: mtools runs with a C locale (see ``_proc.mtools_env``), where a
    UTF-8 name is stored byte by byte as garbled characters (``ä`` becomes ``Ã¤``) that SystemRescue,
    which compares names byte-wise, would still load under the wrong name.
    """
    if not name.isascii():
        return ('holds characters outside ASCII, which this collection does not store on FAT media (the '
                'name would be stored garbled); use ASCII letters, digits and - _ . only')
    bad = sorted(set(_FAT_FORBIDDEN.findall(name)))
    if bad:
        return 'holds characters FAT cannot store (%s); use letters, digits and - _ . only' % (
            ' '.join(repr(c) for c in bad))
    if len(name) > FAT_NAME_MAX:
        return 'is %d characters long; a FAT name holds at most %d' % (len(name), FAT_NAME_MAX)
    if name != name.rstrip('. '):
        return 'ends in a dot or a space, which FAT drops from names; remove them'
    return None


def _case_of(text):
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    if all(c.islower() for c in letters):
        return 'lower'
    if all(c.isupper() for c in letters):
        return 'upper'
    return 'mixed'


def temp_name(final, rnd=random):
    """A temporary 8.3 name whose case pattern matches ``final`` (see the module docstring)."""
    base, _dot, ext = final.rpartition('.') if '.' in final else (final, '', '')
    token = '~rf%05x' % rnd.randrange(16 ** 5)
    suffix = 'tmp'
    if _case_of(base) == 'upper':
        token = token.upper()
    if _case_of(ext) == 'upper':
        suffix = suffix.upper()
    return '%s.%s' % (token, suffix)


class FatImageMedium(Medium):
    """A FAT filesystem at a byte offset of an image file or block device."""

    kind = 'fat-image'
    folds_case = True

    def __init__(self, image, found, writable=True):
        self.image = os.path.abspath(image)
        self.found = found
        self.offset = found['offset']
        self.writable = writable
        self._env = mtools_env()
        self._info = None
        self._free = None  # bytes free, from the last listing of the root (forgotten by every change)
        self._listings = {}

    # -- mtools ----------------------------------------------------------------------------
    def _target(self, path):
        return '::/' + clean_path(path)

    def _drive(self):
        return '%s@@%d' % (self.image, self.offset)

    def _mtools(self, tool, *args, stdin=None, allow_fail=False):
        return run([tool, '-i', self._drive()] + list(args), MediumError, what='%s on %s' % (tool, self.image),
                   hint=MTOOLS_HINT, stdin=stdin, env=self._env, allow_fail=allow_fail, text=False)

    # -- Medium interface ----------------------------------------------------------------------
    def check_path(self, path):
        rel = clean_path(path)
        for part in rel.split('/') if rel else ():
            problem = fat_name_problem(part)
            if problem:
                raise MediumError('the name %r on the FAT medium %s %s; nothing was changed'
                                  % (part, self.image, problem))
        return rel

    def _geometry(self):
        """Sector and cluster size and size of the filesystem, from its boot sector (read once per run)."""
        if self._info is None:
            self._info = parse_boot_sector(read_boot_sector(self.image, self.offset))
            if self._info is None:
                raise MediumError('the filesystem at byte %d of %s has no FAT boot sector any more; it changed '
                                  'during the run: run again' % (self.offset, self.image))
        return self._info

    def describe(self):
        info = self._geometry()
        if self._free is None:
            self._list('')  # the listing of the root counts the free space too
        return {
            'kind': self.kind,
            'image': self.image,
            'partition': self.found.get('number'),
            'table': self.found.get('table'),
            'offset': self.offset,
            'fstype': 'vfat',
            'version': self.found.get('version'),
            'label': self.found.get('label'),
            'uuid': self.found.get('uuid'),
            'size': info['size'],
            'cluster_size': info['cluster_size'],
            'free': self._free,
            'read_only': not self.writable,
        }

    def label(self):
        return self.found.get('label')  # blkid read it when the partition was located

    def cluster_size(self):
        return self._geometry()['cluster_size']

    def list_dir(self, path):
        # Listings are cached for the run: every change this object makes forgets its directory. The root is
        # listed without -f ("fast": no count of the free clusters), so that the same run gives the free space.
        key = clean_path(path)
        if key not in self._listings:
            self._list(key)
        return [dict(entry) for entry in self._listings[key]]

    def _list(self, key):
        proc = self._mtools('mdir', '-a', *(['-f'] if key else []), self._target(key).rstrip('/') + '/',
                            allow_fail=True)
        text = proc.stdout.decode('utf-8', 'surrogateescape')
        self._listings[key] = [] if proc.returncode != 0 else parse_mdir(text)
        if not key and proc.returncode == 0:
            self._free = parse_free(text)

    def prefetch_listings(self, root, depth):
        """Every directory under ``root`` in one ``mdir -/`` run (mtools has no depth limit: ``depth`` is not
        needed), instead of one mdir process per directory."""
        key = clean_path(root)
        proc = self._mtools('mdir', '-/', '-a', '-f', self._target(key).rstrip('/') + '/', allow_fail=True)
        if proc.returncode != 0:
            return
        for directory, entries in parse_mdir_tree(proc.stdout.decode('utf-8', 'surrogateescape')).items():
            self._listings.setdefault(directory, entries)

    def _changed(self, path):
        """Forget the cached listing of the directory holding ``path``, and the free space."""
        self._listings.pop(posixpath.dirname(clean_path(path)), None)
        self._free = None

    def read_bytes(self, path):
        entry = self.entry(path)
        if entry is None:
            return None
        if entry['type'] == 'dir':
            raise MediumError('%s on the medium is a directory, not a file; remove or rename it' % path)
        return self._mtools('mcopy', '-n', self._target(path), '-').stdout

    def read_head(self, path, size):
        entry = self.entry(path)
        if entry is None:
            return None
        if entry['type'] == 'dir':
            raise MediumError('%s on the medium is a directory, not a file; remove or rename it' % path)
        # mcopy streams the file; it is stopped once the head is read, so a large file is not read whole
        proc = subprocess.Popen(['mcopy', '-i', self._drive(), '-n', self._target(path), '-'], env=self._env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            chunks, wanted = [], size
            while wanted > 0:
                chunk = proc.stdout.read(wanted)
                if not chunk:
                    break
                chunks.append(chunk)
                wanted -= len(chunk)
        finally:
            proc.stdout.close()
            proc.kill()
            proc.wait()
        return b''.join(chunks)

    def sha256(self, path):
        cmd = ['mcopy', '-i', self._drive(), '-n', self._target(path), '-']
        proc = subprocess.Popen(cmd, env=self._env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        digest = sha256_stream(proc.stdout)
        err = proc.stderr.read()
        if proc.wait() != 0:
            raise MediumError('mcopy could not read %s: %s' % (path, err.decode('utf-8', 'replace').strip()))
        return digest

    def copy_out(self, path, local_file):
        """Stream a file of the image to ``local_file`` with mcopy (never held in memory)."""
        entry = self.entry(path)
        if entry is None or entry['type'] != 'file':
            raise MediumError('%s is not a file on the medium' % path)
        self._mtools('mcopy', '-n', '-o', self._target(path), local_file)

    def makedirs(self, path):
        self.check_path(path)
        parts = clean_path(path).split('/') if clean_path(path) else []
        for depth in range(1, len(parts) + 1):
            sub = '/'.join(parts[:depth])
            entry = self.entry(sub)
            if entry is None:
                self._mtools('mmd', self._target(sub))
                self._changed(sub)
            elif entry['type'] != 'dir':
                raise MediumError('%s on the medium is a file, so it cannot hold %s' % (sub, path))

    def _place(self, path, write_temp):
        """Write through ``write_temp(temp_target)`` then rename over ``path``; verify the name."""
        path = self.check_path(path)
        parent, name = posixpath.split(path)
        # mren -D o would put the file in place of a directory of that name (and its content): never
        check_writable_file(self, path)
        self.makedirs(parent)
        temp = posixpath.join(parent, temp_name(name))
        try:
            write_temp(self._target(temp))
            self._mtools('mren', '-D', 'o', self._target(temp), self._target(path))
        except BaseException:
            self._mtools('mdel', self._target(temp), allow_fail=True)
            raise
        finally:
            self._changed(path)
        names = [e['name'] for e in self.list_dir(parent)]
        if name not in names:
            raise MediumError('after renaming, %s shows up as %s on the FAT medium; mtools changed the case of '
                              'the name' % (name, [n for n in names if n.lower() == name.lower()]))

    def write_bytes(self, path, data, mode=None):
        del mode  # FAT stores no file modes

        def write(temp):
            self._mtools('mcopy', '-o', '-', temp, stdin=_pipe_bytes(data))
        self._place(path, write)

    def put_file(self, path, local_file, sha256=None):
        # mcopy reads the file itself; unless the sha256 is known (an srm_build manifest, the
        # controller), a thread hashes it meanwhile (on another core, from the page cache)
        hasher = background_sha256(local_file, sha256)
        try:
            self._place(path, lambda temp: self._mtools('mcopy', '-o', local_file, temp))
        finally:
            hasher.join()
        return hasher.result()

    def remove(self, path):
        if self.exists(path):
            self._mtools('mdel', self._target(path))
            self._changed(path)

    def writable_reason(self):
        return image_writable(self.image)

    def leftovers(self, path):
        return [posixpath.join(clean_path(path), entry['name']) for entry in self.list_dir(path)
                if entry['type'] == 'file' and atomic.FAT_TEMP_NAME.match(entry['name'])]

    def lock_path(self):
        return self.image


def _pipe_bytes(data):
    """A readable file object holding ``data`` for a child's stdin (a temporary file, not a pipe,
    so that a large write cannot block)."""
    handle = tempfile.TemporaryFile()
    handle.write(data)
    handle.seek(0)
    return handle


def image_writable(image):
    """``None`` when ``image`` can be written, otherwise the reason why not."""
    try:
        st = os.stat(image)
    except OSError as exc:
        return 'cannot read %s: %s' % (image, exc.strerror)
    if stat.S_ISBLK(st.st_mode):
        name = os.path.basename(os.path.realpath(image))
        try:
            with open('/sys/class/block/%s/ro' % name) as handle:
                if handle.read().strip() == '1':
                    return '%s is a read-only block device (write-protect switch or ro flag)' % image
        except OSError:
            pass
    elif not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return '%s is read-only (mode %04o); make it writable (chmod u+w) if it is meant to change' % (
            image, stat.S_IMODE(st.st_mode))
    if not os.access(image, os.W_OK):
        return 'cannot write to %s; run the task with become or fix its permissions' % image
    return None


def _still_there(image, located):
    """``located`` (what a run just before found: the ``medium`` facts of its result) when the same filesystem is
    still at its offset of ``image`` (the volume serial in its boot sector is the one blkid read then), else
    ``None``: the partition table and filesystem are then probed again."""
    try:
        offset = int(located['offset'])
        info = parse_boot_sector(read_boot_sector(image, offset))
    except (KeyError, TypeError, ValueError, OSError):
        return None
    if info is None or located.get('fstype') != 'vfat' or info['serial'] != located.get('uuid'):
        return None
    return {'offset': offset, 'number': located.get('partition'), 'table': located.get('table'), 'fstype': 'vfat',
            'label': located.get('label'), 'version': located.get('version'), 'uuid': located.get('uuid')}


def open_fat_image(options, writable=True, located=None):
    """The FAT medium of ``options`` (``media`` with ``image``). ``located``: the ``medium`` facts a run just before
    reported for the same image; when the same filesystem is still at that offset, it is not probed again."""
    image = options['image']
    try:
        st = os.stat(image)
    except FileNotFoundError:
        raise MediumError('media image %s does not exist; give the path of a disk image file or block device'
                          % image) from None
    # anything else (a FIFO, a socket, a character device) would block or make no sense to mtools
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISBLK(st.st_mode)):
        raise MediumError('media image %s is neither a regular file nor a block device; give the path of a disk '
                          'image file or block device' % image)
    found = _still_there(image, located) if located else None
    if found is None:
        found = locate(image, partition=options.get('partition'), label=options.get('label'))
    medium = FatImageMedium(image, found, writable=writable)
    if writable:
        medium.check_writable()
    return medium
