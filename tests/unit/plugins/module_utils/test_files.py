# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Only regular files are opened, and a FIFO never blocks the run (issue 27, class 8)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils import _files as files
from ansible_collections.rescuefleet.media.plugins.module_utils import _hashing as hashing


def test_a_regular_file_is_read(tmp_path):
    path = tmp_path / 'f'
    path.write_bytes(b'data')
    assert files.read_regular(str(path), 'src') == b'data'
    with files.open_regular(str(path), 'src') as handle:
        assert handle.read() == b'data'


def _refused_at_once(call):
    """``call()`` must raise NotAFileError within a second (a blocking open would hang the thread)."""
    outcome = {}

    def target():
        try:
            call()
        except files.NotAFileError as exc:
            outcome['error'] = str(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), 'the call blocked'
    return outcome['error']


@pytest.mark.parametrize('kind', ['fifo', 'directory', 'socket', 'chardev'])
def test_special_files_are_refused_without_blocking(tmp_path, kind):
    path = str(tmp_path / 'special')
    if kind == 'fifo':
        os.mkfifo(path)
        want = 'a FIFO'
    elif kind == 'directory':
        os.mkdir(path)
        want = 'a directory'
    elif kind == 'socket':
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(path)
        want = 'a socket'
    else:
        path = '/dev/zero'
        want = 'a character device'
    message = _refused_at_once(lambda: files.read_regular(path, 'sysrescuecfg[0].src'))
    assert message.startswith('sysrescuecfg[0].src %s is %s' % (path, want)) and 'not a regular file' in message
    assert 'nothing was read or changed' in message
    hashed = _refused_at_once(lambda: hashing.sha256_file(path))
    assert want in hashed


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        files.read_regular(str(tmp_path / 'missing'), 'src')


def test_a_fifo_hashed_in_the_background_is_reported_not_raised_in_the_thread(tmp_path):
    fifo = str(tmp_path / 'fifo')
    os.mkfifo(fifo)
    hasher = hashing.background_sha256(fifo)
    hasher.join(5)
    assert not hasher.is_alive()
    with pytest.raises(files.NotAFileError):
        hasher.result()


def test_a_fifo_named_in_a_checksum_file_is_a_problem_not_a_hang(tmp_path):
    os.mkfifo(str(tmp_path / 'airootfs.sfs'))
    (tmp_path / 'airootfs.sha512').write_text('%s  airootfs.sfs\n' % ('0' * 128))
    assert hashing.sum_file_problems(str(tmp_path / 'airootfs.sha512')) == ['airootfs.sfs: not a regular file']
