# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the linuxrc_extend module.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import io

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import encode
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_stream
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import checksums as sums
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.enable import LINUXRC_KERNELS, linuxrc_configs, wanted_items
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import entry_edit
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError, parts_dir
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.bootcfg_loadsrm import LoadsrmRun


class LinuxrcExtend(LoadsrmRun):
    """``params`` are the module options; ``grub_check`` is the path of grub-script-check or None."""

    def run(self):
        params = self.params
        items = wanted_items(params['parts'])
        changes = entry_edit(items, params['state'])
        kernels = params.get('kernel') or list(LINUXRC_KERNELS)
        titles = params.get('titles') or None
        basedir = parts_dir(params['arch'])
        medium, files = self._target()
        try:
            with medium.locked():
                if params['state'] == 'present':
                    self._check_parts(medium, basedir, items)
                found = {}
                if files is None:
                    discovered = linuxrc_configs(medium, params['arch'])
                    files = [(path, False) for path, _fmt in discovered]
                    found = dict(discovered)
                plans = [self._plan(medium, path, explicit, found.get(path), params.get('format') or 'auto', changes,
                                    None, kernels, titles) for path, explicit in files]
                plans = [p for p in plans if p is not None]
                self._validate(plans)
                changed = [p for p in plans if p.changed]
                original = sums.Checksums.read(medium)
                after = {p.path: sha256_stream(io.BytesIO(encode(p.new))) for p in changed}
                interim = original.update(medium, dict.fromkeys(after), write=not self.check_mode)
                if not self.check_mode:
                    for item in changed:
                        medium.write_bytes(item.path, encode(item.new))
                # a boot config the medium did not list stays unlisted (linuxrc does not read it); one it
                # listed gets its entry back with the new digest
                listed = original.digests()
                final = interim.finish(medium, {p: s for p, s in after.items() if sums.path_key(p) in listed}, add=True,
                                       write=not self.check_mode)
        finally:
            medium.close()
        checksums_changed = original.present and final != original.text
        if checksums_changed and original.signed:
            self.warnings.append(sums.SIGNED_WARNING % ', '.join(sorted(after)))
        result = {
            'changed': bool(changed),
            'files': [p.result() for p in plans],
            'extend': [item.as_dict() for item in items],
            'checksums': {'present': original.present, 'signed': original.signed, 'changed': checksums_changed},
        }
        self._warn_unmatched(plans, kernels, titles)
        if self.want_diff:
            result['diff'] = [{'before_header': p.path, 'after_header': p.path, 'before': _shown(p.old),
                               'after': _shown(p.new)} for p in changed]
        return result

    def _check_parts(self, medium, basedir, items):
        """A part that is not optional must be on the medium: linuxrc stops with an error when it is missing."""
        present = {e['name'] for e in medium.list_dir(basedir) if e['type'] == 'file'}
        missing = [item.name for item in items if not item.optional and item.name not in present]
        if missing:
            raise LinuxrcError('%s not on the medium in %s/; deploy %s first (rescuefleet.media.linuxrc_parts) or mark '
                               '%s optional with a leading ? (such as ?%s); nothing was changed'
                               % (', '.join(missing), basedir, 'them' if len(missing) > 1 else 'it',
                                  'them' if len(missing) > 1 else 'it', missing[0]))


def _shown(text):
    return text.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')
