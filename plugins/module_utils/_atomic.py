# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write local files under a temporary name and rename them into place.

Temporary names start with a dot and never end in the final suffix, so a boot loader or
a glob such as ``*.srm`` never picks up a half-written file. Leftovers of an interrupted
run carry a recognisable marker and are swept by the next run.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

MARKER = '.rf-tmp-'


def temp_prefix(dest):
    return '.%s%s' % (os.path.basename(dest), MARKER)


def make_temp_file(dest):
    """Create an empty temporary file beside ``dest``; returns its path."""
    fd, path = tempfile.mkstemp(prefix=temp_prefix(dest), dir=os.path.dirname(os.path.abspath(dest)))
    os.close(fd)
    return path


def make_temp_dir(dest):
    return tempfile.mkdtemp(prefix=temp_prefix(dest), dir=os.path.dirname(os.path.abspath(dest)))


def sweep(dest):
    """Remove temporary files and directories left beside ``dest`` by interrupted runs."""
    pattern = os.path.join(glob.escape(os.path.dirname(os.path.abspath(dest))), glob.escape(temp_prefix(dest)) + '*')
    removed = []
    for path in glob.glob(pattern):
        remove(path)
        removed.append(path)
    return removed


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def replace(temp, dest):
    """Rename ``temp`` over ``dest`` and make the rename durable."""
    with open(temp, 'rb') as handle:
        os.fsync(handle.fileno())
    os.replace(temp, dest)
    _fsync_dir(os.path.dirname(os.path.abspath(dest)))


def write_text(dest, text):
    temp = make_temp_file(dest)
    try:
        with open(temp, 'w', encoding='utf-8') as handle:
            handle.write(text)
        os.chmod(temp, 0o644)
        replace(temp, dest)
    except BaseException:
        remove(temp)
        raise


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
