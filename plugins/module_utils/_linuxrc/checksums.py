# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A digest list of a SUSE installation medium (``/CHECKSUMS``, or ``/content`` in :mod:`.digests`),
edited so that the entries of the files we write stay correct and every other line is kept.

``CHECKSUMS`` holds one sha256 and one root-relative path per line (``file_parse_checksums`` in
linuxrc's ``file.c`` scans ``"%64s %255s"``; mksusecd writes ``"%s  %s\\n"``). In secure mode (the
default) linuxrc checks every file it reads through its download path against the list, matching by
path suffix, and a file that has no entry fails that check exactly like a wrong digest. When the
list is signed (``CHECKSUMS.asc``), a list that no longer matches its signature aborts the
installation; :mod:`.signing` decides what happens to a signed list.

A change is written in two steps so that the list never names a file with a wrong digest, even when
the run is cut short: first the entries of the files about to change are dropped, then the files are
written, then the new entries are added.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

NAME = 'CHECKSUMS'
SIGNATURE = 'CHECKSUMS.asc'
_LINE = re.compile(r'^(?P<sha>[0-9a-fA-F]{64})(?P<sep>[ \t]+\*?)(?P<path>\S+)[ \t]*\r?$')


def path_key(path):
    """Paths compare without a leading ``./`` or ``/``."""
    while path.startswith('./'):
        path = path[2:]
    return path.lstrip('/')


def encode(text):
    return text.encode('utf-8', 'surrogateescape')


class DigestList:
    """The parsed text of a digest list; ``present`` is false when the medium has none.

    Subclasses say how a line is parsed (:meth:`parse_line`: ``(sha, path, (start, end) of the sha)``
    or ``None``) and how a new entry is written (:meth:`new_line`).
    """

    name = NAME
    signature = SIGNATURE

    def __init__(self, data, signed=False):
        self.present = data is not None
        self.signed = signed
        self.text = (data or b'').decode('utf-8', 'surrogateescape')
        self.lines = self.text.splitlines(True)

    @classmethod
    def read(cls, medium):
        return cls(medium.read_bytes(cls.name), medium.exists(cls.signature))

    def _copy(self, text):
        return type(self)(encode(text), self.signed)

    def parse_line(self, line):
        raise NotImplementedError

    def new_line(self, sha, path):
        raise NotImplementedError

    def _entries(self):
        for line in self.lines:
            parsed = self.parse_line(line.rstrip('\n'))
            if parsed:
                yield line, parsed

    def digests(self):
        """``{path: [sha, ...]}`` of the entries (a path may be listed more than once)."""
        found = {}
        for _line, (sha, path, _span) in self._entries():
            found.setdefault(path_key(path), []).append(sha.lower())
        return found

    def _prefix(self):
        """How new entries spell a path: like the existing ones (``./`` or ``/`` or nothing)."""
        for _line, (_sha, path, _span) in self._entries():
            return './' if path.startswith('./') else '/' if path.startswith('/') else ''
        return ''

    def render(self, wanted, add=True):
        """The text with the entries of ``wanted`` (``{path: sha256 or None}``) set.

        ``None`` drops a path's entries; a digest replaces theirs (the rest of the line is kept). A path
        not listed is appended when ``add``.
        """
        wanted = {path_key(p): (s.lower() if s else None) for p, s in wanted.items()}
        seen = set()
        out = []
        for line in self.lines:
            parsed = self.parse_line(line.rstrip('\n'))
            path = path_key(parsed[1]) if parsed else None
            if path not in wanted:
                out.append(line)
                continue
            sha = wanted[path]
            if sha is None or path in seen:
                continue
            seen.add(path)
            out.append(self.replace_digest(line, parsed, sha))
        if add:
            prefix = self._prefix()
            missing = [p for p in sorted(wanted) if wanted[p] and p not in seen]
            if missing and out and not out[-1].endswith('\n'):
                out[-1] += '\n'
            out.extend(self.new_line(wanted[p], prefix + p) for p in missing)
        return ''.join(out)

    def replace_digest(self, line, parsed, sha):
        start, end = parsed[2]
        return line[:start] + sha + line[end:]

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
        list that step two (:meth:`finish`) starts from."""
        if not self.present:
            return self
        text = self.without_stale(changing)
        if text is None:
            return self
        if write:
            medium.write_bytes(self.name, encode(text))
        return self._copy(text)

    def finish(self, medium, after, add, write):
        """Step two: set the entries of ``after`` (``{path: sha256 or None}``); returns the final text."""
        if not self.present:
            return None
        text = self.render(after, add=add)
        if write and text != self.text:
            medium.write_bytes(self.name, encode(text))
        return text


class Checksums(DigestList):
    """``/CHECKSUMS``: ``<sha256>  <path>`` per line."""

    def parse_line(self, line):
        match = _LINE.match(line)
        if not match:
            return None
        return match.group('sha'), match.group('path'), match.span('sha')

    def new_line(self, sha, path):
        return '%s  %s\n' % (sha, path)
