# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the linuxrc_parts module: parts in ``boot/<arch>/`` of a SUSE medium.

srm_deploy's planner (:class:`~.._srm.deploy.Deploy`) with the naming policy of linuxrc parts
(:mod:`.._linuxrc.names`), each part's format checked as linuxrc checks it (:mod:`.._linuxrc.parts`),
and the digest list linuxrc reads (``CHECKSUMS`` or ``/content``, :mod:`.._linuxrc.digests`) kept
correct in two steps (:mod:`.._linuxrc.checksums`). A signed list (:mod:`.._linuxrc.signing`) is
refused, re-signed or knowingly invalidated: the plan refuses, or works out the re-signing (the key
added to local copies of the initrds), and predicts the final list and whether its signature holds;
the apply writes the parts, the initrds, the list and the new signature.

The leftovers of interrupted runs are swept by the driver after the plan (``_tasks/base.py``): a refused
change to a signed list leaves the medium byte-identical.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import digests as digest_lists
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import layout as layouts
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import signing
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import part_naming, parts_dir
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.parts import managed_parts, resolve
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import Deploy
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task, closing_on_error


class PartsPlan(Plan):
    """The deploy plan of the parts, the leftovers to sweep, what the digest list becomes and what
    happens to its signature (``signed``: a :class:`~.._linuxrc.signing.SignedList` after its
    planning steps)."""

    def __init__(self, deploy, planned, swept, original, changing, final, signed, initrds):
        super().__init__(planned.actions)
        self.deploy = deploy
        self.planned = planned
        self.swept = swept
        self.original = original
        self.changing = changing
        self.final = final
        self.signed = signed
        self.initrds = initrds

    @property
    def checksums_changed(self):
        return list_changed(self.original, self.final)

    @property
    def changed(self):
        return bool(self.actions or self.swept or self.checksums_changed or self.signed.changed)

    def public(self):
        return {
            'actions': self.planned.public_actions(),
            'parts': with_paths(self.deploy.basedir, self.planned.predicted_inventory()),
            'basedir': self.deploy.basedir,
            'checksums': checksums_facts(self.original, self.final),
            'signature': self.signed.result(),
            'medium': self.deploy.medium.describe(),
            'swept': self.swept,
        }

    def diff(self):
        diffs = [self.planned.diff(self.deploy.basedir, self.swept)]
        if self.checksums_changed:
            diffs.append({'before_header': self.original.name, 'after_header': self.original.name,
                          'before': self.original.text, 'after': self.final})
        return diffs


def list_changed(original, final):
    return bool(original.present and final != original.text)


def checksums_facts(original, final):
    """The result's ``checksums``: which digest list, whether it is there and signed, whether it changed."""
    return dict(digest_lists.describe(original), changed=list_changed(original, final))


def with_paths(basedir, parts):
    for part in parts:
        part['path'] = posixpath.join(basedir, part['name'])
    return parts


def digest_entries(basedir, actions, parts):
    """The digest list's entries after the run: removed parts dropped, every part with its sha256."""
    after = {posixpath.join(basedir, a['name']): None for a in actions if a['action'] == 'remove'}
    after.update({posixpath.join(basedir, p['name']): p['sha256'] for p in parts})
    return after


class LinuxrcParts(Task):
    """One ``linuxrc_parts`` run on plain parameters; ``gpg`` is the path of gpg (signing and checking
    signatures)."""

    def __init__(self, params, check_mode=False, want_diff=False, gpg=None):
        super().__init__(params, check_mode, want_diff)
        self.gpg = gpg or 'gpg'
        self.signed = None

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
        # the parts, the digest list and its signature at the root, the initrds that get the signing key
        initrds = [layout['initrd'] for layout in layouts.arch_layouts(target) if layout['initrd']]
        return sorted({self.deploy.basedir, ''} | {posixpath.dirname(path) for path in initrds})

    def plan(self, target):
        params = self.params
        basedir = self.deploy.basedir
        planned = self.deploy.plan(self.wanted, params['state'], params['exclusive'])
        self.deploy.check_space(planned)
        if not self.check_mode:
            self.deploy.check_sources(planned)  # before the digest list changes, not in the middle of the writes
        original = digest_lists.read(target)
        if self.check_mode or original.present:
            self.deploy.fill_source_hashes(planned)  # the digest list needs the digests of what is written
        changing = {posixpath.join(basedir, a['name']): (a.get('sha256') if a['action'] != 'remove' else None)
                    for a in planned.actions}
        after = digest_entries(basedir, planned.actions, planned.predicted_inventory())
        self.signed = signing.SignedList(target, original, params.get('signed_media') or 'refuse',
                                         params.get('sign_key'), params.get('sign_key_passphrase'), self.gpg)
        initrds = [layout['initrd'] for layout in layouts.arch_layouts(target) if layout['initrd']]
        self.signed.prepare(after, changing, initrds)  # refuses a change to a signed list before any write
        interim = original.update(target, dict(changing, **self.signed.extra), write=False)
        final = interim.finish(target, dict(after, **self.signed.extra), add=True, write=False)
        self.signed.predict(final, initrds)
        if self.signed.action == 'invalidated':
            self.warnings.append(signing.INVALIDATED_WARNING % (original.name, original.signature))
        return PartsPlan(self.deploy, planned, self.swept, original, changing, final, self.signed, initrds)

    def apply(self, target, plan):
        signed = plan.signed
        interim = plan.original.update(target, dict(plan.changing, **signed.extra), write=True)
        parts = self.deploy.apply(plan.planned)
        signed.write_initrds()
        final = interim.finish(target, dict(digest_entries(self.deploy.basedir, plan.actions, parts), **signed.extra),
                               add=True, write=True)
        signed.sign(final, plan.initrds)
        return {'parts': with_paths(self.deploy.basedir, parts),
                'checksums': checksums_facts(plan.original, final), 'signature': signed.result()}

    def close(self, target):
        try:
            if self.signed is not None:
                self.signed.close()  # the temporary gpg home and the initrd copies
        finally:
            target.close()
