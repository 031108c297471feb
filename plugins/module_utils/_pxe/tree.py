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
import json
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
        for kind, root in sorted(self.roots.items()):
            if os.path.lexists(root) and not os.path.isdir(root):
                raise PxeError('%s_root %s exists and is not a directory; give the directory of the tree (nothing was '
                               'changed)' % (kind, root))

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

    def check_writable(self, kinds):
        """Refuse (check mode too) roots of ``kinds`` that a real run could not write: an existing root through
        its medium's check, a missing one by the nearest directory above it, where it would be created."""
        for kind in sorted(set(kinds)):
            medium = self._medium(kind)
            if medium is not None:
                reason = medium.writable_reason()
            else:
                above = os.path.dirname(self.roots[kind])
                while not os.path.isdir(above):
                    above = os.path.dirname(above)
                reason = None if os.access(above, os.W_OK) else (
                    '%s_root %s does not exist and cannot be created in %s (%s); create it, run the task with become, '
                    'or give another %s_root' % (kind, self.roots[kind], above, 'a read-only filesystem'
                                                 if os.statvfs(above).f_flag & os.ST_RDONLY else 'permission denied',
                                                 kind))
            if reason:
                raise PxeError('%s; nothing was changed' % reason)

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

    def read_files(self, kind, directory, names):
        """``{name: bytes}`` of the regular files ``names`` of a directory (see ``DirectoryMedium.read_files``)."""
        medium = self._medium(kind)
        return {} if medium is None else medium.read_files(directory, names)

    def write_bytes(self, kind, rel, data):
        self._medium(kind, create=True).write_bytes(rel, data, mode=FILE_MODE)

    def write_many(self, items):
        """Write each ``((kind, relative path), bytes)`` of ``items``, with one flush to the disk per root."""
        by_kind = {}
        for (kind, rel), data in items:
            by_kind.setdefault(kind, []).append((rel, data))
        for kind in KINDS:
            if by_kind.get(kind):
                self._medium(kind, create=True).write_many(by_kind[kind], mode=FILE_MODE)

    def remove(self, kind, rel):
        self._medium(kind).remove(rel)

    def leftovers(self, place):
        kind, rel = place
        medium = self._medium(kind)
        return [] if medium is None else medium.leftovers(rel)

    def sweep(self, place, found=None):
        kind, rel = place
        medium = self._medium(kind)
        return [] if medium is None else medium.sweep(rel, found)

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
    checked = {}  # clients with the same configuration (most of a fleet) share its check and its YAML
    for client in clients:
        if site.writes_yaml:
            key = _config_key(client.config)
            if key is None or key not in checked:
                errors, warnings = validate(client.config)
                checked[key] = (errors, warnings, render_reading(client.config))
            errors, warnings, read = checked[key]
            problems.extend('%s: %s' % (client.name, error) for error in errors)
            for warning in warnings:
                warned.setdefault(warning, []).append(client.name)
            files[('http', posixpath.join(site.hosts_dir, client.name + '.yaml'))] = (client.name, read.data, read)
        for kind, rel, text in bootfiles.host_files(site, client):
            files[(kind, rel)] = (client.name, text.encode('utf-8'), None)
    if menus:
        for kind, rel, text in bootfiles.default_files(site):
            files[(kind, rel)] = (None, text.encode('utf-8'), None)
    return files, problems, warned


def _config_key(config):
    """The identity of a configuration (a mapping of JSON values), or ``None`` when it has none this can compute;
    the YAML rendered for it sorts the keys, so their order does not count."""
    try:
        return json.dumps(config, sort_keys=True)
    except (TypeError, ValueError):
        return None


def is_ours(directory_kind, data):
    head = data[:512]
    if directory_kind == 'yaml':
        return head.startswith(HEADER.encode('utf-8'))
    return any(marker.encode('utf-8') in head for marker in bootfiles.MARKERS)


