# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the linuxrc_extend module: parts on or off in the ``extend`` list of linuxrc boot entries.

The boot configs are edited through :class:`~.._bootcfg.configs.ConfigsEdit`; which menus and entries
belong to linuxrc, on every architecture, is :mod:`.._linuxrc.layout`'s; the edit of each entry is
:mod:`.._linuxrc.extend`'s (the list as linuxrc computes it, changed as asked, written back as one
option). The plan checks the parts with :mod:`.._linuxrc.parts_check` before anything is written.
linuxrc never reads boot menus through its download path, so the digest list (``CHECKSUMS`` or
``/content``) and its signature are left alone.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.configs import ConfigsEdit, open_configs
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import encode
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import digests as digest_lists
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import layout as layouts
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import parts_check
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import entry_edit
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


class ExtendPlan(Plan):
    """The planned edit of each boot config, the architectures of the edited entries and the digest list
    (reported, never changed)."""

    def __init__(self, files, items, arches, digests):
        super().__init__([p for p in files if p.changed])
        self.files = files
        self.items = items
        self.arches = arches
        self.digests = digests

    def public(self):
        return {
            'files': [p.result() for p in self.files],
            'extend': [item.as_dict() for item in self.items],
            'arches': self.arches,
            # linuxrc does not read boot menus through its download path: their digests stay as they are
            'checksums': dict(digest_lists.describe(self.digests), changed=False),
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
        self.items = parts_check.wanted_items(params['parts'])
        medium, self.named = open_configs(params.get('media'), None, params.get('files'), self.check_mode)
        return medium

    def _files(self, target, found_layouts, arch):
        """``[(path, named, format)]`` of the menus to edit: those named, or every one of the architecture."""
        if self.named is None:
            return [(path, False, fmt) for path, fmt in parts_check.menus_of(target, found_layouts, arch)]
        return [(path, True, None) for path, _explicit in self.named]

    def leftover_places(self, target):
        # the directories of the menus: their temporary names are written beside them
        found_layouts = layouts.arch_layouts(target)
        arch = parts_check.chosen_arch(self.params.get('arch'), found_layouts)
        return sorted({posixpath.dirname(path) for path, _named, _fmt in self._files(target, found_layouts, arch)})

    def plan(self, target):
        params = self.params
        found_layouts = layouts.arch_layouts(target)
        arch = parts_check.chosen_arch(params.get('arch'), found_layouts)
        kernels = params.get('kernel') or (layouts.arch_kernels(arch) if arch else list(layouts.KERNELS))
        titles = params.get('titles') or None
        edit = ConfigsEdit(target, entry_edit(self.items, params['state']), None, kernels, titles,
                           params.get('format') or 'auto', self.grub_check, params.get('validate_grub', True))
        plans = edit.plan(self._files(target, found_layouts, arch))
        for item in plans:  # passwords on the menus' command lines: masked in the diffs, never shown
            self.secrets.extend(item.secrets)
        self.warnings.extend(edit.warnings)
        edited = parts_check.entry_arches(plans, found_layouts, arch)
        if params['state'] == 'present':
            if not edited:
                raise LinuxrcError(parts_check.no_entry_message(plans, kernels, titles, arch))
            parts_check.check_entries(target, plans, edited, found_layouts, self.items)
            self.warnings.extend(parts_check.init_warnings(target, edited, found_layouts, self.items))
        self.warnings.extend(edit.unmatched_warnings(plans))
        return ExtendPlan(plans, self.items, sorted({a for a in edited.values() if a}), digest_lists.read(target))

    def apply(self, target, plan):
        for item in plan.actions:
            target.write_bytes(item.path, encode(item.new))
