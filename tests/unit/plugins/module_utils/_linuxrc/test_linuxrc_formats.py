# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Part formats told from content, as docs/linuxrc.md section 2 states them (linuxrc util.c util_mount,
compressed_archive, compress_type; fstype.c fstype). Archives are made with the real tools."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import zipfile

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import cpio
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.formats import (
    check_part, detect_path, holds_init)
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError
from ansible_collections.rescuefleet.media.tests.unit import suse_media

needs_cpio = pytest.mark.skipif(not shutil.which('cpio'), reason='GNU cpio is needed')


def _tree(tmp_path, init=True):
    src = tmp_path / 'src'
    (src / 'usr/bin').mkdir(parents=True, exist_ok=True)
    (src / 'usr/bin/tool').write_bytes(b'#!/bin/sh\necho tool\n' * 40)
    if init:
        (src / '.init').write_bytes(b'#!/bin/sh\necho loaded\n')
        os.chmod(src / '.init', 0o755)
    return src


def _cpio(tmp_path, fmt, init=True):
    src = _tree(tmp_path, init)
    names = '\n'.join(['.', 'usr', 'usr/bin', 'usr/bin/tool'] + (['.init'] if init else [])) + '\n'
    out = subprocess.run(['cpio', '-o', '--quiet', '-H', fmt], cwd=str(src), input=names.encode(),
                         stdout=subprocess.PIPE, check=True).stdout
    path = tmp_path / ('part.' + fmt)
    path.write_bytes(out)
    return str(path)


@needs_cpio
@pytest.mark.parametrize('fmt, name, loadable', [
    ('newc', 'cpio-newc', True),    # 070701: fstype reports cpio
    ('bin', 'cpio-binary', True),   # \xc7\x71: compressed_archive's second magic
    ('odc', 'cpio-odc', False),     # 070707: not a part
    ('crc', 'cpio-crc', False),     # 070702: not a part
])
def test_cpio_formats(tmp_path, fmt, name, loadable):
    """Section 2: newc and binary cpio are parts; odc and crc cpio are not."""
    path = _cpio(tmp_path, fmt)
    found = detect_path(path)
    assert (found.name, found.loadable) == (name, loadable)
    if not loadable:
        assert 'cpio -o -H newc' in found.problem
        with pytest.raises(LinuxrcError, match='even an optional one'):
            check_part(path, 'the part')
    else:
        assert found.how == 'unpack' and holds_init(path, found) is True


@needs_cpio
@pytest.mark.parametrize('compression', ['gzip', 'xz', 'zstd'])
def test_compressed_cpio_and_tar_are_parts(tmp_path, compression):
    """Section 2: archives compressed with gzip, xz or zstd are unpacked."""
    if compression == 'zstd' and not shutil.which('zstd'):
        pytest.skip('zstd is needed')
    raw = open(_cpio(tmp_path, 'newc'), 'rb').read()
    path = tmp_path / ('part.cpio.' + compression)
    path.write_bytes(suse_media.compress(raw, compression))
    found = detect_path(str(path))
    assert (found.name, found.compression, found.loadable) == ('cpio-newc', compression, True)
    assert holds_init(str(path), found) is True


def _tar(tmp_path, fmt, init=True):
    src = _tree(tmp_path, init)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode='w', format=fmt) as archive:
        archive.add(str(src), arcname='.')
    return buffer.getvalue()


def test_posix_tar_is_a_part_gnu_tar_is_not(tmp_path):
    """Section 2 (tar): linuxrc compares the 6-byte magic "ustar\\0", which GNU-format tar does not have."""
    posix = tmp_path / 'posix.tar'
    posix.write_bytes(_tar(tmp_path, tarfile.PAX_FORMAT))
    found = detect_path(str(posix))
    assert (found.name, found.loadable) == ('tar', True) and holds_init(str(posix), found) is True
    gnu = tmp_path / 'gnu.tar.gz'
    gnu.write_bytes(suse_media.compress(_tar(tmp_path, tarfile.GNU_FORMAT), 'gzip'))
    found = detect_path(str(gnu))
    assert not found.loadable and '--format=posix' in found.problem


def test_zip_is_not_a_part(tmp_path):
    """Section 2: zip is not a part."""
    path = tmp_path / 'part.zip'
    with zipfile.ZipFile(str(path), 'w') as archive:
        archive.writestr('usr/bin/tool', b'x' * 1000)
    found = detect_path(str(path))
    assert (found.name, found.loadable) == ('zip', False)


@pytest.mark.skipif(not suse_media.HAVE_MKSQUASHFS, reason='mksquashfs is needed')
def test_squashfs_is_mounted_and_a_compressed_one_is_refused(tmp_path):
    """Section 2: filesystem images are mounted; a compressed image is neither mounted nor unpacked."""
    path = str(tmp_path / 'part')
    suse_media.make_squashfs(path, {'.init': (0o755, b'#!/bin/sh\n'), 'x': (0o644, b'x')})
    found = detect_path(path)
    assert (found.name, found.how) == ('squashfs', 'mount') and holds_init(path, found) is True
    gz = tmp_path / 'part.gz'
    gz.write_bytes(suse_media.compress(open(path, 'rb').read(), 'gzip'))
    found = detect_path(str(gz))
    assert not found.loadable and 'squashfs image' in found.problem


@pytest.mark.skipif(not shutil.which('mkfs.ext4'), reason='mkfs.ext4 is needed')
def test_ext4_image_is_mounted(tmp_path):
    path = tmp_path / 'part.ext4'
    subprocess.run(['truncate', '-s', '4M', str(path)], check=True)
    subprocess.run(['mkfs.ext4', '-q', '-F', str(path)], check=True)
    found = detect_path(str(path))
    assert (found.name, found.how, found.loadable) == ('ext4', 'mount', True)
    assert holds_init(str(path), found) is None  # not told without mounting


def test_rpm_lead_and_directories(tmp_path):
    """Section 2: rpm (lead magic, major version 3 or more) and directories (bind-mounted)."""
    rpm = tmp_path / 'x.rpm'
    rpm.write_bytes(b'\xed\xab\xee\xdb\x03\x00' + b'\0' * 1000)
    assert detect_path(str(rpm)).name == 'rpm' and detect_path(str(rpm)).loadable
    found = detect_path(str(_tree(tmp_path)))
    assert (found.name, found.how) == ('directory', 'bind') and holds_init(str(_tree(tmp_path)), found) is True


def test_short_and_unknown_files_are_refused(tmp_path):
    """fstype reads 512 bytes before any magic: a shorter file is unknown; so is text."""
    short = tmp_path / 'short'
    short.write_bytes(cpio.NEWC + b'0' * 100)
    assert not detect_path(str(short)).loadable and '512' in detect_path(str(short)).problem
    text = tmp_path / 'text'
    text.write_bytes(b'hello\n' * 200)
    assert detect_path(str(text)).name == 'unknown' and not detect_path(str(text)).loadable


def test_newc_written_by_the_collection_is_read_back():
    data = cpio.newc_archive([('.init', 0o755, b'#!/bin/sh\n'), ('a/b', 0o644, b'x' * 5)])
    assert len(data) % 512 == 0
    read = [(n, d) for n, _m, d in cpio.members(io.BytesIO(data), want_data=('a/b',))]
    assert read == [('.init', None), ('a/b', b'xxxxx')]
