# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plan and apply a set of SRMs on a medium: compare by size then sha256, check space, write safely.

SystemRescue loads every ``<basedir>/*.srm`` (case-sensitive suffix, no recursion) in byte order of
the names; the first name wins where modules overlap. Other files in ``basedir`` are left alone.

:class:`Deploy` plans a set against the medium (a :class:`Plan`), checks the space, and applies it or
predicts its outcome; srm_deploy and linuxrc_parts (``_tasks/``) run it under the medium's lock after
the leftovers of interrupted runs are swept. The index of :mod:`.index` lets ``verify: fast`` trust a
file whose size matches instead of reading it back; ``verify: full`` re-hashes the medium.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import check_writable_file
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import (
    SRM_NAMING, check_module_name, parse_index, render_index)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR

# Space kept free for the index and directory entries.
RESERVE = 64 * 1024


class DeployError(RescueFleetError):
    """The deploy cannot go ahead; nothing was changed. The message says what to do."""


class MissingSources(DeployError):
    """Modules must be written for which no file was given (only name, size and sha256): the medium
    holds another content than the planning run saw. ``facts['missing_sources']`` names them, so that
    srm_deploy's action plugin sends them and runs again."""

    def __init__(self, names, what='module'):
        super().__init__('the medium needs %s %s but no file was given for %s (its content differs from what was '
                         'planned: verify: full found it changed, or another run changed the medium meanwhile); give '
                         'src; nothing was changed' % (what + ('s' if len(names) > 1 else ''), ', '.join(names),
                                                       'them' if len(names) > 1 else 'it'))
        self.facts = {'missing_sources': list(names)}


def round_up(size, unit):
    return -(-size // unit) * unit if size else 0


class Plan:
    """What a run will do: ``actions`` (dicts with ``action`` add/replace/remove, ``name``, ``size``,
    ``sha256``, ``src``, and ``old_size``/``old_sha256`` for a replace), starting from ``current``
    (``{name: size}`` of the modules on the medium) and ``index`` (``{name: {size, sha256}}``)."""

    def __init__(self, actions, index, current, naming=SRM_NAMING):
        self.actions = actions
        self.index = index
        self.current = current
        self.naming = naming

    def writes(self):
        return [a for a in self.actions if a['action'] in ('add', 'replace')]

    def public_actions(self):
        return [{k: v for k, v in a.items() if k in ('action', 'name', 'size', 'sha256') and v is not None}
                for a in self.actions]

    def predicted_inventory(self):
        """What :meth:`Deploy.inventory` will return after the plan, computed without touching the medium."""
        state = {name: {'name': name, 'size': size, 'sha256': self.index.get(name, {}).get('sha256')}
                 for name, size in self.current.items()}
        for act in self.actions:
            if act['action'] == 'remove':
                state.pop(act['name'], None)
            else:
                state[act['name']] = {'name': act['name'], 'size': act['size'], 'sha256': act['sha256']}
        return [state[name] for name in sorted(state, key=self.naming.order_key)]

    def diff(self, basedir, swept=()):
        """Ansible's before/after diff: one line per module that goes away or arrives."""
        before = [dict(a, size=a.get('old_size', a['size']), sha256=a.get('old_sha256', a.get('sha256')))
                  for a in self.actions if a['action'] in ('remove', 'replace')]
        after = [a for a in self.actions if a['action'] in ('add', 'replace')]
        header = '%s/%s' % (basedir, self.naming.pattern)
        return {
            'before_header': header, 'after_header': header,
            'before': ''.join(line + '\n' for line in describe_actions(before))
                      + ''.join('leftover %s\n' % path for path in swept),
            'after': ''.join(line + '\n' for line in describe_actions(after)),
        }


class Deploy:
    """The SRMs in one directory of an open medium.

    ``wanted`` items are ``{'name', 'src', 'sha256', 'size'}`` (see :mod:`.wanted`): ``src`` a local
    file, or ``None`` when only sha256 and size are known, as in the action plugin's planning pass.
    """

    def __init__(self, medium, basedir=BASEDIR, verify='fast', naming=SRM_NAMING):
        self.medium = medium
        self.basedir = basedir.strip('/')
        self.verify = verify
        self.naming = naming
        self.index_path = posixpath.join(self.basedir, naming.index_name)
        self.hashed_on_medium = []
        self.known = set()  # names whose sha256 this run computed or wrote

    def _path(self, name):
        return posixpath.join(self.basedir, name)

    def current(self):
        """``{name: size}`` of the ``*.srm`` files (the naming policy's members) in basedir."""
        return {e['name']: e['size'] for e in self.medium.list_dir(self.basedir)
                if e['type'] == 'file' and self.naming.is_member(e['name'])}

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
        """The :class:`Plan` that brings basedir to ``wanted``."""
        parent, base = posixpath.split(self.basedir)
        if base and any(e['name'] == base and e['type'] != 'dir' for e in self.medium.list_dir(parent)):
            raise DeployError('%s on the medium is a file, not a directory, so it cannot hold modules; rename or '
                              'remove it, or choose another basedir; nothing was changed' % self.basedir)
        current = self.current()
        index = parse_index(self.medium.read_bytes(self.index_path))
        index = {n: e for n, e in index.items() if n in current}
        actions = []
        names = set()
        for item in wanted:
            name = check_module_name(item['name'], self.naming)
            if name.lower() in {n.lower() for n in names}:
                raise DeployError('%s name %s is listed twice (FAT ignores case, so names that differ only in case '
                                  'are the same file)' % (self.naming.what, name))
            names.add(name)
            # every name the medium cannot hold is refused here, before the first write of the run, and so is
            # a directory or special file of that name (never replaced: the run did not create it)
            self.medium.check_path(self._path(name))
            if state == 'absent':
                if name in current:
                    actions.append({'action': 'remove', 'name': name, 'size': current[name]})
                continue
            # the source is hashed only when its size equals the module's on the medium; otherwise it is
            # hashed while it is copied
            check_writable_file(self.medium, self._path(name))
            if name not in current:
                actions.append({'action': 'add', 'name': name, 'size': item['size'], 'sha256': item.get('sha256'),
                                'src': item.get('src')})
            elif current[name] != item['size'] or \
                    self._sha_on_medium(name, current[name], index) != _source_sha256(item):
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
        return Plan(actions, index, current, self.naming)

    def check_space(self, plan):
        """Fail before writing anything when the planned set does not fit on the medium."""
        writes = plan.writes()
        if not writes:
            return
        unit = self.medium.cluster_size()
        free = self.medium.free_bytes() - RESERVE
        for act in plan.actions:
            if act['action'] == 'remove':
                free += round_up(act['size'], unit)
        for act in writes:
            need = round_up(act['size'], unit)
            if need > free:
                total = sum(round_up(a['size'], unit) for a in writes)
                raise DeployError('the %ss do not fit: %s needs %d bytes but only %d are free on the medium at that '
                                  'point (all writes: %d bytes; a replaced module is freed only after its new copy '
                                  'is complete). Remove modules (exclusive: true drops unlisted ones) or use a larger '
                                  'medium; nothing was changed' % (self.naming.what, act['name'], need, max(free, 0),
                                                                   total))
            free -= need
            if act['action'] == 'replace':
                free += round_up(act['old_size'], unit)

    def check_sources(self, plan):
        """Refuse, before the first write, a plan that writes a module no file was given for."""
        missing = [a['name'] for a in plan.writes() if not a.get('src')]
        if missing:
            raise MissingSources(missing, self.naming.what)

    def fill_source_hashes(self, plan):
        """Hash the sources of planned writes (check mode reports them without copying)."""
        for act in plan.writes():
            if not act.get('sha256') and act.get('src'):
                act['sha256'] = sha256_file(act['src'])

    def apply(self, plan):
        """Run the plan: removals first (they free space), then writes; returns the modules afterwards."""
        index = plan.index
        for act in plan.actions:
            if act['action'] == 'remove':
                self.medium.remove(self._path(act['name']))
                index.pop(act['name'], None)
        for act in plan.writes():
            if not act.get('src'):
                raise DeployError('no source for %s: give src' % act['name'])
            # a known sha256 (srm_build manifest, controller) is trusted; otherwise hashed while copying
            act['sha256'] = self.medium.put_file(self._path(act['name']), act['src'], act.get('sha256'))
            index[act['name']] = {'size': act['size'], 'sha256': act['sha256']}
            self.known.add(act['name'])
        return self.finish(index)

    def finish(self, index):
        """The modules on the medium after the run (see ``inventory``); the index is saved to match them."""
        srms = self.inventory(index)
        data = render_index({s['name']: {'size': s['size'], 'sha256': s['sha256']} for s in srms})
        if self.medium.read_bytes(self.index_path) != data:
            self.medium.write_bytes(self.index_path, data)
        return srms

    def inventory(self, index):
        """The ``*.srm`` files in basedir after the run, in load order, with size and sha256."""
        return [{'name': name, 'size': size, 'sha256': self._sha_on_medium(name, size, index)}
                for name, size in sorted(self.current().items(), key=lambda item: self.naming.order_key(item[0]))]


def _source_sha256(item):
    if not item.get('sha256'):
        item['sha256'] = sha256_file(item['src'])
    return item['sha256']


def describe_actions(actions):
    """Text lines for a diff: one per planned action."""
    return ['%s %s (%d bytes, sha256:%s)' % (a['action'], a['name'], a['size'], (a.get('sha256') or '?')[:16])
            for a in actions]


def deploy_options_argument_spec():
    """The options srm_deploy and linuxrc_parts share with the deploy machinery (documented in each module)."""
    return dict(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        exclusive=dict(type='bool', default=False),
        verify=dict(type='str', default='fast', choices=['fast', 'full']),
    )
