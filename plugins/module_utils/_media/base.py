# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""One interface over a boot filesystem, however it is reached.

``open_medium(options)`` takes the ``media`` option of the modules (see the
``rescuefleet.media.media`` doc fragment) and returns a :class:`Medium`:

- :class:`DirectoryMedium` for ``path``: a mounted stick or a PXE/NFS/HTTP tree;
- a FAT partition of a disk image or block device reached with mtools, without mounting
  (``image`` with ``partition`` or ``label``), from :mod:`._fatimage`.

Paths on a medium are relative POSIX paths such as ``sysresccd/10-tools.srm``. Every write
goes to a temporary name that starts with a dot and is renamed into place.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import posixpath
import shutil
import subprocess
import threading

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic

COPY_CHUNK = 4 * 1024 * 1024


class MediumError(Exception):
    """The medium cannot be used as asked; the message says why and what to do."""


def clean_path(path):
    """Normalise a medium path; refuse absolute escapes and ``..``."""
    parts = [p for p in str(path).replace('\\', '/').split('/') if p not in ('', '.')]
    if '..' in parts:
        raise MediumError('path %r on the medium contains ".."' % (path,))
    return '/'.join(parts)


def sha256_stream(handle):
    digest = hashlib.sha256()
    while True:
        chunk = handle.read(COPY_CHUNK)
        if not chunk:
            break
        digest.update(chunk)
    return digest.hexdigest()


