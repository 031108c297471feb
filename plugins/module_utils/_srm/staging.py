# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Lay a resolved SRM tree out as a directory that mksquashfs can read.

Regular files are hard links to their sources when the source already has the wanted
mode (no data is copied); otherwise, and where linking is not possible (another
filesystem, not permitted), they are copied. The image does not depend on which way a
file was staged: mksquashfs runs with ``-no-hardlinks`` and fixed times.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import errno
import os
import shutil

_LINK_FALLBACK = (errno.EXDEV, errno.EPERM, errno.EACCES, errno.EMLINK, errno.ENOTSUP, errno.ENOSYS)


def stage(entries, root, set_owner=False):
    """Create every entry below ``root``; returns counts of linked and copied files."""
    counts = {'linked': 0, 'copied': 0}
    dirs = []
    for path in sorted(entries):
        entry = entries[path]
        target = root if path == '/' else os.path.join(root, path.lstrip('/'))
        kind = entry['type']
        if kind == 'dir':
            if path != '/':
                os.mkdir(target, 0o700)
            dirs.append((target, entry))
            continue
        if kind == 'link':
            os.symlink(entry['target'], target)
        elif entry['source'] is None:
            with open(target, 'wb') as handle:
                handle.write(entry['content'])
            os.chmod(target, entry['mode'])
        elif _link_or_copy(entry, target):
            counts['linked'] += 1
            continue
        else:
            counts['copied'] += 1
            os.chmod(target, entry['mode'])
        if set_owner:
            os.lchown(target, entry['uid'], entry['gid'])
    # directories last: a read-only directory must not stop its own content being staged
    for target, entry in reversed(dirs):
        os.chmod(target, entry['mode'])
        if set_owner:
            os.lchown(target, entry['uid'], entry['gid'])
    return counts


def _link_or_copy(entry, target):
    """Hard-link when the source carries the wanted mode; True when linked."""
    if entry.get('source_mode') == entry['mode']:
        try:
            os.link(entry['source'], target)
            return True
        except OSError as exc:
            if exc.errno not in _LINK_FALLBACK:
                raise
    shutil.copyfile(entry['source'], target)
    return False
