# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``media`` option of the modules: its argument spec, and the :class:`Medium` it names.

``path`` gives a :class:`DirectoryMedium` (a mounted filesystem or a tree); ``image`` with
``partition`` or ``label`` gives a FAT partition of a disk image or block device reached with mtools,
without mounting (see the ``rescuefleet.media.media`` doc fragment). An ISO9660 image opened
read-only gives an :class:`IsoImageMedium` (read with xorriso); opened for writing it is refused.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import is_iso9660
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import MediumError
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium
from ansible_collections.rescuefleet.media.plugins.module_utils._media.fatimage import open_fat_image
from ansible_collections.rescuefleet.media.plugins.module_utils._media.iso import IsoImageMedium


def media_argument_spec(required=True):
    """The ``media`` option of every module that works on a medium (documented by the media doc fragment)."""
    return dict(type='dict', required=required, options=dict(
        path=dict(type='path'),
        image=dict(type='path'),
        partition=dict(type='int'),
        label=dict(type='str'),
    ), mutually_exclusive=[('path', 'image')], required_one_of=[('path', 'image')])


def open_medium(options, writable=True, located=None):
    """A :class:`Medium` for the ``media`` option; raises :class:`MediumError` with advice. ``located``: the
    ``medium`` facts that a run just before reported for the same FAT image (see ``open_fat_image``)."""
    options = options or {}
    if options.get('path') and options.get('image'):
        raise MediumError('media takes either path (a mounted filesystem or directory) or image (a disk image or '
                          'block device), not both')
    if options.get('path'):
        medium = DirectoryMedium(options['path'], writable=writable)
        if writable:
            medium.check_writable()
        return medium
    if options.get('image'):
        if not writable and is_iso9660(options['image']):
            # read-only users (media_info) get the ISO itself; writers keep refusing it with advice
            return IsoImageMedium(options['image'])
        return open_fat_image(options, writable=writable, located=located)
    raise MediumError('media needs path (a mounted filesystem or directory) or image (a disk image or block device)')
