# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._srm.squashfs import (
    SquashfsError, build_command, check_compression, parse_block_size, parse_compressors)


@pytest.mark.parametrize('value, expected', [
    ('128K', 131072), ('1M', 1048576), ('4k', 4096), (65536, 65536), ('256KiB', 262144), ('1 M', 1048576),
])
def test_parse_block_size(value, expected):
    assert parse_block_size(value) == expected


@pytest.mark.parametrize('value', ['2K', '2M', '100K', 'big', '', '-4K', 3000])
def test_parse_block_size_rejects(value):
    with pytest.raises(SquashfsError):
        parse_block_size(value)


@pytest.mark.parametrize('compression, level', [('zstd', 1), ('zstd', 22), ('gzip', 9), ('lzo', 1), ('xz', None)])
def test_check_compression_accepts(compression, level):
    check_compression(compression, level)


@pytest.mark.parametrize('compression, level, message', [
    ('zstd', 23, 'out of range'), ('gzip', 0, 'out of range'), ('xz', 5, 'takes no compression_level'),
    ('lz4', 1, 'takes no compression_level'), ('brotli', None, 'unknown'),
])
def test_check_compression_rejects(compression, level, message):
    with pytest.raises(SquashfsError, match=message):
        check_compression(compression, level)


def test_build_command_is_reproducible_and_complete():
    cmd = build_command('/usr/bin/mksquashfs', '/stage', '/out/.x.srm.rf-tmp-1', 'zstd', 19, 1048576, True)
    assert cmd[:3] == ['/usr/bin/mksquashfs', '/stage', '/out/.x.srm.rf-tmp-1']
    for flag in ('-noappend', '-no-xattrs', '-no-hardlinks', '-all-root', '-reproducible'):
        assert flag in cmd
    assert cmd[cmd.index('-mkfs-time') + 1] == '0'
    assert cmd[cmd.index('-all-time') + 1] == '0'
    assert cmd[cmd.index('-comp') + 1] == 'zstd'
    assert cmd[cmd.index('-b') + 1] == '1048576'
    assert cmd[cmd.index('-Xcompression-level') + 1] == '19'


def test_build_command_without_level_or_root():
    cmd = build_command('mksquashfs', 's', 'o', 'xz', None, 131072, False)
    assert '-Xcompression-level' not in cmd
    assert '-all-root' not in cmd


HELP = """\
-comp <comp>\t\tselect <comp> compression
\t\t\tCompressors available:
\t\t\t\tgzip (default)
\t\t\t\tlzo
\t\t\t\tzstd
-b <block_size>\t\tset data block
"""


def test_parse_compressors():
    assert parse_compressors(HELP) == ['gzip', 'lzo', 'zstd']
    assert parse_compressors('no such block') == []
