# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The work of the ``linuxrc_extend`` module: parts on or off in the ``extend`` list of linuxrc boot entries.

The boot configs are read, edited and checked by bootcfg_loadsrm's machinery
(:class:`~.._bootcfg.loadsrm.LoadsrmRun`); which menus and entries belong to linuxrc, on every
architecture, is :mod:`.layout`'s; the edit of each entry is :mod:`.extend`'s (the list as linuxrc
computes it, changed as asked, written back as one option). Parts are checked with :mod:`.parts_check`
before anything is written. linuxrc never reads boot menus through its download path, so the digest
list (``CHECKSUMS`` or ``/content``) and its signature are left alone.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import discovery as bootcfg
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.loadsrm import LoadsrmRun
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import digests as digest_lists
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import layout as layouts
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import parts_check
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import entry_edit
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError

LINUXRC_KERNELS = layouts.KERNELS


class LinuxrcExtend(LoadsrmRun):
    """``params`` are the module options; ``grub_check`` is the path of grub-script-check or None."""

    def run(self):
        params = self.params
        items = parts_check.wanted_items(params['parts'])
        kernels = params.get('kernel') or list(LINUXRC_KERNELS)
        titles = params.get('titles') or None
        medium, files = self._target()
        try:
            with medium.locked():
                found_layouts = layouts.arch_layouts(medium)
                arch = parts_check.chosen_arch(params.get('arch'), found_layouts)
                if arch and not params.get('kernel'):
                    kernels = layouts.arch_kernels(arch)
                found = {}
                if files is None:
                    discovered = parts_check.menus_of(medium, found_layouts, arch)
                    files = [(path, False) for path, _fmt in discovered]
                    found = dict(discovered)
                plans = [self._plan(medium, path, explicit, found.get(path), params.get('format') or 'auto',
                                    entry_edit(items, params['state']), None, kernels, titles) for path, explicit in files]
                plans = [p for p in plans if p is not None]
                edited = parts_check.entry_arches(plans, found_layouts, arch)
                if params['state'] == 'present':
                    if not edited:
                        raise LinuxrcError(parts_check.no_entry_message(plans, kernels, titles, arch))
                    parts_check.check_entries(medium, plans, edited, found_layouts, items)
                    self.warnings.extend(parts_check.init_warnings(medium, edited, found_layouts, items))
                self._validate(plans)
                changed = [p for p in plans if p.changed]
                if not self.check_mode:
                    for item in changed:
                        medium.write_bytes(item.path, bootcfg.encode(item.new))
                digests = digest_lists.read(medium)
        finally:
            medium.close()
        result = {
            'changed': bool(changed),
            'files': [p.result() for p in plans],
            'extend': [item.as_dict() for item in items],
            'arches': sorted({a for a in edited.values() if a}),
            # linuxrc does not read boot menus through its download path: their digests stay as they are
            'checksums': dict(digest_lists.describe(digests), changed=False),
        }
        self._warn_unmatched(plans, kernels, titles)
        if self.want_diff:
            result['diff'] = [{'before_header': p.path, 'after_header': p.path, 'before': _shown(p.old),
                               'after': _shown(p.new)} for p in changed]
        return result


def _shown(text):
    return text.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')
