# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plan and apply a set of SRMs on a medium: compare by size then sha256, check space, write safely.

SystemRescue loads every ``<basedir>/*.srm`` (case-sensitive suffix, no recursion) in byte order of
the names; the first name wins where modules overlap. Other files in ``basedir`` are left alone.

A small index (``<basedir>/.rescuefleet-srm.json``: name -> size and sha256) lets ``verify: fast``
trust a file whose size matches instead of reading it back; ``verify: full`` re-hashes the medium.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import posixpath
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

INDEX_NAME = '.rescuefleet-srm.json'
SUFFIX = '.srm'
# Characters FAT refuses in names, plus the path separators.
_BAD_NAME_CHARS = re.compile(r'[\x00-\x1f"*/:<>?\\|]')
# Space kept free for the index and directory entries.
RESERVE = 64 * 1024


class DeployError(RescueFleetError):
    """The deploy cannot go ahead; nothing was changed. The message says what to do."""


def check_name(name):
    if not name.endswith(SUFFIX):
        raise DeployError('SRM name %r must end in %s (lower case): SystemRescue loads only *%s files'
                          % (name, SUFFIX, SUFFIX))
    if _BAD_NAME_CHARS.search(name):
        raise DeployError('SRM name %r holds a path separator or a character FAT does not allow (\\ / : * ? " < > |); '
                          'give a plain file name such as 20-tools.srm' % (name,))
    if name.startswith('.') or name.strip() != name or len(name) > 255 or name == SUFFIX:
        raise DeployError('SRM name %r is not usable: no leading dot, no surrounding spaces, at most 255 '
                          'characters' % (name,))
    return name


