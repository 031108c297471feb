# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the iso_extract module: a directory of an ISO image as a directory of this host.

The ISO is read with the collection's ISO reader (:mod:`.._iso.image`), never mounted. The new tree is
extracted beside ``dest`` under a temporary name, checked (the checksum files it holds, the files it must
hold) and only then swapped in for the old one. A record remembers the sha256 of the ISO with its stat
data, so that a run on the same ISO reads nothing and changes nothing.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import os
import posixpath
import stat

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._files import read_regular
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import cached_sha256, sum_file_problems
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import (
    IsoError, extract_tree, iso_path, read_volume, tree_listing)
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import clean_path, file_path, lies_inside
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import OutputFiles, Task

RECORD_SUFFIX = '.rescuefleet-iso.json'
# files take whole blocks of the filesystem they are extracted to: count each in 4 KiB units
BLOCK = 4096
INSIDE = 'give a file inside the extracted directory, relative to dest'


def load_record(path):
    """The record at ``path``: ``{'iso', 'sha256', 'src'}`` (``src``: stat data), or ``{}``. Anything but a
    regular file there is refused unopened (a FIFO would block the run)."""
    try:
        record = json.loads(read_regular(path, 'the record').decode('utf-8'))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    return record if isinstance(record, dict) else {}


def _describe(record):
    return '%s sha256:%s\n' % (record['iso'], record['sha256']) if record.get('sha256') else ''


def escaping_entries(tree):
    """What in an extracted ``tree`` points out of it or is not a plain file: ``[problem]``.

    The names and links of an ISO are data from outside: a symlink whose target leaves the tree (absolute,
    or climbing out with ``..``) would make the HTTP server of a PXE tree serve a file of the host, and a
    device or FIFO has no place in a served tree."""
    problems = []
    real_tree = os.path.realpath(tree)
    for top, dirs, files in os.walk(tree):
        for name in dirs + files:
            path = os.path.join(top, name)
            rel = os.path.relpath(path, tree)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                target = os.readlink(path)
                resolved = os.path.normpath(os.path.join(os.path.realpath(top), target))
                if os.path.isabs(target) or not (resolved + os.sep).startswith(real_tree + os.sep):
                    problems.append('%s is a link to %s, outside the extracted directory' % (rel, target))
            elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                problems.append('%s is neither a file, a directory nor a link' % rel)
    return problems


class ExtractPlan(Plan):
    """Whether ``dest`` gets the ISO's directory (``changed``), and the record afterwards."""

    def __init__(self, task, changed, old, new, refresh=False):
        super().__init__()
        self.task = task
        self._changed = changed
        self.old = old
        self.new = new
        self.refresh = refresh

    @property
    def changed(self):
        return self._changed

    def public(self):
        task = self.task
        return {'src': task.src, 'dest': task.dest, 'path': task.path, 'volume_id': task.volume['volume_id'],
                'sha256': self.new['sha256'], 'record': task.record}

    def diff(self):
        return {'before': _describe(self.old) if os.path.isdir(self.task.dest) else '', 'after': _describe(self.new),
                'before_header': self.task.dest, 'after_header': self.task.dest}


