# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Streamed sha256: the one way this collection hashes files and streams.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import hashlib
import threading

CHUNK = 4 * 1024 * 1024


def sha256_stream(handle):
    """Hex sha256 of everything left in a binary file object, read in chunks."""
    digest = hashlib.sha256()
    while True:
        chunk = handle.read(CHUNK)
        if not chunk:
            return digest.hexdigest()
        digest.update(chunk)


def sha256_file(path):
    with open(path, 'rb') as handle:
        return sha256_stream(handle)


class HashingThread(threading.Thread):
    """sha256 of a local file, computed in the background while another process copies it.

    ``result()`` returns the digest or raises the ``OSError`` the read met.
    """

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path = path
        self.digest = None
        self.error = None

    def run(self):
        try:
            self.digest = sha256_file(self.path)
        except OSError as exc:
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
