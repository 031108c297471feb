# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files of an initrd made of concatenated, separately compressed cpio archives (the kernel's
initramfs rules), read and appended without rebuilding; docs/linuxrc.md section 4 (/installkey.gpg)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import cpio, initrd
from ansible_collections.rescuefleet.media.tests.unit.suse_media import compress


def archive(name, data):
    return cpio.newc_archive([(name, 0o644, data)])


@pytest.mark.parametrize('compression', [None, 'gzip', 'xz', 'zstd'])
def test_a_member_is_read_from_every_kind_of_segment(tmp_path, compression):
    if compression == 'zstd' and not shutil.which('zstd'):
        pytest.skip('zstd is needed')
    path = tmp_path / 'initrd'
    path.write_bytes(compress(archive('installkey.gpg', b'ring1') + archive('init', b'x'), compression))
    assert initrd.read_files(str(path), ['installkey.gpg']) == {'installkey.gpg': b'ring1'}


@pytest.mark.parametrize('first', ['xz', 'zstd', None])
def test_the_last_copy_wins_across_segments_and_appending_adds_one(tmp_path, first):
    """A later archive replaces a file of an earlier one; append_files adds a gzip segment."""
    if first == 'zstd' and not shutil.which('zstd'):
        pytest.skip('zstd is needed')
    path = tmp_path / 'initrd'
    # early microcode-style uncompressed archive, then the main compressed one
    path.write_bytes(archive('kernel/x86/microcode/a.bin', b'u' * 600) + compress(archive('installkey.gpg', b'old'), first))
    assert initrd.read_files(str(path), ['installkey.gpg'])['installkey.gpg'] == b'old'
    initrd.append_files(str(path), [('installkey.gpg', 0o644, b'new')])
    assert initrd.read_files(str(path), ['installkey.gpg'])['installkey.gpg'] == b'new'
    initrd.append_files(str(path), [('installkey.gpg', 0o644, b'newer')])
    assert initrd.read_files(str(path), ['installkey.gpg'])['installkey.gpg'] == b'newer'


@pytest.mark.skipif(not shutil.which('cpio'), reason='GNU cpio is needed')
def test_gnu_cpio_unpacks_the_appended_archive(tmp_path):
    """The archive the collection writes is a valid newc archive for GNU cpio too."""
    data = cpio.newc_archive([('installkey.gpg', 0o644, b'keyring')])
    out = tmp_path / 'out'
    out.mkdir()
    subprocess.run(['cpio', '-i', '--quiet', '-d'], cwd=str(out), input=data, check=True)
    assert (out / 'installkey.gpg').read_bytes() == b'keyring'


@pytest.mark.skipif(not shutil.which('zstd'), reason='zstd is needed')
def test_zstd_frames_are_measured_from_their_block_headers():
    data = compress(b'a' * 100000 + bytes(range(256)) * 50, 'zstd')
    assert initrd.zstd_frame_length(data + b'\0\0\0\0' + data, 0) == len(data)