class HashingThread(threading.Thread):
    """sha256 of a local file, computed in the background while another process copies it."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.digest = None
        self.error = None

    def run(self):
        try:
            with open(self.path, 'rb') as handle:
                self.digest = sha256_stream(handle)
        except OSError as exc:
            self.error = exc

    def result(self):
        if self.error is not None:
            raise MediumError('cannot read %s: %s' % (self.path, self.error.strerror))
        return self.digest


class _KnownHash:
    """Stands in for a HashingThread when the sha256 is known already."""

    def __init__(self, digest):
        self.digest = digest

    def start(self):
        pass

    def join(self):
        pass

    def result(self):
        return self.digest


class Medium:
    """What every medium offers. Paths are relative to the filesystem root."""

    kind = 'abstract'

    def describe(self):
        """``{'kind', 'fstype', 'label', 'size', 'free', ...}``."""
        raise NotImplementedError

    def list_dir(self, path):
        """``[{'name', 'type': 'file'|'dir', 'size'}]`` of a directory, or ``[]`` when it is missing."""
        raise NotImplementedError

    def exists(self, path):
        raise NotImplementedError

    def read_bytes(self, path):
        """Content of a file, or ``None`` when it does not exist."""
        raise NotImplementedError

    def write_bytes(self, path, data):
        """Atomically create or replace a file with ``data``; parent directories are created."""
        raise NotImplementedError

    def put_file(self, path, local_file, sha256=None):
        """Atomically create or replace ``path`` with a copy of a local file, streamed.

        Returns the sha256 of the file: ``sha256`` when the caller already knows it, otherwise
        computed while the copy runs.
        """
        raise NotImplementedError

    def remove(self, path):
        raise NotImplementedError

    def sha256(self, path):
        raise NotImplementedError

    def copy_out(self, path, local_file):
        """Copy file ``path`` of the medium to ``local_file`` on this host (created or replaced)."""
        data = self.read_bytes(path)
        if data is None:
            raise MediumError('%s does not exist on the medium' % path)
        with open(local_file, 'wb') as handle:
            handle.write(data)

    def free_bytes(self):
        return self.describe()['free']

    def cluster_size(self):
        """Allocation unit: files take whole clusters."""
        return self.describe().get('cluster_size') or 4096

    def makedirs(self, path):
        raise NotImplementedError

    def sweep(self, path):
        """Remove temporary files left in directory ``path`` by interrupted runs; returns their paths."""
        raise NotImplementedError

    @contextlib.contextmanager
    def locked(self):
        """Serialise runs on the same medium."""
        yield

    def read_text(self, path):
        data = self.read_bytes(path)
        return None if data is None else data.decode('utf-8', 'surrogateescape')

    def close(self):
        pass


class DirectoryMedium(Medium):
    """A mounted filesystem or a plain directory tree."""

    kind = 'directory'

    def __init__(self, root, writable=True):
        self.root = os.path.abspath(root)
        if not os.path.isdir(self.root):
            raise MediumError('media path %s is not a directory; give the mount point of the medium or the '
                              'root of the PXE tree' % self.root)
        self.writable = writable

    def _abs(self, path):
        path = clean_path(path)
        return os.path.join(self.root, path) if path else self.root

    def describe(self):
        st = os.statvfs(self.root)
        fstype, device = _mount_of(self.root)
        return {
            'kind': self.kind,
            'path': self.root,
            'fstype': fstype,
            'device': device,
            'label': _device_label(device),
            'size': st.f_blocks * st.f_frsize,
            'cluster_size': st.f_frsize,
            'free': st.f_bavail * st.f_frsize,
            'read_only': bool(st.f_flag & os.ST_RDONLY),
        }

    def check_writable(self):
        st = os.statvfs(self.root)
        if st.f_flag & os.ST_RDONLY:
            fstype, _device = _mount_of(self.root)
            hint = ''
            if fstype == 'iso9660':
                hint = (' It is an ISO9660 medium (written like a CD-ROM, e.g. with dd): SRMs and YAML cannot '
                        'be added to it. Write the stick with a FAT partition instead, or remaster the ISO '
                        'with sysrescue-customize.')
            raise MediumError('the medium at %s is mounted read-only.%s' % (self.root, hint))
        if not os.access(self.root, os.W_OK):
            raise MediumError('cannot write to %s; run the task with become or fix its permissions' % self.root)

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
                return sorted(out, key=lambda e: e['name'])
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            return []

    def exists(self, path):
        return os.path.lexists(self._abs(path))

    def read_bytes(self, path):
        try:
            with open(self._abs(path), 'rb') as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise MediumError('%s on the medium is a directory, not a file' % path)

    def makedirs(self, path):
        os.makedirs(self._abs(path), exist_ok=True)

    def _prepare(self, path):
        full = self._abs(path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return full

    def write_bytes(self, path, data):
        full = self._prepare(path)
        temp = atomic.make_temp_file(full)
        try:
            with open(temp, 'wb') as handle:
                handle.write(data)
            _keep_mode(full, temp)
            atomic.replace(temp, full)
        except BaseException:
            atomic.remove(temp)
            raise

    def put_file(self, path, local_file, sha256=None):
        full = self._prepare(path)
        temp = atomic.make_temp_file(full)
        hasher = _KnownHash(sha256) if sha256 else HashingThread(local_file)
        hasher.start()
        try:
            shutil.copyfile(local_file, temp)
            _keep_mode(full, temp)
            atomic.replace(temp, full)
        except BaseException:
            atomic.remove(temp)
            raise
        finally:
            hasher.join()
        return hasher.result()

    def remove(self, path):
        try:
            os.unlink(self._abs(path))
        except FileNotFoundError:
            pass

    def sha256(self, path):
        with open(self._abs(path), 'rb') as handle:
            return sha256_stream(handle)

    def copy_out(self, path, local_file):
        try:
            shutil.copyfile(self._abs(path), local_file)
        except FileNotFoundError:
            raise MediumError('%s does not exist on the medium' % path)

    def sweep(self, path):
        """Remove temporary files left in directory ``path`` by interrupted runs."""
        removed = []
        for entry in self.list_dir(path):
            if atomic.MARKER in entry['name'] and entry['name'].startswith('.'):
                atomic.remove(os.path.join(self._abs(path), entry['name']))
                removed.append(posixpath.join(clean_path(path), entry['name']))
        return removed

    @contextlib.contextmanager
    def locked(self):
        """An advisory lock on the root directory itself, so that nothing is left in the tree."""
        fd = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def _keep_mode(existing, temp):
    try:
        os.chmod(temp, os.stat(existing).st_mode & 0o7777)
    except FileNotFoundError:
        os.chmod(temp, 0o644)
    except PermissionError:
        pass  # FAT and friends: modes are not stored


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


def media_argument_spec(required=True):
    """The ``media`` option of every module that works on a medium (documented by the media doc fragment)."""
    return dict(type='dict', required=required, options=dict(
        path=dict(type='path'),
        image=dict(type='path'),
        partition=dict(type='int'),
        label=dict(type='str'),
    ), mutually_exclusive=[('path', 'image')], required_one_of=[('path', 'image')])


def open_medium(options, writable=True):
    """A :class:`Medium` for the ``media`` option; raises :class:`MediumError` with advice."""
    options = options or {}
    if options.get('path') and options.get('image'):
        raise MediumError('media takes either path (a mounted filesystem or directory) or image (a disk image or '
                          'block device), not both')
    if options.get('path'):
        medium = DirectoryMedium(options['path'], writable=writable)
        if writable:
            medium.check_writable()
        return medium
    if options.get('image'):
        from ansible_collections.rescuefleet.media.plugins.module_utils._media.fatimage import open_fat_image
        return open_fat_image(options, writable=writable)
    raise MediumError('media needs path (a mounted filesystem or directory) or image (a disk image or block device)')