def _check_directories(tree, places, listings):
    """Refuse, before the first write, a directory the files need where the tree holds a file (or a special
    file) of that name: it would be found only when the writes are half done."""
    for kind, directory in places:
        parts = directory.split('/')
        for depth, name in enumerate(parts):
            parent = '/'.join(parts[:depth])
            if (kind, parent) not in listings:
                listings[(kind, parent)] = tree.list_dir(kind, parent)
            entry = listings[(kind, parent)].get(name)
            if entry is not None and entry['type'] != 'dir':
                raise PxeError('%s is a file where pxe_hosts needs a directory: move it away (nothing was changed)'
                               % tree.host_path(kind, posixpath.join(parent, name)))


def compare(tree, site, files, adopt=False):
    """``(changes, unchanged, stale)``: ``changes`` ``[((kind, path), client, old bytes or None, new bytes)]``
    of the wanted files that differ, ``unchanged`` how many do not, ``stale`` ``[((kind, path), bytes)]``
    of our files the tree holds but no longer needs.

    A file to be rewritten that this module did not write (no marker: a site's own ``pxelinux.cfg/default``,
    a hand-written per-MAC file) is refused with :class:`UnownedFiles`, unless ``adopt``."""
    listings = {}
    present = {}  # (kind, directory): the wanted names the listing has
    linked = []  # wanted places the listing leaves out that hold something all the same: links
    for (kind, rel) in files:
        directory, name = posixpath.split(rel)
        if (kind, directory) not in listings:
            listings[(kind, directory)] = tree.list_dir(kind, directory)
            present[(kind, directory)] = []
        entry = listings[(kind, directory)].get(name)
        if entry is not None and entry['type'] != 'file':
            raise PxeError('%s is %s where pxe_hosts writes a file: move it away (nothing was changed)'
                           % (tree.host_path(kind, rel), 'a directory' if entry['type'] == 'dir'
                              else 'a special file (FIFO, socket or device)'))
        if entry is not None:
            present[(kind, directory)].append(name)
        elif tree.exists(kind, rel):
            linked.append((kind, rel))
    # each directory's files read together (one resolution of the directory, not one per file)
    contents = {}
    for (kind, directory), names in present.items():
        for name, data in tree.read_files(kind, directory, names).items():
            contents[(kind, posixpath.join(directory, name) if directory else name)] = data
    # a link at the place (never listed) is read only where it stays inside the tree: one that leads out is
    # refused here, before anything is written, and its target is never read (nor shown in a diff)
    for kind, rel in linked:
        contents[(kind, rel)] = tree.read_bytes(kind, rel)
    changes = []
    unchanged = 0
    unowned = []
    directory_kinds = dict(scanned_dirs(site))
    for (kind, rel), (client, new, _read) in files.items():
        directory = posixpath.dirname(rel)
        old = contents.get((kind, rel))
        if old == new:
            unchanged += 1
            continue
        if old is not None and not adopt and not is_ours(directory_kinds.get((kind, directory), 'boot'), old):
            unowned.append(((kind, rel), client))
        changes.append(((kind, rel), client, old, new))
    if unowned:
        raise UnownedFiles(tree, unowned)
    _check_directories(tree, [place for place in listings if place[1]], listings)
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


class UnownedFiles(PxeError):
    """Files at paths pxe_hosts writes that it did not write (they carry no marker): refused, named."""

    SHOWN = 20

    def __init__(self, tree, unowned):
        menus = [tree.host_path(*where) for where, client in unowned if client is None]
        hosts = [tree.host_path(*where) for where, client in unowned if client is not None]
        named = menus + hosts
        more = ' and %d more' % (len(named) - self.SHOWN) if len(named) > self.SHOWN else ''
        advice = 'Move them away, or set adopt_unmarked: true to let pxe_hosts replace them (from then on it owns ' \
                 'them and removes them when their clients are gone)'
        if menus:
            advice += '; to keep your own default menus instead, set menus: false (machines without files of their ' \
                      'own then get your menus, which can chain boot.ipxe or the per-MAC files)'
        super().__init__('%d file(s) in the tree would be overwritten but were not written by pxe_hosts (they carry '
                         'no "%s" marker, so they are someone else\'s): %s%s. %s; nothing was changed'
                         % (len(named), bootfiles.MARKERS[0], ', '.join(named[:self.SHOWN]), more, advice))
        self.facts = {'unowned': named}
