# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ISO a remaster will write, as a read-only medium, before it is written.

The source ISO (read through :class:`.._media.iso.IsoImageMedium`, nothing extracted but what is read) with
the additions laid over it and the removed files left out. Whatever reads media (boot config discovery, the
boot entries and their early-load answer, the YAML files of ``sysrescue.d/``) reads the result this way,
so a judgment about the new ISO is made on what it will hold, not on the source.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import Medium, MediumError, clean_path


class RemasterView(Medium):
    """``source`` (a read-only medium) with ``additions`` (``[{'path', 'src' or 'data'}]``) laid over it and
    ``removed`` (medium paths of files) left out. Reads of the source are cached."""

    kind = 'remaster'

    def __init__(self, source, additions=(), removed=()):
        self.source = source
        self.writable = False
        self.added = {}
        self.removed = set(clean_path(p) for p in removed)
        self._heads = {}
        self._read = {}
        for item in additions:
            self.add(item)

    def add(self, item):
        """Lay one more addition over the source."""
        self.added[clean_path(item['path'])] = item

    def describe(self):
        return self.source.describe()

    def label(self):
        return self.source.label()

    def prefetch_listings(self, root, depth):
        self.source.prefetch_listings(root, depth)

    def _added_dirs(self, directory):
        """Names of directories that only the additions create directly in ``directory``."""
        names = set()
        prefix = directory + '/' if directory else ''
        for path in self.added:
            if path.startswith(prefix):
                rest = path[len(prefix):]
                if '/' in rest:
                    names.add(rest.split('/', 1)[0])
        return names

    def list_dir(self, path):
        directory = clean_path(path)
        entries = dict((e['name'], e) for e in self.source.list_dir(directory)
                       if posixpath.join(directory, e['name']) not in self.removed)
        for name in self._added_dirs(directory):
            entries.setdefault(name, {'name': name, 'type': 'dir', 'size': 0})
        for added_path, item in self.added.items():
            if posixpath.dirname(added_path) == directory:
                name = posixpath.basename(added_path)
                entries[name] = {'name': name, 'type': 'file', 'size': self._size(item)}
        return [dict(entries[name]) for name in sorted(entries)]

    @staticmethod
    def _size(item):
        if item.get('data') is not None:
            return len(item['data'])
        return item.get('size') or 0

    def read_bytes(self, path):
        rel = clean_path(path)
        if rel in self.added:
            item = self.added[rel]
            if item.get('data') is not None:
                return item['data']
            try:
                with open(item['src'], 'rb') as handle:
                    return handle.read()
            except OSError as exc:
                raise MediumError('cannot read %s: %s' % (item['src'], exc.strerror or exc)) from exc
        if rel in self.removed:
            return None
        if rel not in self._read:
            self._read[rel] = self.source.read_bytes(rel)
        return self._read[rel]

    def preload(self, paths, size):
        """The files of the source among ``paths`` are read ahead by the source in one go (one xorriso run for
        an ISO); the additions need no reading ahead."""
        self.source.preload([p for p in (clean_path(p) for p in paths) if p not in self.added and p not in self.removed],
                            size)

    def read_heads(self, paths, size):
        out = {}
        source_paths = []
        for path in paths:
            rel = clean_path(path)
            if rel in self.added:
                out[rel] = self.read_bytes(rel)[:size]
            elif rel in self._read and self._read[rel] is not None:
                out[rel] = self._read[rel][:size]
            elif rel not in self.removed:
                source_paths.append(rel)
        missing = [rel for rel in source_paths if (rel, size) not in self._heads]
        if missing:
            found = self.source.read_heads(missing, size)
            for rel in missing:
                self._heads[(rel, size)] = found.get(rel)
        for rel in source_paths:
            if self._heads[(rel, size)] is not None:
                out[rel] = self._heads[(rel, size)]
        return out

    def check_writable(self):
        raise MediumError('the ISO is written by sysrescue_iso, never edited in place')

    def leftovers(self, path):
        return []
