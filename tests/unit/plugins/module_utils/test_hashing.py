# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import io

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils import _hashing as hashing


def test_stream_file_and_background_agree(tmp_path):
    data = b'x' * (hashing.CHUNK + 17)
    path = tmp_path / 'f'
    path.write_bytes(data)
    want = hashlib.sha256(data).hexdigest()
    assert hashing.sha256_stream(io.BytesIO(data)) == hashing.sha256_file(str(path)) == want
    hasher = hashing.background_sha256(str(path))
    hasher.join()
    assert hasher.result() == want
    known = hashing.background_sha256(str(path), known='f' * 64)
    known.join()
    assert known.result() == 'f' * 64


def test_background_hash_reraises_the_read_error(tmp_path):
    hasher = hashing.background_sha256(str(tmp_path / 'missing'))
    hasher.join()
    with pytest.raises(FileNotFoundError):
        hasher.result()


def test_copy_hashing_writes_and_hashes_the_same_bytes(tmp_path, monkeypatch):
    """What is hashed is what is written, also across the writeback kicks (every WRITEBACK_EVERY bytes)."""
    monkeypatch.setattr(hashing, 'WRITEBACK_EVERY', 3 * 1024)
    monkeypatch.setattr(hashing, 'CHUNK', 1024)
    data = bytes(range(256)) * 97  # not a multiple of the chunk
    out = tmp_path / 'out'
    with open(str(out), 'wb') as handle:
        digest = hashing.copy_hashing(io.BytesIO(data), handle)
    assert out.read_bytes() == data and digest == hashlib.sha256(data).hexdigest()
    with open(str(tmp_path / 'empty'), 'wb') as handle:
        assert hashing.copy_hashing(io.BytesIO(b''), handle) == hashlib.sha256(b'').hexdigest()
