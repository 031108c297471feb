# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._srm.wanted import WantedError, resolve


def test_name_size_and_sha256_are_resolved(tmp_path):
    src = tmp_path / '10-tools.srm'
    src.write_bytes(b'hsqs' + b'x' * 6)
    lazy, = resolve([{'src': str(src)}])
    assert lazy == {'name': '10-tools.srm', 'src': str(src), 'sha256': None, 'size': 10}
    eager, = resolve([{'src': str(src), 'name': 'renamed.srm'}], hash_sources=True)
    assert eager['name'] == 'renamed.srm' and eager['sha256'] == hashlib.sha256(b'hsqs' + b'x' * 6).hexdigest()


def test_locate_maps_src_on_the_controller(tmp_path):
    src = tmp_path / 'files' / 'a.srm'
    src.parent.mkdir()
    src.write_bytes(b'hsqs')
    entry, = resolve([{'src': 'a.srm'}], locate=lambda s: str(tmp_path / 'files' / s))
    assert entry['src'] == str(src) and entry['name'] == 'a.srm'


def test_absent_and_known_modules_need_no_file():
    assert resolve([{'name': 'x.srm'}], state='absent') == [{'name': 'x.srm', 'src': None, 'sha256': None,
                                                            'size': None}]
    assert resolve([{'name': 'x.srm', 'sha256': 'f' * 64, 'size': 3}])[0]['size'] == 3


@pytest.mark.parametrize('srms, match', [
    ('10-tools.srm', 'srms must be a list of mappings'),
    (['/srv/srm/10-tools.srm'], r"srms\[0\] is '/srv/srm/10-tools.srm': each entry must be a mapping"),
    ([{}], r'srms\[0\] needs name or src'),
    ([{'name': 'x.srm'}], 'needs src, or sha256 and size'),
    ([{'src': '/nonexistent/x.srm'}], 'cannot read src /nonexistent/x.srm for x.srm: No such file'),
])
def test_bad_entries_are_named(srms, match):
    with pytest.raises(WantedError, match=match):
        resolve(srms)


KNOWN = {'name': 'fleet-tools', 'sha256': 'f' * 64, 'size': 1}


@pytest.mark.parametrize('parts, match', [
    ('fleet-tools', 'parts must be a list of mappings'),
    ([KNOWN, 'x'], r'parts\[1\] is \'x\': each entry must be a mapping'),
    ([KNOWN, {}], r'parts\[1\] needs name or src'),
])
def test_messages_name_the_option_they_resolve(parts, match):
    """linuxrc_parts resolves its parts with the same resolver: the messages say parts, not srms."""
    with pytest.raises(WantedError, match=match):
        resolve(parts, option='parts', allow_non_squashfs=True)


def test_size_mismatch_and_special_files(tmp_path):
    src = tmp_path / 'a.srm'
    src.write_bytes(b'hsqs')
    with pytest.raises(WantedError, match='has 4 bytes, not the 5 given in size'):
        resolve([{'src': str(src), 'size': 5}])
    fifo = str(tmp_path / 'pipe.srm')
    os.mkfifo(fifo)
    with pytest.raises(WantedError, match='is not a regular file'):  # and it must not block opening it
        resolve([{'src': fifo}])
    with pytest.raises(WantedError, match='is not a regular file'):
        resolve([{'src': str(tmp_path)}])
