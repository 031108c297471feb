# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the usb_write_iso module: a SystemRescue ISO onto a stick as SystemRescue's USB writer does.

The device is checked when it is opened (:mod:`.._usb.device`); the plan compares what it holds with the
ISO (:mod:`.._usb.layout`) and checks the space; the apply extracts the ISO, checks the tree and writes
(:mod:`.._usb.write`). A medium that already holds the same ISO is left alone.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import extract_tree, read_volume, tree_listing
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.device import open_device
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.errors import WriterError
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.layout import MARKER_FORMAT, MIN_FAT32, PARTITION_OFFSET, current_state
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.sizes import human, parse_size
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.write import (
    check_entries, check_label, check_tools, check_tree, find_mbr, listing_entries, write_medium)


class WritePlan(Plan):
    """Whether the ISO is written (``changed``) and why (``reason``)."""

    def __init__(self, facts, changed, reason):
        super().__init__()
        self.facts = facts
        self._changed = changed
        self.reason = reason

    @property
    def changed(self):
        return self._changed

    def public(self):
        return dict(self.facts, written=False, reason=self.reason)


class UsbWriter(Task):
    """One run: check the device, decide, write."""

    def __init__(self, params, check_mode=False):
        super().__init__(params, check_mode)
        self.iso = params['iso']

    def open(self):
        params = self.params
        device = open_device(params['device'], params.get('image_size'), params.get('allow_fixed'))
        self.volume_id = check_label(read_volume(self.iso)['volume_id'])
        self.iso_size = os.path.getsize(self.iso)
        self.iso_sha = (params.get('iso_sha256') or '').lower() or sha256_file(self.iso)
        self.mbr_path, self.mbr_code = find_mbr(params.get('mbr'))
        return device

    def plan(self, target):
        params = self.params
        size = target.size
        facts = {
            'device': target.path, 'kind': target.kind, 'size': size, 'volume_id': self.volume_id,
            'iso_sha256': self.iso_sha,
            'partition': {'number': 1, 'start': PARTITION_OFFSET, 'size': size - PARTITION_OFFSET},
        }
        if target.exists:
            state = current_state(target.path, size)
        else:
            state = {'layout': False, 'why': 'the image does not exist yet'}
        marker = state.get('marker') or {}
        same = state['layout'] and marker.get('iso_sha256') == self.iso_sha and state.get('label') == self.volume_id
        if same and not params.get('force'):
            return WritePlan(facts, False, '%s (%s) is already on the medium' % (
                marker.get('iso_name') or os.path.basename(self.iso), self.volume_id))
        if params.get('force'):
            why = 'force is set'
        elif state['layout'] and marker.get('iso_sha256'):
            why = 'the medium holds another ISO (%s, %s)' % (marker.get('volume_id'), marker.get('iso_name'))
        elif state['layout'] and state.get('label') != self.volume_id and marker:
            why = 'the filesystem label %s differs from the volume id %s' % (state.get('label'), self.volume_id)
        else:
            why = state.get('why') or 'the medium holds something else'
        reserve = parse_size(params.get('min_free') or 0)
        needed = PARTITION_OFFSET + int(self.iso_size * 1.02) + reserve + 4 * 1024 * 1024
        needed = max(needed, PARTITION_OFFSET + MIN_FAT32)
        if size < needed:
            raise WriterError('refusing to write %s: it is too small (%s; the ISO needs %s including min_free %s)'
                              % (target.path, human(size), human(needed), human(reserve)))
        # what the real run checks before its first write, checked here too (check mode must not promise a
        # write that the run refuses): the tools, the ISO's content as FAT would hold it, room to extract it
        check_tools()
        check_entries(listing_entries(tree_listing(self.iso, '/')), size - PARTITION_OFFSET)
        self._check_workdir()
        return WritePlan(facts, True, why)

    def _check_workdir(self):
        workdir = self.params.get('workdir') or tempfile.gettempdir()
        try:
            st = os.statvfs(workdir)
        except OSError as exc:
            raise WriterError('workdir %s cannot be used: %s; give an existing directory; nothing was written'
                              % (workdir, exc.strerror)) from exc
        if not os.access(workdir, os.W_OK) or st.f_flag & os.ST_RDONLY:
            raise WriterError('cannot write to workdir %s, where the ISO is extracted first; give a writable workdir; '
                              'nothing was written' % workdir)
        if st.f_bavail * st.f_frsize < self.iso_size:
            raise WriterError('workdir %s has %s free, but the ISO (%s) is extracted there first; give a workdir '
                              'with more space; nothing was written' % (workdir, human(st.f_bavail * st.f_frsize),
                                                                        human(self.iso_size)))

    def apply(self, target, plan):
        if not plan.changed:
            return None
        new_marker = {'format': MARKER_FORMAT, 'iso_name': os.path.basename(self.iso), 'iso_sha256': self.iso_sha,
                      'iso_size': self.iso_size, 'volume_id': self.volume_id, 'mbr': os.path.basename(self.mbr_path),
                      'writer': 'rescuefleet.media.usb_write_iso'}
        # Everything that can be checked is checked on the extracted tree before the medium is touched
        # (or the image file created): a refusal leaves it byte-identical.
        tree = tempfile.mkdtemp(prefix='rescuefleet-iso-', dir=self.params.get('workdir'))
        try:
            extract_tree(self.iso, '/', tree)
            check_tree(tree, target.size - PARTITION_OFFSET)
            if not target.exists:
                with open(target.path, 'xb') as handle:
                    handle.truncate(target.size)
            write_medium(target.path, tree, self.volume_id, self.mbr_code, target.size, target.kind == 'block',
                         new_marker)
        finally:
            shutil.rmtree(tree, ignore_errors=True)
        return {'written': True}
