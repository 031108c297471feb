# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fingerprint of an SRM's inputs and its stored form beside the output.

A manifest records what went into an image (every path with type, mode, owner, size,
sha256 or link target, plus the build options) and what came out (size, sha256 and stat
data of the output file). Equal fingerprints and an intact output mean nothing to rebuild.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat

from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file, stat_key

FORMAT = 1
SUFFIX = '.manifest.json'

_IMAGE_KEYS = ('type', 'mode', 'uid', 'gid', 'size', 'sha256', 'target')


def manifest_path(output):
    return output + SUFFIX


def image_records(entries):
    """What the image stores for each path: the part of an entry that decides the bytes."""
    return {path: {k: entry[k] for k in _IMAGE_KEYS if k in entry} for path, entry in entries.items()}


def fingerprint(options, records):
    """SHA-256 over the options and every record, in a canonical order.

    Written out by hand rather than through ``json.dumps(sort_keys=True)``: it runs on every
    no-op check of modules with tens of thousands of paths.
    """
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode('utf-8'))
    for path in sorted(records):
        record = records[path]
        digest.update(('\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\n' % (
            path, record.get('type'), record.get('mode'), record.get('uid'), record.get('gid'),
            record.get('size'), record.get('sha256'), record.get('target'))).encode('utf-8', 'surrogateescape'))
    return digest.hexdigest()


def diff_records(old, new):
    """Paths ``added``, ``removed`` and ``changed`` between two record mappings, each sorted."""
    old = old or {}
    return {
        'added': sorted(p for p in new if p not in old),
        'removed': sorted(p for p in old if p not in new),
        'changed': sorted(p for p in new if p in old and old[p] != new[p]),
    }


def describe(path, record):
    """One readable line for a path in a diff."""
    kind = record.get('type')
    mode = '%04o' % record.get('mode', 0)
    owner = '%s:%s' % (record.get('uid'), record.get('gid'))
    if kind == 'file':
        digest = (record.get('sha256') or '?')[:16]
        return '%s file %s %s %d bytes sha256:%s' % (path, mode, owner, record.get('size', 0), digest)
    if kind == 'link':
        return '%s -> %s' % (path, record.get('target'))
    return '%s/ dir %s %s' % (path.rstrip('/'), mode, owner)


def ansible_diff(old, new, changes, before_header, after_header, options_changed=False):
    """An Ansible ``diff`` dict listing only the paths that differ."""
    before = [describe(p, old[p]) for p in sorted(changes['removed'] + changes['changed'])]
    after = [describe(p, new[p]) for p in sorted(changes['added'] + changes['changed'])]
    if options_changed:
        before.insert(0, '(build options changed)')
        after.insert(0, '(build options changed)')
    return {
        'before_header': before_header,
        'after_header': after_header,
        'before': ''.join(line + '\n' for line in before),
        'after': ''.join(line + '\n' for line in after),
    }


# The shape of each top-level value; valid JSON of another shape is treated like no manifest at all,
# so the module is rebuilt (and the manifest rewritten) instead of crashing on it.
_SHAPE = {'fingerprint': str, 'options': dict, 'output': dict, 'records': dict, 'hash_cache': dict}


def load(path):
    """The stored manifest, or ``None`` when it is missing, unreadable, of another format or shape.

    Never blocks: only a regular file is opened (a FIFO put there would wait for a writer forever).
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(fd, 'r', encoding='utf-8') as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get('format') != FORMAT:
        return None
    if any(not isinstance(data.get(key), kind) for key, kind in _SHAPE.items()):
        return None
    if not all(isinstance(record, dict) for record in data['records'].values()):
        return None
    if not all(isinstance(cached, list) and len(cached) == 2 for cached in data['hash_cache'].values()):
        return None
    return data


def dumps(options, records, output, cache, pacman=None):
    """The manifest text; ``pacman`` is the per-source package state of pacman sources (see ``_pacman.source``)."""
    data = {
        'format': FORMAT,
        'fingerprint': fingerprint(options, records),
        'options': options,
        'output': output,
        'records': records,
        'hash_cache': cache,
    }
    if pacman:
        data['pacman'] = pacman
    return json.dumps(data, sort_keys=True, separators=(',', ':')) + '\n'


def cached_sha256(path):
    """SHA-256 of a file from an srm_build manifest beside it, when its stat data still match; else None.

    Saves reading a large module again right after it was built.
    """
    st = os.stat(path)
    output = (load(manifest_path(path)) or {}).get('output') or {}
    if output.get('stat') == stat_key(st) and output.get('sha256'):
        return output['sha256']
    return None


def known_sha256(path):
    """``(sha256, size)`` of a file: from its srm_build manifest when current, else by hashing it."""
    return cached_sha256(path) or sha256_file(path), os.stat(path).st_size
