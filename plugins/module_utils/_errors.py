# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one base class of every error this collection raises on purpose.

Each concern derives its own class (``MediumError``, ``BuildError``, ...) from :class:`RescueFleetError`,
so a module catches one class; its message already says what is wrong and what to do. Wrap a lower
error with ``raise XError('...') from exc`` so the cause stays attached for debugging.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import errno

# What to do about an OSError that reaches a module unexpected, by errno.
_OS_ADVICE = {
    errno.ENOSPC: 'the filesystem is full: free space or use a larger medium',
    errno.EDQUOT: 'the disk quota is exhausted: free space or raise the quota',
    errno.EACCES: 'permission denied: run the task with become or fix the permissions',
    errno.EPERM: 'the operation is not permitted: run the task with become or fix the permissions',
    errno.EROFS: 'the filesystem is read-only: remount it read-write or use another medium',
    errno.EIO: 'an I/O error occurred: the medium or disk may be failing; check the kernel log (dmesg)',
    errno.ENOENT: 'a file or directory does not exist: check the paths given to the task',
    errno.ENOTDIR: 'a path component is not a directory: check the paths given to the task',
    errno.EISDIR: 'a directory was found where a file was expected: check the paths given to the task',
    errno.EEXIST: 'something already exists where a new file or directory was to be made: remove it or '
                  'choose another path',
    errno.ENAMETOOLONG: 'a file name is too long for the filesystem: use a shorter name',
    errno.EBUSY: 'the device or file is busy: unmount it or stop what uses it',
}


class RescueFleetError(Exception):
    """A problem the user can act on; the message says what is wrong and what to do.

    ``facts`` are result keys the failure carries beside ``msg``, for a controller-side action plugin
    that can act on them (the modules a run lacks files for, say)."""

    facts = {}


def describe_os_error(exc):
    """A one-line message for an ``OSError`` that says what failed, where, and what to do."""
    what = exc.strerror or str(exc)
    where = ''
    if exc.filename is not None:
        where = ' (%s%s)' % (exc.filename, ' -> %s' % exc.filename2 if exc.filename2 is not None else '')
    advice = _OS_ADVICE.get(exc.errno, 'check the paths and the medium, then run the task again')
    return '%s%s: %s; nothing was left half-written' % (what, where, advice)
