# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Streamed sha256: the one way this collection hashes files and streams.

Also: a file's sha256 remembered by its stat data (so an unchanged source of hundreds of MiB is not
read again), and the check of a ``sha256sum``/``sha512sum`` file against the files it names.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import hashlib
import os
import threading

from ansible_collections.rescuefleet.media.plugins.module_utils._files import NotAFileError, check_regular, open_regular

CHUNK = 4 * 1024 * 1024


def stream_digest(handle, algorithm='sha256'):
    """Hex digest (a ``hashlib`` algorithm) of everything left in a binary file object, read in chunks."""
    digest = hashlib.new(algorithm)
    while True:
        chunk = handle.read(CHUNK)
        if not chunk:
            return digest.hexdigest()
        digest.update(chunk)


def sha256_stream(handle):
    """Hex sha256 of everything left in a binary file object, read in chunks."""
    return stream_digest(handle)


def sha256_file(path):
    """Hex sha256 of a regular file (or block device); a FIFO or character device is refused, never read
    (``open_regular``'s checks). A file of up to :data:`CHUNK` bytes (most of a module's sources) is read in one
    call into a buffer of its own size, without a file object: srm_build hashes tens of thousands of them."""
    check_regular(path, 'the file', allow_block=True)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        size = check_regular(path, 'the file', True, os.fstat(fd)).st_size
        os.set_blocking(fd, True)
        data = os.read(fd, min(size, CHUNK - 1) + 1)
        digest = hashlib.sha256(data)
        while data:
            data = os.read(fd, CHUNK)
            digest.update(data)
        return digest.hexdigest()
    finally:
        os.close(fd)


# how much a streamed copy writes before it asks the kernel to start writing it to the disk
WRITEBACK_EVERY = 16 * 1024 * 1024


def copy_hashing(stream, handle):
    """Copy everything from the binary file object ``stream`` (a pipe) to the open file ``handle`` and return
    the sha256 of the bytes, so that what is hashed is exactly what is written (no second read).

    Every :data:`WRITEBACK_EVERY` bytes the kernel is asked to start writing the part just copied to the disk
    (without waiting for it), so that the fsync before the final rename has little left to wait for."""
    digest = hashlib.sha256()
    fd = handle.fileno()
    done = flushed = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        handle.write(chunk)
        done += len(chunk)
        if done - flushed >= WRITEBACK_EVERY and hasattr(os, 'posix_fadvise'):
            handle.flush()
            # on Linux, DONTNEED starts the writeback of the dirty range and returns at once
            os.posix_fadvise(fd, flushed, done - flushed, os.POSIX_FADV_DONTNEED)
            flushed = done
    handle.flush()
    return digest.hexdigest()


def stat_data(path):
    """What says a local file is unchanged without reading it: size, mtime, inode and device."""
    st = os.stat(path)
    return {'size': st.st_size, 'mtime_ns': st.st_mtime_ns, 'inode': st.st_ino, 'device': st.st_dev}


def stat_key(st):
    """What says a file is unchanged, as a JSON list (srm_build's manifest): size, mtime, ctime, inode, device."""
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def same_stat(previous, current):
    """Whether the recorded stat data ``previous`` are ``current``'s."""
    return bool(previous) and all(previous.get(key) == value for key, value in current.items())


def cached_sha256(path, previous):
    """``(sha256, stat data, read)``: the sha256 of a local file, taken from ``previous`` (a record
    entry with ``sha256`` and stat data) when size, mtime, inode and device all still match."""
    current = stat_data(path)
    if same_stat(previous, current) and isinstance(previous.get('sha256'), str):
        return previous['sha256'], current, False
    return sha256_file(path), current, True


class HashingThread(threading.Thread):
    """sha256 of a local file, computed in the background while another process copies it.

    ``result()`` returns the digest or raises the error the read met (an ``OSError``, or the refusal of a
    file that is not a regular file).
    """

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.digest = None
        self.error = None

    def run(self):
        try:
            self.digest = sha256_file(self.path)
        except Exception as exc:  # pylint: disable=broad-except  # re-raised by result() in the caller's thread
            self.error = exc

    def result(self):
        if self.error is not None:
            raise self.error
        return self.digest


class KnownHash:
    """Stands in for a :class:`HashingThread` when the sha256 is known already."""

    def __init__(self, digest):
        self.digest = digest

    def start(self):
        pass

    def join(self):
        pass

    def result(self):
        return self.digest


def background_sha256(path, known=None):
    """A started hasher for ``path``: ``known`` when given, else computed in a thread."""
    hasher = KnownHash(known) if known else HashingThread(path)
    hasher.start()
    return hasher


# Digest length in hex digits -> hashlib algorithm, for the lines of sha256sum and sha512sum files.
_SUM_ALGORITHMS = {64: 'sha256', 128: 'sha512'}


def file_digest(path, algorithm):
    with open_regular(path, 'the file', allow_block=True) as handle:
        return stream_digest(handle, algorithm)


def sum_file_problems(sums_file):
    """What is wrong with the files a ``sha256sum``/``sha512sum`` file names (``<digest>  [*]<name>``
    per line, names relative to its directory): ``[]`` when every one is there and matches."""
    base = os.path.dirname(sums_file)
    problems = []
    checked = 0
    with open_regular(sums_file, 'the checksum file') as handle:
        lines = handle.read().decode('utf-8', 'surrogateescape').splitlines()
    for line in lines:
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        digest, _sep, name = line.strip().partition(' ')
        name = name.strip().lstrip('*')
        algorithm = _SUM_ALGORITHMS.get(len(digest))
        if algorithm is None or not name or any(c not in '0123456789abcdefABCDEF' for c in digest):
            problems.append('%s: the line %r is not "<sha256 or sha512>  <file>"' % (sums_file, line.strip()))
            continue
        if os.path.isabs(name) or '..' in name.split('/'):
            problems.append('%s: %s is outside the directory of the checksum file' % (sums_file, name))
            continue
        path = os.path.join(base, name)
        checked += 1
        try:
            actual = file_digest(path, algorithm)
        except OSError as exc:
            problems.append('%s: %s' % (name, exc.strerror))
            continue
        except NotAFileError:
            problems.append('%s: not a regular file' % name)
            continue
        if actual != digest.lower():
            problems.append('%s: its %s is %s, not %s' % (name, algorithm, actual, digest.lower()))
    if not checked and not problems:
        problems.append('%s names no file' % sums_file)
    return problems
