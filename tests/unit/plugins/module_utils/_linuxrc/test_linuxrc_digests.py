# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/linuxrc.md section 4: /content (SUSE-tags) HASH lines are the digest list when /content
exists, and CHECKSUMS is then not read; linuxrc file.c file_read_file key rules."""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import digests
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.checksums import Checksums
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.digests import ContentHashes
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium

A = 'a' * 64
B = 'b' * 64
C = 'c' * 64
CONTENT = ('PRODUCT openSUSE\nVERSION 15.6\nHASH SHA256 %s  boot/x86_64/common\nhash: SHA1 %s boot/x86_64/root\n'
           'META SHA256 %s  packages\nKEY SHA256 %s  gpg-pubkey-1.asc\n' % (A, 'd' * 40, B, B))


def test_content_hash_lines_are_the_digest_list():
    """HASH lines (key matched like every linuxrc key) are read; META and KEY lines are not digests of files."""
    content = ContentHashes(CONTENT.encode())
    assert content.digests() == {'boot/x86_64/common': [A], 'boot/x86_64/root': ['d' * 40]}


def test_content_edits_keep_every_other_line():
    content = ContentHashes(CONTENT.encode())
    text = content.render({'boot/x86_64/root': C, 'boot/x86_64/fleet-tools': A})
    assert text == CONTENT.replace('hash: SHA1 %s boot' % ('d' * 40), 'hash: SHA256 %s boot' % C) + \
        'HASH SHA256 %s  boot/x86_64/fleet-tools\n' % A
    assert ContentHashes(text.encode()).digests()['boot/x86_64/fleet-tools'] == [A]
    assert 'boot/x86_64/common' not in content.render({'boot/x86_64/common': None})


def test_content_wins_over_checksums(tmp_path):
    """With /content, CHECKSUMS is not read at all: the list linuxrc reads is /content."""
    (tmp_path / 'CHECKSUMS').write_text('%s  boot/x86_64/common\n' % A)
    medium = DirectoryMedium(str(tmp_path))
    assert isinstance(digests.read(medium), Checksums) and digests.read(medium).name == 'CHECKSUMS'
    (tmp_path / 'content').write_text(CONTENT)
    (tmp_path / 'content.asc').write_text('sig')
    found = digests.read(medium)
    assert isinstance(found, ContentHashes)
    assert digests.describe(found) == {'file': 'content', 'present': True, 'signed': True, 'signature': 'content.asc'}
