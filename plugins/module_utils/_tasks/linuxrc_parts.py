# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the linuxrc_parts module.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import checksums as sums
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError, part_naming, parts_dir
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.parts import resolve
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import Deploy
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import parse_index
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


class LinuxrcParts(Task):
    """One ``linuxrc_parts`` run on plain parameters."""

    def __init__(self, params, check_mode=False, want_diff=False):
        super().__init__(params, check_mode, want_diff)

    def run(self):
        params = self.params
        basedir = parts_dir(params['arch'])
        wanted = resolve(params['parts'], params['state'])
        medium = open_medium(params['media'], writable=True)
        try:
            with medium.locked():
                return self._run(medium, basedir, wanted)
        finally:
            medium.close()

    def _managed(self, medium, basedir, wanted):
        """The names of the parts this collection manages, after refusing to touch the medium's own."""
        if not any(e['type'] == 'dir' for e in medium.list_dir('boot') if e['name'] == posixpath.basename(basedir)):
            raise LinuxrcError('%s/ does not exist on the medium, so it is not a SUSE installation medium for this '
                               'architecture; check media and arch (linuxrc loads parts from boot/<arch>/)' % basedir)
        index = parse_index(medium.read_bytes(posixpath.join(basedir, part_naming(()).index_name)))
        existing = {e['name'].lower(): e for e in medium.list_dir(basedir)}
        for item in wanted:
            entry = existing.get(item['name'].lower())
            if entry is None or entry['name'] in index:
                continue
            raise LinuxrcError('%s/%s is already on the medium and was not put there by this collection (one of '
                               'the medium\'s own parts, or another file), so it is neither replaced nor removed; '
                               'choose another name for the part, nothing was changed' % (basedir, entry['name']))
        if self.params['state'] == 'absent':
            return set(index)
        return set(index) | {item['name'] for item in wanted}

    def _run(self, medium, basedir, wanted):
        params = self.params
        deploy = Deploy(medium, basedir, params['verify'], part_naming(self._managed(medium, basedir, wanted)))
        swept = medium.leftovers(basedir) if self.check_mode else medium.sweep(basedir)
        plan = deploy.plan(wanted, params['state'], params['exclusive'])
        deploy.check_space(plan)
        original = sums.Checksums.read(medium)
        if self.check_mode or original.present:
            deploy.fill_source_hashes(plan)  # CHECKSUMS needs the digests of what is written
        changing = {posixpath.join(basedir, a['name']): (a.get('sha256') if a['action'] != 'remove' else None)
                    for a in plan.actions}
        interim = original.update(medium, changing, write=not self.check_mode)
        if self.check_mode:
            parts = plan.predicted_inventory()
        else:
            parts = deploy.apply(plan)
        after = {posixpath.join(basedir, a['name']): None for a in plan.actions if a['action'] == 'remove'}
        after.update({posixpath.join(basedir, p['name']): p['sha256'] for p in parts})
        final = interim.finish(medium, after, add=True, write=not self.check_mode)
        checksums_changed = original.present and final != original.text
        if checksums_changed and original.signed:
            self.warnings.append(sums.SIGNED_WARNING % ', '.join(sorted(changing) or sorted(after)))
        for part in parts:
            part['path'] = posixpath.join(basedir, part['name'])
        result = {
            'changed': bool(plan.actions or swept or checksums_changed),
            'actions': plan.public_actions(),
            'parts': parts,
            'basedir': basedir,
            'checksums': {'present': original.present, 'signed': original.signed, 'changed': checksums_changed},
            'medium': medium.describe(),
            'swept': swept,
        }
        if self.want_diff:
            diff = plan.diff(basedir, swept)
            result['diff'] = [diff]
            if checksums_changed:
                result['diff'].append({'before_header': sums.NAME, 'after_header': sums.NAME,
                                       'before': original.text, 'after': final})
        return result
