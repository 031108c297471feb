# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a remastered ISO is made of, and the record of it kept beside ``dest``.

The additions (SRMs into ``<basedir>/``, YAML files into ``sysrescue.d/``, other files anywhere) are
checked with the rules of ``srm_deploy`` and ``sysrescue_config``, then compared with the source's
directory tree: each one is *added* or *replaces* a file of the source; additions of the previous
run that are gone are *removed*. Files of the source named in ``remove`` are *deleted* (left out).

The record ``<dest>.rescuefleet.json`` holds the inputs (the source's sha256 and its size, mtime and
inode; each addition's sha256, size and, for local files, their stat data; the options) and the
dest's sha256 and stat data. When the stat data of the source still match, its sha256 is taken from
the record, so an unchanged run does not read a source of several hundred MiB again.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._files import read_regular
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import cached_sha256
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import IsoError, iso_path
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import file_path
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import check_module_name
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.wanted import check_squashfs
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import check_yaml_name
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import render
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR, CONFIG_DIR
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import Reading, yaml_name_skip_reason
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import validate

RECORD_SUFFIX = '.rescuefleet.json'
RECORD_VERSION = 1
ISO_PATH_ADVICE = 'give a path inside the ISO such as /autorun/autorun0'
SECTOR = 2048


def record_path(dest):
    return dest + RECORD_SUFFIX


def load_record(dest):
    """The record beside ``dest``, or ``{}`` when it is missing, unreadable or of another version; anything but
    a regular file there is refused unopened (a FIFO would block the run)."""
    try:
        record = json.loads(read_regular(record_path(dest), 'the record').decode('utf-8'))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(record, dict) or record.get('version') != RECORD_VERSION:
        return {}
    return record


def render_record(record):
    return json.dumps(dict(record, version=RECORD_VERSION), sort_keys=True, indent=1) + '\n'


def _local_file(where, path):
    if not os.path.isfile(path):
        raise IsoError('%s %s is not a readable regular file; build it first (srm_build) or fix the path'
                       % (where, path))
    return path


def collect(params):
    """``(additions, warnings)``: ``[{'path', 'kind', 'src', 'data'}]`` in the order given, checked."""
    basedir = file_path(params.get('basedir') or BASEDIR, 'basedir', IsoError, ISO_PATH_ADVICE)
    additions = []
    warnings = []
    for index, item in enumerate(params.get('srms') or []):
        where = 'srms[%d]' % index
        src = os.path.abspath(_local_file(where + '.src', item['src']))
        name = check_module_name(item.get('name') or os.path.basename(src))
        # srm_deploy's check: a file that is not a squashfs image would be skipped at boot
        check_squashfs(src, '%s.src %s' % (where, src))
        additions.append({'path': posixpath.join(basedir, name), 'kind': 'srm', 'src': src, 'data': None})
    for index, item in enumerate(params.get('configs') or []):
        check_yaml_name(item['name'])
        errors, notes = validate(item.get('config') or {})
        if errors:
            raise IsoError('configs[%d] (%s) would not work as meant: %s. Nothing was written'
                           % (index, item['name'], '; '.join(errors)))
        warnings.extend('configs[%d] (%s): %s' % (index, item['name'], note) for note in notes)
        additions.append({'path': posixpath.join(CONFIG_DIR, item['name']), 'kind': 'config', 'src': None,
                          'data': render(item.get('config') or {})})
    for index, item in enumerate(params.get('files') or []):
        where = 'files[%d]' % index
        src = os.path.abspath(_local_file(where + '.src', item['src']))
        path = file_path(item['dest'], where + '.dest', IsoError, ISO_PATH_ADVICE)
        if posixpath.dirname(path) == CONFIG_DIR:
            warnings.extend(_check_yaml_file(where, src, path))
        additions.append({'path': path, 'kind': 'file', 'src': src, 'data': None})
    check_collisions(additions)
    return additions, warnings


def _check_yaml_file(where, src, path):
    """A file of ``files`` that goes to ``sysrescue.d/``: read as SystemRescue's reader reads it (as
    sysrescue_config reads the files beside its own). Refuses one the reader skips or fails on; returns a
    warning for one it does not read at all."""
    skip = yaml_name_skip_reason(posixpath.basename(path))
    if skip is not None:
        return ['%s goes to %s, which SystemRescue does not read: %s' % (where, path, skip)]
    read = Reading(read_regular(src, '%s.src' % where))
    if read.failure is not None:
        what, why = 'fails on it, so the boot would get no configuration at all', read.failure
    elif read.reason is not None:
        what, why = 'skips it (the boot pauses 20 s to show why)', read.reason
    else:
        return []
    raise IsoError('%s %s goes to %s, which SystemRescue reads as YAML, but its reader %s: %s. Fix the file, or give '
                   'the configuration as configs (checked as sysrescue_config checks it); nothing was written'
                   % (where, src, path, what, why))


def collect_removals(params, additions):
    """The checked paths of the ``remove`` option, each once, in the order given: files of the source ISO
    that the new image leaves out. A path that is also an addition is refused (an addition already replaces
    the file of the source)."""
    out = []
    added = dict((item['path'].lower(), item) for item in additions)
    for index, value in enumerate(params.get('remove') or []):
        path = file_path(value, 'remove[%d]' % index, IsoError, 'give the path of a file in the ISO such as '
                         '/sysrescue.d/100-defaults.yaml')
        if path.lower() in added:
            raise IsoError('remove[%d] %s is also added (%s): an addition already replaces the file of the source; '
                           'leave it out of remove' % (index, path, added[path.lower()]['kind']))
        if path not in out:
            out.append(path)
    return out


def check_collisions(additions):
    """Refuse two additions at the same path, also when the names differ only in case (a copy of the ISO
    onto a FAT stick would keep one of them), and an addition inside another one."""
    seen = {}
    for item in additions:
        key = item['path'].lower()
        if key in seen:
            raise IsoError('%s (%s) and %s (%s) collide: they are the same file%s; give them different names'
                           % (seen[key]['path'], seen[key]['kind'], item['path'], item['kind'],
                              '' if seen[key]['path'] == item['path'] else ' on a FAT copy of the ISO (case is ignored)'))
        seen[key] = item
    for item in additions:
        parts = item['path'].lower().split('/')
        for depth in range(1, len(parts)):
            parent = '/'.join(parts[:depth])
            if parent in seen:
                raise IsoError('%s collides with %s: a file cannot also be a directory'
                               % (item['path'], seen[parent]['path']))


def fingerprint(additions, previous_entries):
    """Hash every addition (a local file's sha256 is reused from ``previous_entries`` when its stat data
    match); returns ``[{'path', 'kind', 'sha256', 'size', 'stat'?}]`` and fills ``sha256``/``size`` in."""
    by_path = {e.get('path'): e for e in previous_entries or [] if isinstance(e, dict)}
    out = []
    for item in additions:
        if item['data'] is not None:
            item['sha256'] = hashlib.sha256(item['data']).hexdigest()
            item['size'] = len(item['data'])
            out.append({'path': item['path'], 'kind': item['kind'], 'sha256': item['sha256'], 'size': item['size']})
            continue
        previous = by_path.get(item['path'], {})
        cached = None
        if previous.get('src') == item['src'] and isinstance(previous.get('stat'), dict):
            cached = dict(previous['stat'], sha256=previous.get('sha256'))
        sha, stat, _read = cached_sha256(item['src'], cached)
        item['sha256'] = sha
        item['size'] = stat['size']
        out.append({'path': item['path'], 'kind': item['kind'], 'sha256': sha, 'size': stat['size'],
                    'src': item['src'], 'stat': stat})
    return out


def inputs_of(entries, options, removals=()):
    """What decides the bytes of dest besides the source: additions (without local stat data), the files of the
    source left out, and options (what the module adds of itself, such as the YAML that turns loading on,
    follows from these and the source)."""
    inputs = {'additions': [{k: e[k] for k in ('path', 'kind', 'sha256', 'size')} for e in entries],
              'options': options}
    if removals:
        inputs['remove'] = list(removals)
    return inputs


def check_removals(source_entries, removals, boot_files=()):
    """Each path of ``removals`` must be a file (or a symlink) of the source, and none of its boot images."""
    by_dir = {}
    for entry_path in source_entries:
        by_dir.setdefault(posixpath.dirname(entry_path), []).append(entry_path)
    boot = set(boot_files)
    for path in removals:
        target = iso_path(path)
        entry = source_entries.get(target)
        if entry is None:
            alike = [p for p in by_dir.get(posixpath.dirname(target), []) if p.lower() == target.lower()]
            raise IsoError('remove: %s is not in the source ISO%s; names in an ISO are case-sensitive, check the '
                           'path. Nothing was written' % (path, ' (it holds %s)' % alike[0].lstrip('/') if alike else ''))
        if entry['type'] == 'dir':
            raise IsoError('remove: %s is a directory of the source ISO; name the files in it to leave out. Nothing '
                           'was written' % path)
        if target in boot:
            raise IsoError('remove: %s is a boot image (or the boot catalogue) of the source ISO, which would then not '
                           'boot; leave it in. Nothing was written' % path)


def compare(source_entries, additions, previous_paths):
    """``{'added', 'replaced', 'removed', 'new_dirs'}`` against the source's tree.

    ``source_entries``: ``{'/abs/path': {'type', 'size'}}`` holding every addition's path, its
    ancestors and the entries of its directory (see :func:`..image.listing`)."""
    added, replaced, new_dirs = [], [], []
    by_dir = {}
    for entry_path, entry in source_entries.items():
        by_dir.setdefault(posixpath.dirname(entry_path), []).append((entry_path, entry))
    for item in additions:
        parts = item['path'].split('/')
        for depth in range(1, len(parts)):
            ancestor = '/'.join(parts[:depth])
            entry = source_entries.get(iso_path(ancestor))
            if entry is None:
                if ancestor not in new_dirs:
                    new_dirs.append(ancestor)
            elif entry['type'] != 'dir':
                raise IsoError('%s cannot be added: %s is a file in the source ISO, not a directory'
                               % (item['path'], ancestor))
        target = iso_path(item['path'])
        entry = source_entries.get(target)
        if entry is not None and entry['type'] != 'file':
            raise IsoError('%s cannot be added: it is a %s in the source ISO; choose another path'
                           % (item['path'], 'directory' if entry['type'] == 'dir' else entry['type']))
        for other_path, _other in by_dir.get(posixpath.dirname(target), []):
            if other_path != target and other_path.lower() == target.lower():
                raise IsoError('%s collides with %s of the source ISO: the names differ only in case, so a FAT copy '
                               'of the ISO would keep one of them; use the same name to replace it, or another name'
                               % (item['path'], other_path.lstrip('/')))
        (replaced if entry is not None else added).append(item['path'])
    current = {item['path'] for item in additions}
    removed = sorted(p for p in previous_paths if p not in current)
    return {'added': added, 'replaced': replaced, 'removed': removed, 'new_dirs': new_dirs}


def estimate_size(src_size, additions):
    """Bytes the new image needs at most: the source, each addition in whole sectors, and room for
    directory records, the boot catalogue copy and xorriso's padding."""
    extra = sum(-(-item['size'] // SECTOR) * SECTOR + SECTOR for item in additions)
    return src_size + extra + 2 * 1024 * 1024
