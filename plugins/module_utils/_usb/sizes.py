# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Sizes as options give them (bytes or a K/M/G/T suffix) and as messages show them.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.rescuefleet.media.plugins.module_utils._usb.errors import WriterError


def parse_size(value):
    """Bytes from ``268435456``, ``'256M'``, ``'1G'``, ``'512K'`` (powers of 1024)."""
    if value is None:
        return None
    text = str(value).strip().upper()
    match = re.match(r'^(\d+)\s*([KMGT]?)(I?B)?$', text)
    if not match:
        raise WriterError('size %r is not a size: use bytes or a K/M/G/T suffix, such as 256M or 8G' % (value,))
    return int(match.group(1)) * 1024 ** ' KMGT'.index(match.group(2) or ' ')


def human(size):
    for unit in ('bytes', 'KiB', 'MiB', 'GiB', 'TiB'):
        if size < 1024 or unit == 'TiB':
            return ('%d %s' % (size, unit)) if unit == 'bytes' else ('%.1f %s' % (size, unit))
        size /= 1024.0
    return str(size)