def round_up(size, unit):
    return -(-size // unit) * unit if size else 0


def parse_index(data):
    """The index as ``{name: {'size', 'sha256'}}``; an unreadable index counts as empty."""
    if not data:
        return {}
    try:
        index = json.loads(data.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(index, dict):
        return {}
    return {name: entry for name, entry in index.items()
            if isinstance(entry, dict) and isinstance(entry.get('size'), int) and isinstance(entry.get('sha256'), str)}


def render_index(index):
    return (json.dumps(index, sort_keys=True, indent=1) + '\n').encode('utf-8')


class Deploy:
    """One srm_deploy run on an open medium.

    ``wanted`` items are ``{'name', 'src', 'sha256', 'size'}``: ``src`` a local file (may be ``None``
    when only sha256 and size are known, as in the action plugin's planning pass).
    """

    def __init__(self, medium, basedir='sysresccd', verify='fast'):
        self.medium = medium
        self.basedir = basedir.strip('/')
        self.verify = verify
        self.index_path = posixpath.join(self.basedir, INDEX_NAME)
        self.hashed_on_medium = []
        self.known = set()  # names whose sha256 this run computed or wrote

    def _path(self, name):
        return posixpath.join(self.basedir, name)

    def current(self):
        """``{name: size}`` of the ``*.srm`` files in basedir."""
        return {e['name']: e['size'] for e in self.medium.list_dir(self.basedir)
                if e['type'] == 'file' and e['name'].endswith(SUFFIX)}

    def _sha_on_medium(self, name, size, index):
        known = index.get(name)
        if known and known['size'] == size and (self.verify == 'fast' or name in self.known):
            return known['sha256']
        self.hashed_on_medium.append(name)
        sha = self.medium.sha256(self._path(name))
        index[name] = {'size': size, 'sha256': sha}
        self.known.add(name)
        return sha

    def plan(self, wanted, state='present', exclusive=False):
        """``(actions, index, current)``; actions are dicts with ``action`` add/replace/remove."""
        current = self.current()
        index = parse_index(self.medium.read_bytes(self.index_path))
        index = {n: e for n, e in index.items() if n in current}
        actions = []
        names = set()
        for item in wanted:
            name = check_name(item['name'])
            if name.lower() in {n.lower() for n in names}:
                raise DeployError('SRM name %s is listed twice (FAT ignores case, so names that differ only in case '
                                  'are the same file)' % name)
            names.add(name)
            if state == 'absent':
                if name in current:
                    actions.append({'action': 'remove', 'name': name, 'size': current[name]})
                continue
            # the source is hashed only when its size equals the module's on the medium; otherwise it is
            # hashed while it is copied
            if name not in current:
                actions.append({'action': 'add', 'name': name, 'size': item['size'], 'sha256': item.get('sha256'),
                                'src': item.get('src')})
            elif current[name] != item['size'] or \
                    self._sha_on_medium(name, current[name], index) != self.source_sha256(item):
                actions.append({'action': 'replace', 'name': name, 'size': item['size'], 'sha256': item.get('sha256'),
                                'src': item.get('src'), 'old_size': current[name],
                                'old_sha256': index.get(name, {}).get('sha256')})
        if exclusive and state == 'present':
            for name in sorted(current):
                if name not in names:
                    actions.insert(0, {'action': 'remove', 'name': name, 'size': current[name],
                                       'sha256': index.get(name, {}).get('sha256')})
        touched = {a['name'] for a in actions}
        for name in current:  # modules that stay as they are: report them with their sha256 too
            if name not in touched:
                self._sha_on_medium(name, current[name], index)
        return actions, index, current

    @staticmethod
    def source_sha256(item):
        if not item.get('sha256'):
            item['sha256'] = sha256_file(item['src'])
        return item['sha256']

    def fill_source_hashes(self, actions):
        """Hash the sources of planned writes (check mode reports them without copying)."""
        for act in actions:
            if act['action'] in ('add', 'replace') and not act.get('sha256') and act.get('src'):
                act['sha256'] = sha256_file(act['src'])

    def check_space(self, actions):
        """Fail before writing anything when the planned set does not fit on the medium."""
        writes = [a for a in actions if a['action'] in ('add', 'replace')]
        if not writes:
            return
        unit = self.medium.cluster_size()
        free = self.medium.free_bytes() - RESERVE
        for act in actions:
            if act['action'] == 'remove':
                free += round_up(act['size'], unit)
        for act in writes:
            need = round_up(act['size'], unit)
            if need > free:
                total = sum(round_up(a['size'], unit) for a in writes)
                raise DeployError('the SRMs do not fit: %s needs %d bytes but only %d are free on the medium at that '
                                  'point (all writes: %d bytes; a replaced module is freed only after its new copy '
                                  'is complete). Remove modules (exclusive: true drops unlisted ones) or use a larger '
                                  'medium; nothing was changed' % (act['name'], need, max(free, 0), total))
            free -= need
            if act['action'] == 'replace':
                free += round_up(act['old_size'], unit)

    def apply(self, actions, index):
        """Run the plan: removals first (they free space), then writes, then the index."""
        for act in actions:
            if act['action'] == 'remove':
                self.medium.remove(self._path(act['name']))
                index.pop(act['name'], None)
        for act in actions:
            if act['action'] in ('add', 'replace'):
                if not act.get('src'):
                    raise DeployError('no source for %s: give src' % act['name'])
                # a known sha256 (srm_build manifest, controller) is trusted; otherwise hashed while copying
                act['sha256'] = self.medium.put_file(self._path(act['name']), act['src'], act.get('sha256'))
                index[act['name']] = {'size': act['size'], 'sha256': act['sha256']}
                self.known.add(act['name'])

    def finish(self, index):
        """The modules on the medium after the run (see ``inventory``); the index is saved to match them."""
        srms = self.inventory(index)
        self.save_index({s['name']: {'size': s['size'], 'sha256': s['sha256']} for s in srms})
        return srms

    def save_index(self, index):
        data = render_index(index)
        if self.medium.read_bytes(self.index_path) != data:
            self.medium.write_bytes(self.index_path, data)

    def inventory(self, index):
        """The ``*.srm`` files in basedir after the run, in load order, with size and sha256."""
        out = []
        for name, size in sorted(self.current().items(), key=lambda item: item[0].encode('utf-8')):
            sha = self._sha_on_medium(name, size, index)
            out.append({'name': name, 'size': size, 'sha256': sha})
        return out


def predicted_inventory(current, index, actions):
    """What ``inventory`` will return after ``actions``, computed without touching the medium."""
    state = {name: {'name': name, 'size': size, 'sha256': index.get(name, {}).get('sha256')}
             for name, size in current.items()}
    for act in actions:
        if act['action'] == 'remove':
            state.pop(act['name'], None)
        else:
            state[act['name']] = {'name': act['name'], 'size': act['size'], 'sha256': act['sha256']}
    return [state[name] for name in sorted(state, key=lambda n: n.encode('utf-8'))]


def describe_actions(actions):
    """Text lines for a diff: one per planned action."""
    lines = []
    for act in actions:
        sha = (act.get('sha256') or '?')[:16]
        lines.append('%s %s (%d bytes, sha256:%s)' % (act['action'], act['name'], act['size'], sha))
    return lines
