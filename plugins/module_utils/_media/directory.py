# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A medium that is a directory tree: a mounted stick, or a PXE/NFS/HTTP tree.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import errno
import os
import posixpath
import shutil
import stat
import subprocess

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import background_sha256, sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import Medium, MediumError, clean_path, in_the_way

# Linux limits: NAME_MAX bytes per name, PATH_MAX bytes per path.
NAME_MAX = 255
PATH_MAX = 4096
# What _atomic adds around a name for its temporary file: ".NAME.rf-tmp-" plus mkstemp's 8 characters.
TEMP_EXTRA = len('.') + len(atomic.MARKER) + 8


class DirectoryMedium(Medium):
    """A mounted filesystem or a plain directory tree."""

    kind = 'directory'

    def __init__(self, root, writable=True):
        self.root = os.path.abspath(root)
        if not os.path.isdir(self.root):
            raise MediumError('media path %s is not a directory; give the mount point of the medium or the '
                              'root of the PXE tree' % self.root)
        # the root itself may be a symlink (/media/stick -> /run/media/...): paths are checked against
        # where it really is
        self.real_root = os.path.realpath(self.root)
        self.writable = writable
        self._mount = None
        self._real_dirs = {}  # where each directory of the medium resolved to in this run (see _real)

    def _abs(self, path, follow_last=True):
        """The host path of medium path ``path``, refused when it leads outside the medium.

        A symlink anywhere in the path (``sysresccd`` -> ``/etc``) would make a write, rename, delete
        or read act on another filesystem tree; symlinks that stay inside the medium are followed.
        The final component is resolved too (reading or hashing through a link must not leak host files),
        unless ``follow_last`` is false: removing a link removes the link, wherever it points.
        """
        rel = clean_path(path)
        full = os.path.join(self.root, rel) if rel else self.root
        real = self._real(full if follow_last or not rel else os.path.dirname(full))
        if real != self.real_root and not real.startswith(self.real_root.rstrip('/') + '/'):
            raise MediumError('%s on the medium at %s leads to %s, outside the medium (through a symlink); '
                              'the collection never writes, deletes or reads outside the medium. Replace the '
                              'symlink with a directory on the medium (or point media.path at the real tree); '
                              'nothing was changed' % (rel or '/', self.root, real))
        return full

    def _real(self, full):
        """``os.path.realpath(full)``, without resolving the same directories again for every file in them (a
        PXE tree holds tens of thousands): the directory's resolution is kept for the run, and only the last
        component is looked at (resolved in full when it is a symlink). Forgotten when the medium removes a
        directory."""
        parent, name = os.path.split(full)
        if not name or full == self.root:
            return os.path.realpath(full)
        real_parent = self._real_dirs.get(parent)
        if real_parent is None:
            real_parent = self._real_dirs[parent] = os.path.realpath(parent)
        try:
            if stat.S_ISLNK(os.lstat(full).st_mode):
                return os.path.realpath(full)
        except OSError:  # missing (or not reachable): realpath keeps the name as it is
            pass
        return os.path.join(real_parent, name)

    def check_path(self, path):
        """Refuse a path this filesystem cannot hold, counting the temporary name of an atomic write."""
        rel = clean_path(path)
        for part in rel.split('/') if rel else ():
            size = len(os.fsencode(part))
            if size > NAME_MAX:
                raise MediumError('the name %r on the medium is %d bytes long; a file name holds at most %d bytes: '
                                  'use a shorter name; nothing was changed' % (part, size, NAME_MAX))
        name = posixpath.basename(rel)
        if name and len(os.fsencode(name)) + TEMP_EXTRA > NAME_MAX:
            raise MediumError('the name %r is too long: it is written under the temporary name .%s%sXXXXXXXX, '
                              'which must fit in %d bytes, so the name may have at most %d bytes; use a shorter '
                              'name; nothing was changed' % (name, name, atomic.MARKER, NAME_MAX,
                                                             NAME_MAX - TEMP_EXTRA))
        if len(os.fsencode(os.path.join(self.root, rel))) + TEMP_EXTRA >= PATH_MAX:
            raise MediumError('the path %s on the medium is too long (the limit is %d bytes with the temporary '
                              'name); use a shorter path; nothing was changed' % (rel, PATH_MAX))
        return rel

    def _mount_facts(self):
        """``(fstype, device, label)`` of the filesystem holding the root, probed once (blkid for the label)."""
        if self._mount is None:
            fstype, device = _mount_of(self.root)
            self._mount = (fstype, device, _device_label(device))
        return self._mount

    def label(self):
        return self._mount_facts()[2]

    def describe(self):
        st = os.statvfs(self.root)
        fstype, device, label = self._mount_facts()
        return {
            'kind': self.kind,
            'path': self.root,
            'fstype': fstype,
            'device': device,
            'label': label,
            'size': st.f_blocks * st.f_frsize,
            'cluster_size': st.f_frsize,
            'free': st.f_bavail * st.f_frsize,
            'read_only': bool(st.f_flag & os.ST_RDONLY),
        }

    def writable_reason(self):
        st = os.statvfs(self.root)
        if st.f_flag & os.ST_RDONLY:
            fstype = self._mount_facts()[0]
            hint = ''
            if fstype == 'iso9660':
                hint = (' It is an ISO9660 medium (written like a CD-ROM, e.g. with dd): SRMs and YAML cannot '
                        'be added to it. Write the stick with a FAT partition instead, or remaster the ISO '
                        'with sysrescue_iso.')
            return 'the medium at %s is mounted read-only.%s' % (self.root, hint)
        if not os.access(self.root, os.W_OK):
            return 'cannot write to %s; run the task with become or fix its permissions' % self.root
        return None

    def list_dir(self, path):
        full = self._abs(path)
        try:
            with os.scandir(full) as it:
                out = []
                for entry in it:
                    if entry.is_dir(follow_symlinks=False):
                        out.append({'name': entry.name, 'type': 'dir', 'size': 0})
                    elif entry.is_file(follow_symlinks=False):
                        out.append({'name': entry.name, 'type': 'file', 'size': entry.stat().st_size})
                    elif not entry.is_symlink():
                        out.append({'name': entry.name, 'type': 'other', 'size': 0})  # FIFO, socket, device
                return sorted(out, key=lambda e: e['name'])
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            return []

    def exists(self, path):
        return os.path.lexists(self._abs(path))

    def _regular(self, path):
        """The host path of an existing regular file, ``None`` when missing; never opens a FIFO or device.

        Opening a FIFO blocks until a writer comes, and a device could be anything: refuse both.
        """
        full = self._abs(path)
        try:
            st = os.stat(full)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        if stat.S_ISDIR(st.st_mode):
            raise MediumError('%s on the medium is a directory, not a file; remove or rename it' % path)
        if not stat.S_ISREG(st.st_mode):
            raise MediumError('%s on the medium is not a regular file (a FIFO, socket or device); remove it, '
                              'the collection only reads regular files there' % path)
        return full

    def read_bytes(self, path):
        return self.read_head(path, -1)

    def read_head(self, path, size):
        full = self._regular(path)
        if full is None:
            return None
        # O_NONBLOCK: should the file be swapped for a FIFO after the check, open does not wait for a writer
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, 'rb') as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise MediumError('%s on the medium is not a regular file; remove it' % path)
            return handle.read(size)

    def read_files(self, directory, names):
        """``{name: content}`` of the regular files ``names`` in ``directory`` (missing ones are left out): the
        directory is resolved once and each file opened relative to it, never through a symlink, for a directory
        of tens of thousands of files (a PXE tree). A name that is a symlink or not a regular file is refused."""
        out = {}
        try:
            dir_fd = os.open(self._abs(directory), os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            return out
        try:
            for name in names:
                rel = posixpath.join(clean_path(directory), name)
                try:
                    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW, dir_fd=dir_fd)
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    if exc.errno == errno.ELOOP:
                        raise MediumError('%s on the medium is a symlink; the collection reads only regular files '
                                          'there: replace it with a file' % rel) from exc
                    raise
                try:
                    st = os.fstat(fd)
                    if not stat.S_ISREG(st.st_mode):
                        raise MediumError('%s on the medium is not a regular file; remove or rename it' % rel)
                    chunks = []
                    while True:
                        chunk = os.read(fd, max(st.st_size + 1, 65536))
                        if not chunk:
                            break
                        chunks.append(chunk)
                    out[name] = b''.join(chunks)
                finally:
                    os.close(fd)
        finally:
            os.close(dir_fd)
        return out

    def makedirs(self, path):
        full = self._abs(path)
        self.check_path(path)
        try:
            os.makedirs(full, exist_ok=True)
        except FileExistsError as exc:
            raise MediumError('cannot create the directory %s on the medium: a file of that name (or of one of '
                              'its parents) is in the way; remove or rename it' % clean_path(path)) from exc
        except NotADirectoryError as exc:
            raise MediumError('cannot create the directory %s on the medium: one of its parents is a file; '
                              'remove or rename it' % clean_path(path)) from exc
        self._abs(path)  # a link created meanwhile must not lead out either

    def _prepare(self, path, made=None):
        """The host path to write ``path`` at, its parents made; ``made`` holds the parents made already."""
        self.check_path(path)
        full = self._abs(path)
        parent = posixpath.dirname(clean_path(path))
        if parent and (made is None or parent not in made):
            self.makedirs(parent)
            if made is not None:
                made.add(parent)
        try:
            mode = os.lstat(full).st_mode  # one call for what is there (tens of thousands of files in a PXE tree)
        except FileNotFoundError:
            return full
        if stat.S_ISDIR(mode):
            raise in_the_way(path)
        if not stat.S_ISREG(mode) and not stat.S_ISLNK(mode):
            raise in_the_way(path, 'a special file (FIFO, socket or device)')
        return full

    def write_bytes(self, path, data, mode=None):
        atomic.write_bytes(self._prepare(path), data, mode)

    def write_many(self, items, mode=None):
        """``write_bytes`` of each ``(path, data)`` of ``items``, with one flush to the disk for all of them
        (see ``_atomic.write_many``)."""
        made = set()  # each parent is made (or found) once, not once per file
        atomic.write_many([(self._prepare(path, made), data, mode) for path, data in items])

    def put_file(self, path, local_file, sha256=None):
        hasher = background_sha256(local_file, sha256)
        try:
            atomic.copy_file(local_file, self._prepare(path))
        finally:
            hasher.join()
        return hasher.result()

    def sha256(self, path):
        full = self._regular(path)
        if full is None:
            raise MediumError('%s does not exist on the medium' % path)
        return sha256_file(full)

    def copy_out(self, path, local_file):
        full = self._regular(path)
        if full is None:
            raise MediumError('%s does not exist on the medium' % path)
        shutil.copyfile(full, local_file)

    def leftovers(self, path):
        # the names are enough: no stat of every file of a large directory
        try:
            with os.scandir(self._abs(path)) as it:
                names = sorted(entry.name for entry in it if atomic.is_temp_name(entry.name) and (
                    entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False)))
        except (FileNotFoundError, NotADirectoryError):
            return []
        return [posixpath.join(clean_path(path), name) for name in names]

    def remove(self, path):
        full = self._abs(path, follow_last=False)
        if os.path.islink(full):
            # a link that stays inside the medium: remove the link, never what it points at
            os.unlink(full)
            return
        if os.path.isdir(full):
            atomic.remove(full)  # only leftovers are directories (srm_build's staging trees)
            self._real_dirs.clear()
            return
        try:
            os.unlink(full)
        except FileNotFoundError:
            pass

    def local_path(self, path):
        return self._abs(path)

    def lock_path(self):
        return self.root  # the root directory itself, so that no lock file is left in the tree


def _device_label(device):
    """Filesystem label of a mounted block device, through blkid; ``None`` when unknown."""
    if not device or not device.startswith('/dev/'):
        return None
    try:
        proc = subprocess.run(['blkid', '-o', 'value', '-s', 'LABEL', device], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, check=False)
    except OSError:
        return None
    label = proc.stdout.decode('utf-8', 'replace').strip()
    return label or None


def _mount_of(path):
    """``(fstype, device)`` of the mount holding ``path``, from /proc/self/mounts."""
    best = ('', None, None)
    try:
        with open('/proc/self/mounts', 'r') as handle:
            for line in handle:
                fields = line.split()
                if len(fields) < 3:
                    continue
                mount_point = fields[1].replace('\\040', ' ')
                if (path == mount_point or path.startswith(mount_point.rstrip('/') + '/')) and \
                        len(mount_point) >= len(best[0]):
                    best = (mount_point, fields[2], fields[0])
    except OSError:
        pass
    return best[1], best[2]
