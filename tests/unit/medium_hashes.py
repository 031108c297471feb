# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fingerprints that prove a medium (or anything around it) was left byte-identical."""

from __future__ import annotations

import hashlib
import os


def tree_hash(path):
    """sha256 over every path, type, mode, link target and content below ``path`` (links not followed)."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            digest.update(os.fsencode(os.path.relpath(full, path)) + b'\0%o\0' % st.st_mode)
            if os.path.islink(full):
                digest.update(os.fsencode(os.readlink(full)))
            elif os.path.isfile(full):
                with open(full, 'rb') as handle:
                    digest.update(handle.read())
    return digest.hexdigest()


def file_hash(path):
    """sha256 of a file (a disk image), read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()
