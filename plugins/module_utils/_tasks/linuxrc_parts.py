# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the linuxrc_parts module: parts in ``boot/<arch>/`` of a SUSE medium.

srm_deploy's planner (:class:`~.._srm.deploy.Deploy`) with the naming policy of linuxrc parts
(:mod:`.._linuxrc.names`), and ``CHECKSUMS`` kept correct in two steps (:mod:`.._linuxrc.checksums`):
the plan predicts the final ``CHECKSUMS`` text, the apply writes it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import checksums as sums
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import part_naming, parts_dir
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.parts import managed_parts, resolve
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import Deploy
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task, closing_on_error


class PartsPlan(Plan):
    """The deploy plan of the parts, and what ``CHECKSUMS`` becomes."""

    def __init__(self, deploy, planned, swept, original, changing, final):
        super().__init__(planned.actions)
        self.deploy = deploy
        self.planned = planned
        self.swept = swept
        self.original = original
        self.changing = changing
        self.final = final

    @property
    def checksums_changed(self):
        return self.original.present and self.final != self.original.text

    @property
    def changed(self):
        return bool(self.actions or self.swept or self.checksums_changed)

    def public(self):
        return {
            'actions': self.planned.public_actions(),
            'parts': with_paths(self.deploy.basedir, self.planned.predicted_inventory()),
            'basedir': self.deploy.basedir,
            'checksums': {'present': self.original.present, 'signed': self.original.signed,
                          'changed': self.checksums_changed},
            'medium': self.deploy.medium.describe(),
            'swept': self.swept,
        }

    def diff(self):
        diffs = [self.planned.diff(self.deploy.basedir, self.swept)]
        if self.checksums_changed:
            diffs.append({'before_header': sums.NAME, 'after_header': sums.NAME,
                          'before': self.original.text, 'after': self.final})
        return diffs


def with_paths(basedir, parts):
    for part in parts:
        part['path'] = posixpath.join(basedir, part['name'])
    return parts


def checksum_entries(basedir, actions, parts):
    """``CHECKSUMS`` entries after the run: removed parts dropped, every part with its sha256."""
    after = {posixpath.join(basedir, a['name']): None for a in actions if a['action'] == 'remove'}
    after.update({posixpath.join(basedir, p['name']): p['sha256'] for p in parts})
    return after


class LinuxrcParts(Task):
    """One ``linuxrc_parts`` run on plain parameters."""

    def open(self):
        params = self.params
        basedir = parts_dir(params['arch'])
        wanted = resolve(params['parts'], params['state'])
        medium = open_medium(params['media'], writable=True)
        with closing_on_error(medium):
            managed = managed_parts(medium, basedir, wanted, params['state'])
        self.wanted = wanted
        self.deploy = Deploy(medium, basedir, params['verify'], part_naming(managed))
        return medium

    def leftover_places(self, target):
        return [self.deploy.basedir]

    def plan(self, target):
        params = self.params
        basedir = self.deploy.basedir
        planned = self.deploy.plan(self.wanted, params['state'], params['exclusive'])
        self.deploy.check_space(planned)
        if not self.check_mode:
            self.deploy.check_sources(planned)  # before CHECKSUMS changes, not in the middle of the writes
        original = sums.Checksums.read(target)
        if self.check_mode or original.present:
            self.deploy.fill_source_hashes(planned)  # CHECKSUMS needs the digests of what is written
        changing = {posixpath.join(basedir, a['name']): (a.get('sha256') if a['action'] != 'remove' else None)
                    for a in planned.actions}
        interim = original.update(target, changing, write=False)
        after = checksum_entries(basedir, planned.actions, planned.predicted_inventory())
        plan = PartsPlan(self.deploy, planned, self.swept, original, changing,
                         interim.finish(target, after, add=True, write=False))
        if plan.checksums_changed and original.signed:
            self.warnings.append(sums.SIGNED_WARNING % ', '.join(sorted(changing) or sorted(after)))
        return plan

    def apply(self, target, plan):
        interim = plan.original.update(target, plan.changing, write=True)
        parts = self.deploy.apply(plan.planned)
        interim.finish(target, checksum_entries(self.deploy.basedir, plan.actions, parts), add=True, write=True)
        return {'parts': with_paths(self.deploy.basedir, parts)}
