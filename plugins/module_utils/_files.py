# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Local files a module reads: only regular files are opened, and never in a way that can block.

Opening a FIFO for reading waits for a writer that may never come (the run hangs), a character device
such as ``/dev/zero`` never ends, and a directory or socket cannot be read at all. A path the user gave
(a source, a configuration, a record left by an earlier run) is therefore checked with ``stat`` first and
opened with ``O_NONBLOCK`` (should it be swapped for a FIFO between the two, ``open`` still returns at
once), and the file type of the open descriptor is checked again.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import stat

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

_KINDS = (
    (stat.S_ISDIR, 'a directory'),
    (stat.S_ISFIFO, 'a FIFO (named pipe)'),
    (stat.S_ISSOCK, 'a socket'),
    (stat.S_ISCHR, 'a character device'),
    (stat.S_ISBLK, 'a block device'),
    (stat.S_ISLNK, 'a symlink'),
)


class NotAFileError(RescueFleetError):
    """A path that should name a regular file names something else; nothing was read or changed."""


def kind_of(mode):
    """``'a regular file'``, ``'a directory'``, ``'a FIFO (named pipe)'``, ... for an ``st_mode``."""
    if stat.S_ISREG(mode):
        return 'a regular file'
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return 'a special file'


def check_regular(path, what, allow_block=False, st=None):
    """The ``os.stat`` of ``path`` when it is a regular file (or, with ``allow_block``, a block device);
    else :class:`NotAFileError` naming ``what`` (the option or role of the path) and its type.
    A missing path raises ``FileNotFoundError`` as ``os.stat`` does."""
    st = os.stat(path) if st is None else st
    if stat.S_ISREG(st.st_mode) or (allow_block and stat.S_ISBLK(st.st_mode)):
        return st
    raise NotAFileError('%s %s is %s, not a regular file; give the path of a regular file (nothing was read or '
                        'changed)' % (what, path, kind_of(st.st_mode)))


def open_regular(path, what, allow_block=False):
    """A binary file object reading the regular file ``path`` (see :func:`check_regular`); never blocks."""
    check_regular(path, what, allow_block)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        check_regular(path, what, allow_block, os.fstat(fd))
        os.set_blocking(fd, True)
        return os.fdopen(fd, 'rb')
    except BaseException:
        os.close(fd)
        raise


def read_regular(path, what):
    """The bytes of the regular file ``path``; :class:`NotAFileError` for anything else, without blocking."""
    with open_regular(path, what) as handle:
        return handle.read()
