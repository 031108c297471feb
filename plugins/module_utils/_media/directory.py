# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A medium that is a directory tree: a mounted stick, or a PXE/NFS/HTTP tree.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import background_sha256, sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import Medium, MediumError, clean_path


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

    def writable_reason(self):
        st = os.statvfs(self.root)
        if st.f_flag & os.ST_RDONLY:
            fstype, _device = _mount_of(self.root)
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
        atomic.write_bytes(self._prepare(path), data)

    def put_file(self, path, local_file, sha256=None):
        hasher = background_sha256(local_file, sha256)
        try:
            atomic.copy_file(local_file, self._prepare(path))
        finally:
            hasher.join()
        return hasher.result()

    def sha256(self, path):
        return sha256_file(self._abs(path))

    def copy_out(self, path, local_file):
        try:
            shutil.copyfile(self._abs(path), local_file)
        except FileNotFoundError as exc:
            raise MediumError('%s does not exist on the medium' % path) from exc

    def leftovers(self, path):
        return [posixpath.join(clean_path(path), entry['name']) for entry in self.list_dir(path)
                if atomic.is_temp_name(entry['name'])]

    def remove(self, path):
        full = self._abs(path)
        if os.path.isdir(full) and not os.path.islink(full):
            atomic.remove(full)  # only leftovers are directories (srm_build's staging trees)
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
