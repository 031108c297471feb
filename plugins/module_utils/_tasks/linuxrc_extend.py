# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the linuxrc_extend module: parts on or off in the ``extend=`` list of linuxrc boot entries.

The boot configs are edited through :class:`~.._bootcfg.configs.ConfigsEdit` with the ``extend=``
list merge of :mod:`.._linuxrc.extend`; the plan predicts the ``CHECKSUMS`` text, the apply writes the
configs between the two steps of :mod:`.._linuxrc.checksums`.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import io

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.configs import ConfigsEdit, open_configs
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import encode
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_stream
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import checksums as sums
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.enable import (
    LINUXRC_KERNELS, check_parts_present, linuxrc_configs, wanted_items)
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import entry_edit
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import parts_dir
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


class ExtendPlan(Plan):
    """The planned edit of each boot config, and the ``CHECKSUMS`` entries of the changed ones."""

    def __init__(self, files, items, original, after, final):
        super().__init__([p for p in files if p.changed])
        self.files = files
        self.items = items
        self.original = original
        self.after = after      # {path of a changed config: its new sha256}
        self.final = final      # the CHECKSUMS text afterwards (None without CHECKSUMS)

    @property
    def checksums_changed(self):
        return self.original.present and self.final != self.original.text

    def listed_after(self):
        """The new digests of the changed configs the medium listed: a config it did not list stays
        unlisted (linuxrc does not read it); one it listed gets its entry back with the new digest."""
        listed = self.original.digests()
        return {p: s for p, s in self.after.items() if sums.path_key(p) in listed}

    def public(self):
        return {
            'files': [p.result() for p in self.files],
            'extend': [item.as_dict() for item in self.items],
            'checksums': {'present': self.original.present, 'signed': self.original.signed,
                          'changed': self.checksums_changed},
        }

    def diff(self):
        return [p.diff() for p in self.actions]


class LinuxrcExtend(Task):
    """``params`` are the module options; ``grub_check`` is the path of grub-script-check or None."""

    def __init__(self, params, check_mode=False, want_diff=False, grub_check=None):
        super().__init__(params, check_mode, want_diff)
        self.grub_check = grub_check if params.get('validate_grub', True) else None

    def open(self):
        params = self.params
        self.items = wanted_items(params['parts'])
        self.changes = entry_edit(self.items, params['state'])
        medium, self.named = open_configs(params.get('media'), None, params.get('files'), self.check_mode)
        return medium

    def plan(self, target):
        params = self.params
        if params['state'] == 'present':
            check_parts_present(target, parts_dir(params['arch']), self.items)
        edit = ConfigsEdit(target, self.changes, None, params.get('kernel') or list(LINUXRC_KERNELS),
                           params.get('titles') or None, params.get('format') or 'auto', self.grub_check,
                           params.get('validate_grub', True))
        if self.named is None:
            files = [(path, False, fmt) for path, fmt in linuxrc_configs(target, params['arch'])]
        else:
            files = [(path, True, None) for path, _explicit in self.named]
        plans = edit.plan(files)
        self.warnings.extend(edit.warnings)
        original = sums.Checksums.read(target)
        after = {p.path: sha256_stream(io.BytesIO(encode(p.new))) for p in plans if p.changed}
        interim = original.update(target, dict.fromkeys(after), write=False)
        plan = ExtendPlan(plans, self.items, original, after, None)
        plan.final = interim.finish(target, plan.listed_after(), add=True, write=False)
        if plan.checksums_changed and original.signed:
            self.warnings.append(sums.SIGNED_WARNING % ', '.join(sorted(after)))
        self.warnings.extend(edit.unmatched_warnings(plans))
        return plan

    def apply(self, target, plan):
        interim = plan.original.update(target, dict.fromkeys(plan.after), write=True)
        for item in plan.actions:
            target.write_bytes(item.path, encode(item.new))
        interim.finish(target, plan.listed_after(), add=True, write=True)
