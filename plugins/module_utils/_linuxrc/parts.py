# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The work of the ``linuxrc_parts`` module: a set of parts in ``boot/<arch>/`` of a SUSE medium.

The planning, space check, atomic writes, sweeping and index are srm_deploy's
(:class:`~.._srm.deploy.Deploy`), with the naming policy of :mod:`.names`: only parts this
collection put there count as members, so the medium's own inst-sys parts are never replaced or
removed. Each part's format is checked as linuxrc checks it (:mod:`.formats`); the digest list linuxrc
reads (``CHECKSUMS`` or ``/content``, :mod:`.digests`) is kept correct in two steps, and a signed list
is refused, re-signed or knowingly invalidated (:mod:`.signing`).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import digests as digest_lists
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import formats
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import layout as layouts
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import signing
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import (
    LinuxrcError, part_naming, parts_dir)
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import Deploy
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import parse_index
from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import Task


def resolve(items, state):
    """The wanted parts, resolved as srm_deploy resolves its ``srms`` (size, sha256 from a manifest)."""
    try:
        # linuxrc mounts filesystem images and unpacks cpio, tar and rpm archives: formats.check_part decides
        wanted = wanted_modules.resolve(items, state, allow_non_squashfs=True)
    except wanted_modules.WantedError as exc:
        raise LinuxrcError(str(exc).replace('srms', 'parts', 1)) from exc
    if state == 'present':
        for number, item in enumerate(wanted):
            if item.get('src') and os.path.isfile(item['src']):
                formats.check_part(item['src'], 'parts[%d].src %s' % (number, item['src']))
    return wanted


class LinuxrcParts(Task):
    """One ``linuxrc_parts`` run on plain parameters."""

    def __init__(self, params, check_mode=False, want_diff=False, gpg=None):
        super().__init__(params, check_mode, want_diff)
        self.gpg = gpg or 'gpg'

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
        swept = medium.leftovers(basedir)
        plan = deploy.plan(wanted, params['state'], params['exclusive'])
        deploy.check_space(plan)
        original = digest_lists.read(medium)
        if self.check_mode or original.present:
            deploy.fill_source_hashes(plan)  # the digest list needs the digests of what is written
        changing = {posixpath.join(basedir, a['name']): (a.get('sha256') if a['action'] != 'remove' else None)
                    for a in plan.actions}
        signed = signing.SignedList(medium, original, params.get('signed_media') or 'refuse', params.get('sign_key'),
                                    params.get('sign_key_passphrase'), self.gpg, check_mode=self.check_mode)
        initrds = [layout['initrd'] for layout in layouts.arch_layouts(medium) if layout['initrd']]
        try:
            signed.prepare(_after(basedir, plan, plan.predicted_inventory()), changing, initrds)  # may refuse
            if not self.check_mode:
                swept = medium.sweep(basedir)  # nothing is written before the refusal above
            interim = original.update(medium, dict(changing, **signed.extra), write=not self.check_mode)
            parts = plan.predicted_inventory() if self.check_mode else deploy.apply(plan)
            signed.write_initrds()
            final = interim.finish(medium, dict(_after(basedir, plan, parts), **signed.extra), add=True,
                                   write=not self.check_mode)
            signed.apply(final, initrds)
        finally:
            signed.close()
        checksums_changed = original.present and final != original.text
        if signed.action == 'invalidated':
            self.warnings.append(signing.INVALIDATED_WARNING % (original.name, original.signature))
        for part in parts:
            part['path'] = posixpath.join(basedir, part['name'])
        result = {
            'changed': bool(plan.actions or swept or checksums_changed or signed.changed),
            'actions': plan.public_actions(),
            'parts': parts,
            'basedir': basedir,
            'checksums': dict(digest_lists.describe(original), changed=checksums_changed),
            'signature': signed.result(),
            'medium': medium.describe(),
            'swept': swept,
        }
        if self.want_diff:
            diff = plan.diff(basedir, swept)
            result['diff'] = [diff]
            if checksums_changed:
                result['diff'].append({'before_header': original.name, 'after_header': original.name,
                                       'before': original.text, 'after': final})
        return result


def _after(basedir, plan, parts):
    """``{path: sha256 or None}``: the digest entries of the parts after the run (``None``: removed)."""
    after = {posixpath.join(basedir, a['name']): None for a in plan.actions if a['action'] == 'remove'}
    after.update({posixpath.join(basedir, p['name']): p['sha256'] for p in parts})
    return after
