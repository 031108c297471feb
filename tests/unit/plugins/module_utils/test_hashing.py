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
