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

import ctypes
import glob
import os
import re
import shutil
import tempfile

MARKER = '.rf-tmp-'
# The 8.3 temporary names the FAT-image backend writes through (see _media/fatimage.py); a stick
# edited through mtools and later mounted as a directory can hold leftovers of both kinds.
FAT_TEMP_NAME = re.compile(r'^~rf[0-9a-f]{5}\.tmp$', re.IGNORECASE)


def temp_prefix(dest):
    return '.%s%s' % (os.path.basename(dest), MARKER)


def make_temp_file(dest):
    """Create an empty temporary file beside ``dest``; returns its path."""
    fd, path = tempfile.mkstemp(prefix=temp_prefix(dest), dir=os.path.dirname(os.path.abspath(dest)))
    os.close(fd)
    return path


def make_temp_dir(dest):
    return tempfile.mkdtemp(prefix=temp_prefix(dest), dir=os.path.dirname(os.path.abspath(dest)))


def leftovers(dest):
    """Temporary files and directories that interrupted runs left beside ``dest`` (not removed)."""
    pattern = os.path.join(glob.escape(os.path.dirname(os.path.abspath(dest))), glob.escape(temp_prefix(dest)) + '*')
    return sorted(glob.glob(pattern))


def leftovers_in(directory):
    """Every temporary name (:func:`is_temp_name`) that interrupted runs left in ``directory`` (not removed)."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(os.path.join(directory, name) for name in names if is_temp_name(name))


def sweep(dest):
    """Remove :func:`leftovers` of ``dest``; returns their paths."""
    removed = leftovers(dest)
    for path in removed:
        remove(path)
    return removed


def remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        remove_tree(path)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def remove_tree(directory):
    """Remove a tree that may hold read-only directories (extracted modules, installed packages)."""
    top = os.path.abspath(directory)

    def retry(func, path, _exc):
        parent = os.path.dirname(os.path.abspath(path))
        if parent != top and not parent.startswith(top + os.sep):
            return  # the tree itself could not be removed: never change the mode of the directory around it
        try:
            os.chmod(parent, 0o700)
            func(path)
        except OSError:
            pass
    shutil.rmtree(directory, onerror=retry)


def is_temp_name(name):
    """Whether a file name is one of our temporary names (a leftover when no run is active)."""
    return (name.startswith('.') and MARKER in name) or bool(FAT_TEMP_NAME.match(name))


def replace(temp, dest):
    """Rename ``temp`` over ``dest`` and make the rename durable."""
    with open(temp, 'rb') as handle:
        os.fsync(handle.fileno())
    os.replace(temp, dest)
    _fsync_dir(os.path.dirname(os.path.abspath(dest)))


def write_file(dest, fill, mode=None):
    """Create or replace ``dest`` atomically: ``fill(temp_path)`` writes the content under a temporary
    name beside it, which is then renamed into place.

    ``mode`` is applied before the rename; ``None`` keeps the mode of an existing ``dest`` (0644 for a
    new file), and on filesystems that store no modes (FAT) a refused chmod is ignored.
    """
    temp = make_temp_file(dest)
    try:
        fill(temp)
        _set_mode(temp, dest, mode)
        replace(temp, dest)
    except BaseException:
        remove(temp)
        raise


def write_many(items):
    """Create or replace many small files, each atomically, with one flush to the disk for all of them.

    ``items`` are ``(dest, data, mode)`` (``mode`` as :func:`write_file` takes it). Every file is written under
    its temporary name, then the filesystems holding them are flushed once (instead of one fsync per file,
    which costs a journal commit each: tens of thousands for a PXE tree), then each is renamed into place and
    each directory flushed. So no file is renamed before its content is on the disk, as with
    :func:`write_file`; an interruption leaves every file old or new, never partial."""
    temps = []
    try:
        for dest, data, mode in items:
            fd, temp = tempfile.mkstemp(prefix=temp_prefix(dest), dir=os.path.dirname(os.path.abspath(dest)))
            temps.append([temp, dest])
            with os.fdopen(fd, 'wb') as handle:
                handle.write(data)
            _set_mode(temp, dest, mode)
        _flush_files([temp for temp, _dest in temps])
        for pair in temps:
            os.replace(pair[0], pair[1])
            pair[0] = None
    except BaseException:
        for temp, _dest in temps:
            if temp is not None:
                remove(temp)
        raise
    for directory in sorted({os.path.dirname(os.path.abspath(dest)) for _temp, dest in temps}):
        _fsync_dir(directory)


def _flush_files(paths):
    """Make the content of ``paths`` durable: one ``syncfs`` per filesystem holding them where the C library
    has it (Linux), else one fsync per file."""
    syncfs = _syncfs()
    done = set()
    for path in paths:
        device = os.stat(path).st_dev
        if device in done:
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            if syncfs is None or syncfs(fd) != 0:
                os.fsync(fd)
            else:
                done.add(device)
        finally:
            os.close(fd)


def _syncfs():
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


def write_bytes(dest, data, mode=None):
    def fill(temp):
        with open(temp, 'wb') as handle:
            handle.write(data)
    write_file(dest, fill, mode)


def write_text(dest, text, mode=None):
    write_bytes(dest, text.encode('utf-8'), mode)


def copy_file(src, dest, mode=None):
    write_file(dest, lambda temp: shutil.copyfile(src, temp), mode)


def _set_mode(temp, dest, mode):
    if mode is None:
        try:
            mode = os.stat(dest).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    try:
        os.chmod(temp, mode)
    except PermissionError:
        pass  # FAT and friends: modes are not stored


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
