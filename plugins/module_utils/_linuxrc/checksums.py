# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``CHECKSUMS`` file of a SUSE installation medium: keep the entries of the files we write correct.

linuxrc reads one sha256 and one path per line (``file_parse_checksums`` in linuxrc's ``file.c``
scans ``"%64s %255s"``), the layout of ``sha256sum`` output: ``<64 hex digits>  <path>``, paths
relative to the root of the medium. On a verified medium ``CHECKSUMS`` is signed
(``CHECKSUMS.asc``), and linuxrc checks every file it reads against it.

A change is written in two steps so that the file never names a file with a wrong digest, even when
the run is cut short: first the entries of the files about to change are dropped (an unlisted file
is merely unverified), then the files are written, then the new entries are added. Every other
line is kept byte for byte.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

NAME = 'CHECKSUMS'
SIGNATURE = 'CHECKSUMS.asc'
_LINE = re.compile(r'^(?P<sha>[0-9a-fA-F]{64})(?P<sep>[ \t]+\*?)(?P<path>\S+)[ \t]*\r?$')

SIGNED_WARNING = ('CHECKSUMS on the medium is signed (CHECKSUMS.asc), and the entries of %s changed, so the '
                  'signature no longer matches: linuxrc will report the medium as not verified. Re-sign CHECKSUMS '
                  'with a key the medium\'s initrd trusts (gpg --armor --detach-sign CHECKSUMS, the key in the '
                  'initrd as mksusecd --sign-key puts it), or boot with insecure=1 to skip the check')


def path_key(path):
    """Paths compare without a leading ``./`` or ``/``."""
    while path.startswith('./'):
        path = path[2:]
    return path.lstrip('/')


class Checksums:
    """The parsed ``CHECKSUMS`` text of a medium; ``present`` is false when the medium has none."""

    def __init__(self, data, signed=False):
        self.present = data is not None
        self.signed = signed
        self.text = (data or b'').decode('utf-8', 'surrogateescape')
        self.lines = self.text.splitlines(True)

    @classmethod
    def read(cls, medium):
        return cls(medium.read_bytes(NAME), medium.exists(SIGNATURE))

    def digests(self):
        """``{path: [sha256, ...]}`` of the entries (a path may be listed more than once)."""
        found = {}
        for line in self.lines:
            match = _LINE.match(line.rstrip('\n'))
            if match:
                found.setdefault(path_key(match.group('path')), []).append(match.group('sha').lower())
        return found

    def _prefix(self):
        """How new entries spell a path: like the existing ones (``./`` or ``/`` or nothing)."""
        for line in self.lines:
            match = _LINE.match(line.rstrip('\n'))
            if match:
                path = match.group('path')
                return './' if path.startswith('./') else '/' if path.startswith('/') else ''
        return ''

    def render(self, wanted, add=True):
        """The text with the entries of ``wanted`` (``{path: sha256 or None}``) set.

        ``None`` drops a path's entries; a digest replaces theirs (the separator and spelling of the
        line are kept). A path not listed is appended when ``add`` (parts linuxrc must verify) and left
        unlisted otherwise (a boot config that the medium did not list).
        """
        wanted = {path_key(p): (s.lower() if s else None) for p, s in wanted.items()}
        seen = set()
        out = []
        for line in self.lines:
            match = _LINE.match(line.rstrip('\n'))
            path = path_key(match.group('path')) if match else None
            if path not in wanted:
                out.append(line)
                continue
            sha = wanted[path]
            if sha is None or path in seen:
                continue
            seen.add(path)
            out.append(line[:match.start('sha')] + sha + line[match.end('sha'):])
        if add:
            prefix = self._prefix()
            missing = [p for p in sorted(wanted) if wanted[p] and p not in seen]
            if missing and out and not out[-1].endswith('\n'):
                out[-1] += '\n'
            out.extend('%s  %s%s\n' % (wanted[p], prefix, p) for p in missing)
        return ''.join(out)

    def without_stale(self, changing):
        """The text without the entries of ``changing`` (``{path: new sha256 or None}``) whose digest
        will be wrong once the files are written (``None``: removed, or not known before the copy);
        ``None`` when no entry needs to go."""
        listed = self.digests()
        drop = {}
        for path, new in changing.items():
            key = path_key(path)
            if key in listed and (new is None or any(sha != new.lower() for sha in listed[key])):
                drop[key] = None
        return self.render(drop, add=False) if drop else None

    def update(self, medium, changing, write):
        """Step one of a change on ``medium``: drop the stale entries (when ``write``); returns the
        :class:`Checksums` that step two (:meth:`finish`) starts from."""
        if not self.present:
            return self
        text = self.without_stale(changing)
        if text is None:
            return self
        if write:
            medium.write_bytes(NAME, encode(text))
        return Checksums(encode(text), self.signed)

    def finish(self, medium, after, add, write):
        """Step two: set the entries of ``after`` (``{path: sha256 or None}``); returns the final text."""
        if not self.present:
            return None
        text = self.render(after, add=add)
        if write and text != self.text:
            medium.write_bytes(NAME, encode(text))
        return text


def encode(text):
    return text.encode('utf-8', 'surrogateescape')
