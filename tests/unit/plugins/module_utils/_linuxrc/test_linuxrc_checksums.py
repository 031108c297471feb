# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import hashlib

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.checksums import Checksums
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium

A = 'a' * 64
B = 'b' * 64
C = 'c' * 64


def test_render_keeps_other_lines_and_the_spelling():
    sums = Checksums(('%s  ./boot/x86_64/common\n# comment\n%s *./boot/x86_64/part\n' % (A, B)).encode())
    assert sums.digests() == {'boot/x86_64/common': [A], 'boot/x86_64/part': [B]}
    text = sums.render({'boot/x86_64/part': C, 'boot/x86_64/new': A})
    assert text == '%s  ./boot/x86_64/common\n# comment\n%s *./boot/x86_64/part\n%s  ./boot/x86_64/new\n' % (A, C, A)
    assert sums.render({'boot/x86_64/part': None}) == '%s  ./boot/x86_64/common\n# comment\n' % A


def test_without_stale_drops_only_entries_that_will_be_wrong():
    sums = Checksums(('%s  boot/x86_64/p1\n%s  boot/x86_64/p2\n' % (A, B)).encode())
    assert sums.without_stale({'boot/x86_64/p1': A}) is None  # unchanged digest: nothing to drop
    assert sums.without_stale({'boot/x86_64/p1': None, 'boot/x86_64/p3': C}) == '%s  boot/x86_64/p2\n' % B


def test_absent_checksums_is_never_created(tmp_path):
    medium = DirectoryMedium(str(tmp_path))
    sums = Checksums.read(medium)
    assert not sums.present
    assert sums.update(medium, {'boot/x86_64/p': None}, write=True).finish(medium, {'boot/x86_64/p': A}, True, True) is None
    assert not (tmp_path / 'CHECKSUMS').exists()


def test_two_steps_never_list_a_wrong_digest(tmp_path):
    (tmp_path / 'boot').mkdir()
    (tmp_path / 'boot' / 'p').write_bytes(b'old')
    old = hashlib.sha256(b'old').hexdigest()
    new = hashlib.sha256(b'new').hexdigest()
    (tmp_path / 'CHECKSUMS').write_text('%s  boot/p\n' % old)
    medium = DirectoryMedium(str(tmp_path))
    interim = Checksums.read(medium).update(medium, {'boot/p': None}, write=True)
    # between the steps boot/p is unlisted (which linuxrc treats like a wrong digest): the list never names
    # a file with a digest that is wrong, and the unlisted interim lasts only the copy
    assert (tmp_path / 'CHECKSUMS').read_text() == ''
    (tmp_path / 'boot' / 'p').write_bytes(b'new')
    interim.finish(medium, {'boot/p': new}, add=True, write=True)
    assert (tmp_path / 'CHECKSUMS').read_text() == '%s  boot/p\n' % new
