# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which digest list linuxrc reads on a medium, and the ``/content`` (SUSE-tags) form of it.

When the repository root has ``/content``, linuxrc reads it (``url_find_repo`` in ``url.c`` loads it
and ``file_read_info_file`` parses it with the ``kf_cont`` keys) and takes the digests from its
``HASH <type> <hex> <path>`` lines; ``/CHECKSUMS`` is then not read at all. Without ``/content`` it
reads ``/CHECKSUMS``. Each is signed by its own detached ``.asc``.

``/content`` is a key-value file (``file_read_file``): a key ends at the first ``:``, ``=``, space or
tab and is compared as :mod:`.keys` says, so ``HASH``, ``Hash`` and ``hash:`` are the same key. Every
other line (``PRODUCT``, ``META``, ``KEY`` ...) is kept byte for byte; new parts get
``HASH SHA256 <hex>  <path>`` lines.

linuxrc never reads boot-loader files (``grub.cfg``, ``isolinux.cfg``) through its download path, so
their entries are never touched: changing them would serve no purpose and break a signature.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.checksums import Checksums, DigestList
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.keys import same_key

CONTENT = 'content'
CONTENT_SIGNATURE = 'content.asc'
_KEY_END = re.compile(r'[:= \t\n]')
_TYPE_AND_SHA = re.compile(r'^\S+(?P<sep>[ \t]+)[0-9a-fA-F]+$')
_HASH_VALUE = re.compile(r'^(?P<type>\S+)[ \t]+(?P<sha>[0-9a-fA-F]+)[ \t]+(?P<path>\S+)[ \t]*\r?$')


class ContentHashes(DigestList):
    """``/content`` of a SUSE-tags medium: its ``HASH`` lines are the digest list."""

    name = CONTENT
    signature = CONTENT_SIGNATURE

    def parse_line(self, line):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        match = _KEY_END.search(stripped)
        if not match or not same_key(stripped[:match.start()], 'HASH'):
            return None
        rest_start = match.start()
        while rest_start < len(stripped) and stripped[rest_start] in ':= \t':
            rest_start += 1
        value = _HASH_VALUE.match(stripped[rest_start:])
        if not value or value.group('type').upper() not in ('SHA256', 'SHA1'):
            return None
        offset = indent + rest_start
        return value.group('sha'), value.group('path'), (offset, offset + value.end('sha'))

    def replace_digest(self, line, parsed, sha):
        # the new digest is a sha256, whatever type the line held before (linuxrc knows sha1 and sha256)
        start, end = parsed[2]
        region = _TYPE_AND_SHA.match(line[start:end])
        return line[:start] + 'SHA256' + region.group('sep') + sha + line[end:]

    def new_line(self, sha, path):
        return 'HASH SHA256 %s  %s\n' % (sha, path)


def read(medium):
    """The digest list linuxrc reads on ``medium``: ``/content`` when it exists, else ``/CHECKSUMS``."""
    if medium.exists(CONTENT):
        return ContentHashes.read(medium)
    return Checksums.read(medium)


def describe(digests):
    """The ``checksums`` facts of a digest list: which file, whether it is there and signed."""
    return {'file': digests.name, 'present': digests.present, 'signed': digests.signed,
            'signature': digests.signature if digests.signed else None}
