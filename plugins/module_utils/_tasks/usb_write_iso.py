# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the usb_write_iso module.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import extract_tree, read_volume
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.device import (
    block_device_problems, device_size, exclusive_problem, loop_users)
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.errors import WriterError
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.layout import (
    MARKER_FORMAT, MIN_FAT32, PARTITION_OFFSET, current_state)
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.sizes import human, parse_size
from ansible_collections.rescuefleet.media.plugins.module_utils._usb.write import (
    check_label, check_tools, check_tree, find_mbr, write_medium)


class UsbWriter:
    """One run: check the device, decide, write."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self.device = params['device']
        self.iso = params['iso']

    def _device(self):
        """``(kind, size, exists)``; refuses what must not be written."""
        try:
            st = os.stat(self.device)
        except FileNotFoundError:
            create = parse_size(self.params.get('image_size'))
            if not create:
                raise WriterError('%s does not exist; give a block device, an existing image file, or image_size to '
                                  'create an image file' % self.device)
            if not os.path.isdir(os.path.dirname(os.path.abspath(self.device))):
                raise WriterError('the directory of %s does not exist; create it first' % self.device)
            return 'image', create, False
        if stat.S_ISBLK(st.st_mode):
            problems = block_device_problems(self.device, allow_fixed=self.params.get('allow_fixed'))
            if not problems:
                busy = exclusive_problem(self.device)
                if busy:
                    problems.append(busy)
            if problems:
                raise WriterError('refusing to write %s: %s' % (self.device, '; '.join(problems)))
            return 'block', device_size(self.device, st), True
        if not stat.S_ISREG(st.st_mode):
            raise WriterError('%s is neither a block device nor a disk image file' % self.device)
        users = loop_users(self.device)
        if users:
            raise WriterError('refusing to write %s: it is attached to %s (detach with losetup -d, or unmount it first)'
                              % (self.device, ', '.join(users)))
        if not os.access(self.device, os.W_OK):
            raise WriterError('refusing to write %s: it is read-only for this user; fix its permissions or run the '
                              'task with become' % self.device)
        size = st.st_size
        wanted = parse_size(self.params.get('image_size'))
        if wanted and size < wanted:
            raise WriterError('the image %s has %s, less than image_size %s; remove it or give a smaller image_size'
                              % (self.device, human(size), human(wanted)))
        return 'image', size, True

    def run(self):
        params = self.params
        kind, size, exists = self._device()
        volume_id = check_label(read_volume(self.iso)['volume_id'])
        iso_size = os.path.getsize(self.iso)
        iso_sha = (params.get('iso_sha256') or '').lower() or sha256_file(self.iso)
        mbr_path, mbr_code = find_mbr(params.get('mbr'))
        result = {
            'device': self.device, 'kind': kind, 'size': size, 'volume_id': volume_id, 'iso_sha256': iso_sha,
            'partition': {'number': 1, 'start': PARTITION_OFFSET, 'size': size - PARTITION_OFFSET},
        }
        state = current_state(self.device, size) if exists else {'layout': False, 'why': 'the image does not exist yet'}
        marker = state.get('marker') or {}
        same = state['layout'] and marker.get('iso_sha256') == iso_sha and state.get('label') == volume_id
        if same and not params.get('force'):
            result.update(changed=False, written=False, reason='%s (%s) is already on the medium' % (
                marker.get('iso_name') or os.path.basename(self.iso), volume_id))
            return result
        if params.get('force'):
            why = 'force is set'
        elif state['layout'] and marker.get('iso_sha256'):
            why = 'the medium holds another ISO (%s, %s)' % (marker.get('volume_id'), marker.get('iso_name'))
        elif state['layout'] and state.get('label') != volume_id and marker:
            why = 'the filesystem label %s differs from the volume id %s' % (state.get('label'), volume_id)
        else:
            why = state.get('why') or 'the medium holds something else'
        reserve = parse_size(params.get('min_free') or 0)
        needed = PARTITION_OFFSET + int(iso_size * 1.02) + reserve + 4 * 1024 * 1024
        needed = max(needed, PARTITION_OFFSET + MIN_FAT32)
        if size < needed:
            raise WriterError('refusing to write %s: it is too small (%s; the ISO needs %s including min_free %s)'
                              % (self.device, human(size), human(needed), human(reserve)))
        result.update(changed=True, written=not self.check_mode, reason=why)
        if self.check_mode:
            return result
        check_tools()
        new_marker = {'format': MARKER_FORMAT, 'iso_name': os.path.basename(self.iso), 'iso_sha256': iso_sha,
                      'iso_size': iso_size, 'volume_id': volume_id, 'mbr': os.path.basename(mbr_path),
                      'writer': 'rescuefleet.media.usb_write_iso'}
        # Everything that can be checked is checked on the extracted tree before the medium is touched
        # (or the image file created): a refusal leaves it byte-identical.
        tree = tempfile.mkdtemp(prefix='rescuefleet-iso-', dir=params.get('workdir'))
        try:
            extract_tree(self.iso, '/', tree)
            check_tree(tree, size - PARTITION_OFFSET)
            if not exists:
                with open(self.device, 'xb') as handle:
                    handle.truncate(size)
            write_medium(self.device, tree, volume_id, mbr_code, size, kind == 'block', new_marker)
        finally:
            shutil.rmtree(tree, ignore_errors=True)
        return result
