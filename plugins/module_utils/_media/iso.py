# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""An ISO9660 image file as a read-only medium, read with xorriso without mounting (the kernel of a
container may have no iso9660 driver). Listings come from xorriso's ``lsdl``, files from ``-osirrox``
extraction. Every write method refuses with the same advice as opening the ISO for writing.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._iso import image as isoimage
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import Medium, MediumError, clean_path
from ansible_collections.rescuefleet.media.plugins.module_utils._media.partitions import ISO_ADVICE


class IsoImageMedium(Medium):
    """An ISO9660 image file, read-only."""

    kind = 'iso-image'

    def __init__(self, path):
        self.iso = os.path.abspath(path)
        self.writable = False
        self._volume = isoimage.read_volume(self.iso)
        self._listings = {}
        self._prefetched = {}  # root: depth of the prefetch_listings() runs so far
        self._files = {}  # read ahead by preload()

    def describe(self):
        return {
            'kind': self.kind,
            'iso': self.iso,
            'fstype': 'iso9660',
            'label': self._volume['volume_id'],
            'size': self._volume['size'],
            'free': 0,
            'cluster_size': isoimage.SECTOR,
            'read_only': True,
        }

    def label(self):
        return self._volume['volume_id']

    def list_dir(self, path):
        key = clean_path(path)
        if key not in self._listings:
            self._listings[key] = isoimage.list_dir(self.iso, key)
        return [dict(entry) for entry in self._listings[key]]

    def prefetch_listings(self, root, depth):
        """Every directory under ``root`` (``depth`` levels) in one xorriso run, not one run per directory; a
        second call for what a first one listed already (a second discovery over the same image) runs none."""
        root = clean_path(root)
        if self._prefetched.get(root, -1) >= depth:
            return
        self._prefetched[root] = depth
        for directory, entries in isoimage.list_tree(self.iso, root, depth).items():
            self._listings.setdefault(directory, entries)

    def _extract_many(self, paths, size):
        """``{path: (first size + 1 bytes)}`` of the files among ``paths``, from one xorriso run."""
        wanted = [clean_path(p) for p in paths if (self.entry(p) or {}).get('type') == 'file']
        out = {}
        if not wanted:
            return out
        scratch = tempfile.mkdtemp(prefix='rescuefleet-iso-')
        try:
            isoimage.extract_many(self.iso, wanted, scratch)
            inside = os.path.realpath(scratch) + os.sep
            for path in wanted:
                local = os.path.join(scratch, path)
                # the image's names and links are data from outside: a directory of it extracted as a link to the
                # host (boot -> /etc) must not make this read a host file
                if os.path.isfile(local) and not os.path.islink(local) and \
                        os.path.realpath(local).startswith(inside):
                    with open(local, 'rb') as handle:
                        out[path] = handle.read(size + 1)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return out

    def preload(self, paths, size):
        """Extract the small files among ``paths`` together, for the :meth:`read_bytes` calls that follow."""
        for path, data in self._extract_many([p for p in paths if clean_path(p) not in self._files], size).items():
            if len(data) <= size:
                self._files[path] = data

    def read_heads(self, paths, size):
        """The first ``size`` bytes of each file of ``paths``, extracted together in one xorriso run."""
        return dict((path, data[:size]) for path, data in self._extract_many(paths, size).items())

    @contextlib.contextmanager
    def _extracted(self, path):
        entry = self.entry(path)
        if entry is None:
            yield None
            return
        if entry['type'] != 'file':
            raise MediumError('%s in the ISO image is a %s, not a file' % (path, entry['type']))
        scratch = tempfile.mkdtemp(prefix='rescuefleet-iso-')
        try:
            local = os.path.join(scratch, 'member')
            isoimage.extract(self.iso, clean_path(path), local)
            yield local
        finally:
            for name in os.listdir(scratch):
                os.unlink(os.path.join(scratch, name))
            os.rmdir(scratch)

    def read_bytes(self, path):
        if clean_path(path) in self._files:
            return self._files[clean_path(path)]
        with self._extracted(path) as local:
            if local is None:
                return None
            with open(local, 'rb') as handle:
                return handle.read()

    def sha256(self, path):
        with self._extracted(path) as local:
            if local is None:
                raise MediumError('%s does not exist in the ISO image' % path)
            return sha256_file(local)

    def copy_out(self, path, local_file):
        if self.entry(path) is None:
            raise MediumError('%s does not exist in the ISO image' % path)
        isoimage.extract(self.iso, clean_path(path), local_file)

    def check_writable(self):
        raise MediumError('%s: %s' % (self.iso, ISO_ADVICE))

    def _refuse(self, *_args, **_kwargs):
        self.check_writable()

    write_bytes = put_file = remove = makedirs = _refuse

    def leftovers(self, path):
        return []

    # shared: a writer (sysrescue_iso renames a new file into place) never changes this file's bytes
    exclusive_lock = False

    def lock_path(self):
        return self.iso
