# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A PXE tree and the files its clients need: what it should hold, and how that differs from what it holds.

:class:`PxeTree` is the HTTP root and the TFTP root (often the same directory) as directory media
(:class:`~.._media.directory.DirectoryMedium`): every write goes to a temporary name renamed into
place, under the media's lock, and a path that leads out of a root through a symlink is refused. A
root that does not exist yet counts as empty, so check mode on a first run predicts the real run; it
is created when the first file is written into it.

:func:`wanted_files` renders every client's YAML (with the collection's YAML writer) and boot files;
:func:`compare` lists the files to write and the stale ones to remove. Stale files are removed only
when they are ours: boot files carrying :data:`.bootfiles.MARKERS`, YAML files starting with the header
of the YAML writer.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import os
import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe import bootfiles
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.clients import PxeError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import HEADER, render_reading
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import validate

FILE_MODE = 0o644
KINDS = ('http', 'tftp')


class PxeTree:
    """The HTTP and TFTP roots of a PXE tree; files are addressed as ``(kind, relative path)``."""

    def __init__(self, http_root, tftp_root=None):
        self.roots = {'http': os.path.abspath(http_root), 'tftp': os.path.abspath(tftp_root or http_root)}
        self._media = {}

    def _medium(self, kind, create=False):
        """The :class:`DirectoryMedium` of a root, or ``None`` while it does not exist (made when ``create``)."""
        root = self.roots[kind]
        for known in self._media.values():
            if known.root == root:
                return known
        if not os.path.isdir(root):
            if not create:
                return None
            os.makedirs(root, exist_ok=True)
        medium = DirectoryMedium(root)
        self._media[kind] = medium
        return medium

    def host_path(self, kind, rel):
        return os.path.join(self.roots[kind], rel)

    @contextlib.contextmanager
    def locked(self):
        """The lock of every root that exists, each once, in the order of their paths (so that two runs
        with the roots swapped cannot wait for each other)."""
        media = []
        for kind in KINDS:
            medium = self._medium(kind)
            if medium is not None and all(medium is not other for other in media):
                media.append(medium)
        with contextlib.ExitStack() as stack:
            for medium in sorted(media, key=lambda m: m.real_root):
                stack.enter_context(medium.locked())
            yield

    def list_dir(self, kind, rel):
        """``{name: listing entry}`` of a directory (empty when it or its root is missing)."""
        medium = self._medium(kind)
        return {} if medium is None else {entry['name']: entry for entry in medium.list_dir(rel)}

    def exists(self, kind, rel):
        """Whether anything is at ``rel`` (a link too); refuses a link that leads out of the root."""
        medium = self._medium(kind)
        return medium is not None and medium.exists(rel)

    def read_bytes(self, kind, rel):
        medium = self._medium(kind)
        return None if medium is None else medium.read_bytes(rel)

    def write_bytes(self, kind, rel, data):
        self._medium(kind, create=True).write_bytes(rel, data, mode=FILE_MODE)

    def remove(self, kind, rel):
        self._medium(kind).remove(rel)

    def leftovers(self, place):
        kind, rel = place
        medium = self._medium(kind)
        return [] if medium is None else medium.leftovers(rel)

    def sweep(self, place):
        kind, rel = place
        medium = self._medium(kind)
        return [] if medium is None else medium.sweep(rel)

    def close(self):
        for medium in self._media.values():
            medium.close()


def scanned_dirs(site):
    """``[((kind, directory), directory kind)]`` where per-client files live; the directory kind tells
    the file names apart."""
    return [
        (('http', site.hosts_dir), 'yaml'),
        (('tftp', 'pxelinux.cfg'), 'pxelinux'),
        (('tftp', site.grub_dir), 'grub'),
        (('tftp', ''), 'ipxe'),
    ]


def wanted_files(site, clients, menus=True):
    """``(files, problems, warned)``: ``files`` is ``{(kind, path): (client name or None, bytes, YAML
    reading or None)}``, ``problems`` the clients' configurations that would not work as meant,
    ``warned`` ``{warning: [client names]}``."""
    files = {}
    problems = []
    warned = {}
    for client in clients:
        if site.writes_yaml:
            errors, warnings = validate(client.config)
            problems.extend('%s: %s' % (client.name, error) for error in errors)
            for warning in warnings:
                warned.setdefault(warning, []).append(client.name)
            read = render_reading(client.config)
            files[('http', posixpath.join(site.hosts_dir, client.name + '.yaml'))] = (client.name, read.data, read)
        for kind, rel, text in bootfiles.host_files(site, client):
            files[(kind, rel)] = (client.name, text.encode('utf-8'), None)
    if menus:
        for kind, rel, text in bootfiles.default_files(site):
            files[(kind, rel)] = (None, text.encode('utf-8'), None)
    return files, problems, warned


def is_ours(directory_kind, data):
    head = data[:512]
    if directory_kind == 'yaml':
        return head.startswith(HEADER.encode('utf-8'))
    return any(marker.encode('utf-8') in head for marker in bootfiles.MARKERS)


def compare(tree, site, files):
    """``(changes, unchanged, stale)``: ``changes`` ``[((kind, path), client, old bytes or None, new bytes)]``
    of the wanted files that differ, ``unchanged`` how many do not, ``stale`` ``[((kind, path), bytes)]``
    of our files the tree holds but no longer needs."""
    listings = {}
    changes = []
    unchanged = 0
    for (kind, rel), (client, new, _read) in files.items():
        directory, name = posixpath.split(rel)
        if (kind, directory) not in listings:
            listings[(kind, directory)] = tree.list_dir(kind, directory)
        entry = listings[(kind, directory)].get(name)
        if entry is not None and entry['type'] == 'dir':
            raise PxeError('%s is a directory where pxe_hosts writes a file: move it away' % tree.host_path(kind, rel))
        # a link at the place (never listed) is read only where it stays inside the tree: one that leads out is
        # refused here, before anything is written, and its target is never read (nor shown in a diff)
        old = tree.read_bytes(kind, rel) if entry is not None or tree.exists(kind, rel) else None
        if old == new:
            unchanged += 1
        else:
            changes.append(((kind, rel), client, old, new))
    stale = []
    for (kind, directory), directory_kind in scanned_dirs(site):
        if (kind, directory) not in listings:
            listings[(kind, directory)] = tree.list_dir(kind, directory)
        for name, entry in sorted(listings[(kind, directory)].items()):
            rel = posixpath.join(directory, name) if directory else name
            if (kind, rel) in files or entry['type'] != 'file':
                continue
            if directory_kind == 'yaml':
                if not name.endswith('.yaml'):
                    continue
            elif not bootfiles.is_host_file_name(directory_kind, name):
                continue
            data = tree.read_bytes(kind, rel)
            if data is not None and is_ours(directory_kind, data):
                stale.append(((kind, rel), data))
    return changes, unchanged, stale
