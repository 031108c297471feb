# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Split shell-like boot scripts (GRUB, iPXE) into commands and words, with positions.

The lexer works on *units* ``(start, end, char)``: for a file every character is a unit; for the
body of a double-quoted string (``eval "..."``) an escape such as ``\\"`` is one unit whose
character is ``"``. Positions therefore always point into the file, however deep the string.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

SEPARATORS = (';', '&&', '||', '|', '&')


class Word:
    """A word of a command: ``units[first:last]`` of the units it was read from."""

    __slots__ = ('first', 'last', 'value', 'start', 'end', 'quoted')

    def __init__(self, units, first, last, value, quoted):
        self.first = first
        self.last = last
        self.value = value
        self.start = units[first][0]
        self.end = units[last - 1][1]
        self.quoted = quoted  # '"' or "'" when the word is exactly one quoted string

    def __repr__(self):
        return 'Word(%r)' % (self.value,)


def char_units(text, start=0, end=None):
    end = len(text) if end is None else end
    return [(i, i + 1, text[i]) for i in range(start, end)]


def unescape_dq(units):
    """The units of the text a double-quoted string stands for (``\\"`` -> ``"``)."""
    out = []
    i = 0
    while i < len(units):
        if units[i][2] == '\\' and i + 1 < len(units) and units[i + 1][2] in '"\\$`\n':
            out.append((units[i][0], units[i + 1][1], units[i + 1][2]))
            i += 2
            continue
        out.append(units[i])
        i += 1
    return out


def commands(units):
    """Yield the commands of a script as lists of :class:`Word`.

    A bare ``{`` or ``}`` word comes as a command of its own, so that callers can follow blocks.
    Comments (``#`` at the start of a word) are skipped.
    """
    words = []
    i = 0
    n = len(units)
    while i < n:
        char = units[i][2]
        if char in ' \t\r':
            i += 1
            continue
        if char == '\n':
            if words:
                yield words
                words = []
            i += 1
            continue
        if char == '#':
            while i < n and units[i][2] != '\n':
                i += 1
            continue
        sep = _separator(units, i)
        if sep:
            if words:
                yield words
                words = []
            i += len(sep)
            continue
        word, i = _read_word(units, i)
        if word.value in ('{', '}') and not word.quoted and word.last - word.first == 1:
            if words:
                yield words
                words = []
            yield [word]
            continue
        words.append(word)
    if words:
        yield words


def _separator(units, i):
    for sep in SEPARATORS:
        if all(i + k < len(units) and units[i + k][2] == c for k, c in enumerate(sep)):
            return sep
    return None


def _read_word(units, i):
    first = i
    n = len(units)
    value = []
    quotes = 0
    plain_chars = 0
    while i < n:
        char = units[i][2]
        if char in ' \t\r\n' or _separator(units, i):
            break
        if char == '\\':
            if i + 1 < n:
                if units[i + 1][2] != '\n':
                    value.append(units[i + 1][2])
                i += 2
            else:
                value.append(char)
                i += 1
            plain_chars += 1
            continue
        if char in '"\'':
            quote = char
            quotes += 1
            i += 1
            while i < n and units[i][2] != quote:
                if quote == '"' and units[i][2] == '\\' and i + 1 < n and units[i + 1][2] in '"\\$\n':
                    i += 1
                    if units[i][2] != '\n':
                        value.append(units[i][2])
                else:
                    value.append(units[i][2])
                i += 1
            i += 1  # closing quote (or end of text)
            continue
        value.append(char)
        plain_chars += 1
        i += 1
    last = min(i, n)
    quoted = None
    if quotes == 1 and plain_chars == 0 and units[first][2] in '"\'' and units[last - 1][2] == units[first][2] \
            and last - first >= 2:
        quoted = units[first][2]
    return Word(units, first, last, ''.join(value), quoted), i
