# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The SRMs on a medium as SystemRescue sees them, read without changing anything.

SystemRescue early-loads every ``<basedir>/*.srm`` (suffix case-sensitive, directly in basedir, not
hidden: the shell pattern does not match a leading dot) in
byte order of the names and stacks them as overlay layers: where several modules hold the same
path, the first name wins.

- ``inventory(medium, basedir, verify)``: name, size and sha256 of each module in load order; the
  sha256 comes from srm_deploy's index when its size still matches (``verify='fast'``), otherwise
  the file is read and hashed. The index is never written here.
- ``conflicts(medium, basedir, srms, unsquashfs)``: paths held by more than one module and the
  module that wins. A module on a FAT image is first streamed to a temporary local file, because
  unsquashfs needs a file it can seek in.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import clean_path
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.squashfs import SquashfsError, list_image
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import INDEX_NAME, SUFFIX, load_order_key, parse_index
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR


class InventoryError(RescueFleetError):
    """The modules cannot be inspected as asked; the message says what to do."""


def split_names(entries):
    """``(loaded, ignored)`` from a listing of basedir: the module entries SystemRescue loads, in load
    order, and ``[(name, reason)]`` of files that look like modules but are not loaded."""
    loaded = []
    ignored = []
    for entry in entries:
        name = entry['name']
        if entry['type'] != 'file':
            if name.lower().endswith(SUFFIX):
                ignored.append((name, 'is a directory'))
            continue
        if name.startswith('.') and name.lower().endswith(SUFFIX):
            ignored.append((name, 'starts with a dot; the *.srm pattern of the boot script does not match hidden '
                                  'files'))
        elif name.endswith(SUFFIX):
            loaded.append(entry)
        elif name.lower().endswith(SUFFIX):
            ignored.append((name, 'the suffix must be .srm in lower case; SystemRescue matches *.srm '
                                  'case-sensitively, so it does not load this file'))
    loaded.sort(key=lambda e: load_order_key(e['name']))
    ignored.sort(key=lambda item: load_order_key(item[0]))
    return loaded, ignored


def inventory(medium, basedir=BASEDIR, verify='fast'):
    """``(srms, ignored)``: ``[{'name', 'path', 'size', 'sha256', 'sha256_from'}]`` in load order and
    ``[{'name', 'reason'}]`` of look-alikes that are not loaded."""
    if verify not in ('fast', 'full'):
        raise InventoryError('verify must be fast or full, not %r' % (verify,))
    basedir = clean_path(basedir)
    loaded, ignored = split_names(medium.list_dir(basedir))
    index = parse_index(medium.read_bytes(posixpath.join(basedir, INDEX_NAME))) if loaded else {}
    srms = []
    for entry in loaded:
        path = posixpath.join(basedir, entry['name']) if basedir else entry['name']
        known = index.get(entry['name'])
        if verify == 'fast' and known and known['size'] == entry['size']:
            sha, source = known['sha256'], 'index'
        else:
            sha, source = medium.sha256(path), 'computed'
        srms.append({'name': entry['name'], 'path': path, 'size': entry['size'], 'sha256': sha,
                     'sha256_from': source})
    return srms, [{'name': name, 'reason': reason} for name, reason in ignored]


def leaf_paths(paths):
    """The paths of a listing that are not a parent of another path (files, links, empty directories)."""
    parents = set()
    for path in paths:
        parent = posixpath.dirname(path)
        while parent not in parents and parent not in ('', '/'):
            parents.add(parent)
            parent = posixpath.dirname(parent)
    return [p for p in paths if p not in parents]


def find_conflicts(listings):
    """Paths that more than one module holds and that do not merge as directories.

    ``listings`` is ``[(name, [paths])]`` in load order. A path counts when it is not a directory
    (a leaf: a file, a link, an empty directory) in at least one of the modules holding it. Returns
    ``[{'path', 'srms', 'winner'}]`` sorted by path, ``srms`` in load order; the winner is the first.
    """
    holders = {}
    leaves = set()
    for name, paths in listings:
        for path in paths:
            holders.setdefault(path, []).append(name)
        leaves.update(leaf_paths(paths))
    out = []
    for path in sorted(holders, key=load_order_key):
        names = holders[path]
        if len(names) > 1 and path in leaves:
            out.append({'path': path, 'srms': names, 'winner': names[0]})
    return out


def list_module(medium, path, unsquashfs, scratch):
    """Every path stored in the module at ``path`` of the medium."""
    local = medium.local_path(path)
    if local:
        return list_image(unsquashfs, local)
    local = os.path.join(scratch, 'module.srm')  # unsquashfs needs a file it can seek in
    try:
        medium.copy_out(path, local)
        return list_image(unsquashfs, local)
    finally:
        if os.path.exists(local):
            os.unlink(local)


def conflicts(medium, srms, unsquashfs, tmpdir=None):
    """``(conflicts, counts, problems)``: see :func:`find_conflicts`; ``counts`` maps each module to the
    number of paths it holds; ``problems`` lists modules unsquashfs cannot read (SystemRescue skips
    such a module at boot: "failed to mount ..., ignoring")."""
    if not unsquashfs:
        raise InventoryError('conflicts=true needs unsquashfs on the host that runs the module; install the '
                             'squashfs-tools package (apt-get install squashfs-tools, dnf install squashfs-tools) '
                             'or set conflicts to false')
    scratch = tempfile.mkdtemp(prefix='rescuefleet-media-info-', dir=tmpdir)
    listings = []
    counts = {}
    problems = []
    try:
        for srm in srms:
            try:
                paths = list_module(medium, srm['path'], unsquashfs, scratch)
            except SquashfsError as exc:
                problems.append({'name': srm['name'], 'reason': 'unsquashfs cannot read it (SystemRescue would skip '
                                                                'it at boot): %s' % exc})
                continue
            listings.append((srm['name'], paths))
            counts[srm['name']] = len(paths)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return find_conflicts(listings), counts, problems