class IsoExtract(Task):
    """One ``iso_extract`` run on plain parameters."""

    def __init__(self, params, check_mode=False, want_diff=False):
        super().__init__(params, check_mode, want_diff)
        self.src = os.path.abspath(params['src'])
        self.dest = os.path.abspath(params['dest'])
        self.record = os.path.abspath(params.get('record') or self.dest + RECORD_SUFFIX)

    def open(self):
        params = self.params
        self.path = '/' + clean_path(params.get('path') or '/')
        self.checksums = [file_path(item, 'checksums', IsoError, INSIDE) for item in params.get('checksums') or []]
        self.required = [file_path(item, 'required', IsoError, INSIDE) for item in params.get('required') or []]
        self.volume = read_volume(self.src)
        if os.path.lexists(self.dest) and not os.path.isdir(self.dest):
            raise IsoError('dest %s exists and is not a directory; remove it or choose another dest' % self.dest)
        if os.path.islink(self.dest):
            raise IsoError('dest %s is a symlink; give the real directory, which is replaced as a whole' % self.dest)
        for what, path in (('src', self.src), ('record', self.record)):
            if lies_inside(path, self.dest):  # by the directory itself, however the paths are spelt
                raise IsoError('%s %s lies inside dest %s, which is replaced as a whole: it would be deleted; keep '
                               'it outside dest; nothing was changed' % (what, path, self.dest))
        return OutputFiles(os.path.dirname(self.dest))

    def leftover_places(self, target):
        return [self.dest, self.record]

    def plan(self, target):
        old = load_record(self.record)
        known = old.get('src') if isinstance(old.get('src'), dict) and old.get('path') == self.path else None
        sha, src_stat, _read = cached_sha256(self.src, dict(known, sha256=old.get('sha256')) if known else None)
        new = {'iso': os.path.basename(self.src), 'sha256': sha, 'src': src_stat, 'path': self.path}
        same = old.get('sha256') == sha and old.get('path', self.path) == self.path and os.path.isdir(self.dest)
        if not same:
            self._check_listing()  # check mode too: what the real run would refuse, as far as a listing tells
        return ExtractPlan(self, not same, old, new, refresh=same and old != new)

    def _check_listing(self):
        """Refuse, before anything is extracted (and in check mode), a directory of the ISO that lacks the files
        it must hold, or that does not fit beside dest (the old tree stays until the new one is complete)."""
        top = iso_path(self.path)
        found = tree_listing(self.src, self.path)
        if found.get(top, {}).get('type') != 'dir':
            raise IsoError('%s is not a directory in the ISO image %s; check path (nothing was changed)'
                           % (top, self.src))
        problems = ['%s is not in %s of the ISO' % (rel, self.path) for rel in self.checksums + self.required
                    if found.get(posixpath.join(top, rel), {}).get('type') != 'file']
        if problems:
            raise self._missing(problems)
        need = sum(-(-entry['size'] // BLOCK) * BLOCK + (BLOCK if entry['type'] == 'dir' else 0)
                   for entry in found.values())
        above = os.path.dirname(self.dest)
        while not os.path.isdir(above):
            above = os.path.dirname(above)
        st = os.statvfs(above)
        if st.f_flag & os.ST_RDONLY or not os.access(above, os.W_OK):
            raise IsoError('cannot write to %s (%s); run the task with become or choose another dest (nothing was '
                           'changed)' % (above, 'a read-only filesystem' if st.f_flag & os.ST_RDONLY
                                         else 'permission denied'))
        if st.f_bavail * st.f_frsize < need:
            raise IsoError('not enough space for %s of the ISO beside %s: %d MiB free, %d MiB needed (the new tree is '
                           'extracted before the old one is removed); free space or choose another dest (nothing was '
                           'changed)' % (self.path, self.dest, st.f_bavail * st.f_frsize // 1048576,
                                         -(-need // 1048576)))

    def _missing(self, problems):
        return IsoError('the ISO %s does not hold what it should: %s. Use an unmodified ISO (copy it again); '
                        '%s was left as it was' % (self.src, '; '.join(problems), self.dest))

    def apply(self, target, plan):
        if plan.changed:
            self._extract()
        if plan.changed or plan.refresh:
            os.makedirs(os.path.dirname(self.record), exist_ok=True)
            atomic.write_text(self.record, json.dumps(plan.new, sort_keys=True, indent=1) + '\n')

    def _extract(self):
        os.makedirs(os.path.dirname(self.dest), exist_ok=True)
        work = atomic.make_temp_dir(self.dest)  # beside dest: the swap is two renames on one filesystem
        try:
            tree = os.path.join(work, 'new')
            extract_tree(self.src, self.path, tree)
            self._check(tree)
            old = os.path.join(work, 'old')
            if os.path.isdir(self.dest):
                os.rename(self.dest, old)
            try:
                os.rename(tree, self.dest)
            except BaseException:
                if os.path.isdir(old):
                    os.rename(old, self.dest)
                raise
        finally:
            atomic.remove_tree(work)

    def _check(self, tree):
        problems = escaping_entries(tree)
        if problems:  # before any file of the tree is read: a checksum file could name a link's target
            raise IsoError('the ISO %s holds what a served tree must not: %s. A web server would follow such a link '
                           'and serve the file it points at; use an unmodified ISO; %s was left as it was'
                           % (self.src, '; '.join(problems[:10]), self.dest))
        for rel in self.checksums:
            sums = os.path.join(tree, rel)
            if not os.path.isfile(sums):
                problems.append('%s is not in %s of the ISO' % (rel, self.path))
                continue
            problems.extend(sum_file_problems(sums))
        problems.extend('%s is not in %s of the ISO' % (rel, self.path) for rel in self.required
                        if not os.path.isfile(os.path.join(tree, rel)))
        if problems:
            raise self._missing(problems)
