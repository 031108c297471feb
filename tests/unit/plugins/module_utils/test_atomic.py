# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import errno
import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic


def test_write_bytes_replaces_atomically_and_keeps_the_mode(tmp_path):
    dest = str(tmp_path / 'a.cfg')
    atomic.write_bytes(dest, b'one')
    assert open(dest, 'rb').read() == b'one' and os.stat(dest).st_mode & 0o777 == 0o644
    os.chmod(dest, 0o600)
    atomic.write_text(dest, 'two')
    assert open(dest).read() == 'two' and os.stat(dest).st_mode & 0o777 == 0o600
    atomic.write_bytes(dest, b'three', mode=0o755)
    assert os.stat(dest).st_mode & 0o777 == 0o755
    assert os.listdir(str(tmp_path)) == ['a.cfg']


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    dest = str(tmp_path / 'a.cfg')
    atomic.write_bytes(dest, b'old')

    def fill(temp):
        with open(temp, 'wb') as handle:
            handle.write(b'half')
        raise OSError(errno.ENOSPC, 'No space left on device', temp)
    with pytest.raises(OSError):
        atomic.write_file(dest, fill)
    assert open(dest, 'rb').read() == b'old' and os.listdir(str(tmp_path)) == ['a.cfg']


def test_copy_file_and_temp_names(tmp_path):
    src, dest = tmp_path / 'src', str(tmp_path / '10-a.srm')
    src.write_bytes(b'module')
    atomic.copy_file(str(src), dest)
    assert open(dest, 'rb').read() == b'module'
    temp = atomic.make_temp_file(dest)
    name = os.path.basename(temp)
    assert atomic.is_temp_name(name) and not name.endswith('.srm')
    assert atomic.is_temp_name('~RF0A1B2.TMP') and not atomic.is_temp_name('10-a.srm')
    assert atomic.sweep(dest) == [temp] and not os.path.exists(temp)


def fail_to_flush(paths):
    raise OSError(errno.EIO, 'EIO: cannot flush %d files' % len(paths))


def test_write_many_renames_only_after_the_flush_and_cleans_up_on_failure(tmp_path, monkeypatch):
    (tmp_path / 'd').mkdir()
    old = tmp_path / 'd' / 'b'
    old.write_bytes(b'old')
    os.chmod(str(old), 0o600)
    flushed = []

    def flush(paths):
        # every file is still under its temporary name, complete, when the disk is flushed
        assert sorted(os.path.basename(p).split(atomic.MARKER)[0] for p in paths) == ['.a', '.b', '.c']
        assert [open(p, 'rb').read() for p in paths] == [b'A', b'B', b'C']
        flushed.append(True)
    monkeypatch.setattr(atomic, '_flush_files', flush)
    atomic.write_many([(str(tmp_path / 'd' / 'a'), b'A', None), (str(old), b'B', None),
                       (str(tmp_path / 'c'), b'C', 0o640)])
    assert flushed and sorted(os.listdir(str(tmp_path / 'd'))) == ['a', 'b']
    assert old.read_bytes() == b'B' and os.stat(str(old)).st_mode & 0o777 == 0o600
    assert os.stat(str(tmp_path / 'c')).st_mode & 0o777 == 0o640
    monkeypatch.setattr(atomic, '_flush_files', fail_to_flush)
    with pytest.raises(OSError):
        atomic.write_many([(str(tmp_path / 'd' / 'a'), b'new', None), (str(tmp_path / 'd' / 'e'), b'E', None)])
    assert sorted(os.listdir(str(tmp_path / 'd'))) == ['a', 'b'] and (tmp_path / 'd' / 'a').read_bytes() == b'A'


def test_flush_files_syncs_each_filesystem_once(tmp_path, monkeypatch):
    paths = []
    for name in 'xyz':
        (tmp_path / name).write_bytes(b'1')
        paths.append(str(tmp_path / name))
    assert atomic._syncfs() is not None  # pylint: disable=protected-access  # glibc has syncfs
    calls = []
    monkeypatch.setattr(atomic, '_syncfs', lambda: lambda fd: calls.append(('syncfs', fd)) or 0)
    monkeypatch.setattr(os, 'fsync', lambda fd: calls.append(('fsync', fd)))
    atomic._flush_files(paths)  # pylint: disable=protected-access
    assert [c[0] for c in calls] == ['syncfs']
    del calls[:]
    monkeypatch.setattr(atomic, '_syncfs', lambda: None)  # no syncfs in the C library: one fsync per file
    atomic._flush_files(paths)  # pylint: disable=protected-access
    assert [c[0] for c in calls] == ['fsync'] * 3
