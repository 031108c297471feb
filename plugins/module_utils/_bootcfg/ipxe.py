# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Boot entries of an iPXE script, read as iPXE reads it.

iPXE (``image/script.c``, ``core/exec.c``) reads a script line by line (a line ending in a backslash
goes on with the next line), takes a leading ``:label``, and splits the rest at whitespace only: it
has no quotes and no escapes. A word starting with ``#`` ends the line, and the words ``||``, ``&&``
and ``;`` (whole words only) separate commands. ``${...}`` inside a word is replaced with a setting.

``kernel``, ``chain``, ``imgexec``, ``imgselect`` and ``imgload`` take options (``--name``,
``--timeout``, ``--autofree``, ``--replace``), an image URI and then the arguments of the image,
which iPXE hands to the kernel joined by single spaces (``concat_args``); so the arguments are
edited in the ``ipxe`` dialect of :mod:`.._kernel_args` (double quotes group words, as the kernel
reads them). ``imgargs NAME ARGS`` replaces the arguments of an image loaded before, found by its
name (the ``--name`` given, or the last component of its URI). The title of an entry is the text of
the ``item`` that points at the ``:label`` the command follows, or the label itself.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import Entry, Span

IMAGE_COMMANDS = ('kernel', 'chain', 'imgexec', 'imgselect', 'imgload')
VALUE_OPTIONS = ('--name', '-n', '--timeout', '-t')
ITEM_VALUE_OPTIONS = ('--key', '-k', '--menu', '-m')
TERMINATORS = ('||', '&&', ';')
# isspace() of iPXE's C library
SPACE = ' \t\n\v\f\r'


class Word:
    """A word of an iPXE command: its text and where it is in the file."""

    __slots__ = ('value', 'start', 'end', 'continued')

    def __init__(self, value, start, end, continued):
        self.value = value
        self.start = start
        self.end = end
        self.continued = continued  # the word runs over a backslash-continued line break


def _lines(text):
    """``[(label or None, [(index, char)])]``: the logical lines of a script, continuations joined, with
    the position of every character; the label of a line is taken off its start."""
    out = []
    units = []
    i = 0
    length = len(text)
    while i <= length:
        if i == length or text[i] == '\n':
            while units and units[-1][1] == '\r':
                units.pop()
            if units and units[-1][1] == '\\' and i < length:
                units.pop()  # iPXE joins the next line to a line that ends in a backslash
                units.append((i, None))  # marks the join
                i += 1
                continue
            out.append(_label(units))
            units = []
            i += 1
            continue
        units.append((i, text[i]))
        i += 1
    return out


def _label(units):
    pos = 0
    while pos < len(units) and units[pos][1] is not None and units[pos][1] in SPACE:
        pos += 1
    if pos < len(units) and units[pos][1] == ':':
        end = pos + 1
        while end < len(units) and (units[end][1] is None or units[end][1] not in SPACE):
            end += 1
        label = ''.join(c for _i, c in units[pos + 1:end] if c is not None)
        return label, units[end:]
    return None, units


def _commands(units):
    """The commands of one line: lists of :class:`Word`, split at ``||``, ``&&`` and ``;``; a word
    starting with ``#`` ends the line."""
    words = []
    current = None
    for index, char in units + [(None, ' ')]:
        if char is not None and char in SPACE:
            if current is not None:
                words.append(current)
                current = None
            continue
        if current is None:
            current = Word('', index, index + 1, False)
        if char is None:
            current.continued = True
            continue
        current.value += char
        current.end = index + 1
    commands = [[]]
    for word in words:
        if word.value.startswith('#'):
            break
        if word.value in TERMINATORS:
            commands.append([])
            continue
        commands[-1].append(word)
    return [command for command in commands if command]


def _image_name(uri):
    path = uri.split('?', 1)[0].split('#', 1)[0].rstrip('/')
    return posixpath.basename(path) or uri


def read(text):
    """The :class:`Entry` list of an iPXE script, one per image command that carries arguments."""
    lines = [(label, _commands(units)) for label, units in _lines(text)]
    items = {}
    for _label_, cmds in lines:
        for words in cmds:
            if words[0].value == 'item':
                rest = words[1:]
                while rest and rest[0].value.startswith('-'):
                    rest = rest[2:] if rest[0].value in ITEM_VALUE_OPTIONS else rest[1:]
                if len(rest) > 1:
                    items.setdefault(rest[0].value, text[rest[1].start:rest[-1].end])
    entries = []
    label = None
    names = {}
    for line_label, cmds in lines:
        if line_label is not None:
            label = line_label
        title = items.get(label, label)
        for words in cmds:
            entry = _entry(text, words, title, label, names)
            if entry is not None:
                entries.append(entry)
    return entries


def _entry(text, words, title, label, names):
    head = words[0].value
    if head in IMAGE_COMMANDS:
        rest = words[1:]
        name = None
        while rest and rest[0].value.startswith('-'):
            if rest[0].value in VALUE_OPTIONS and len(rest) > 1:
                if rest[0].value in ('--name', '-n'):
                    name = rest[1].value
                rest = rest[2:]
            else:
                rest = rest[1:]
        if not rest:
            return None
        uri = rest[0].value
        names[name or _image_name(uri)] = uri
        return _with_args(Entry(title, uri, [], label=label), rest[0], rest[1:])
    if head == 'imgargs' and len(words) > 1:
        image = words[1].value
        return _with_args(Entry(title, names.get(image, image), [], label=label), words[1], words[2:])
    return None


def _with_args(entry, before, args):
    """``entry`` with the span of the arguments that follow the word ``before``."""
    if any(word.continued for word in args) or (args and before.continued):
        entry.problem = ('its arguments go on over a line ending in a backslash; join them into one line to edit '
                         'them')
        return entry
    end = args[-1].end if args else before.end
    entry.spans = [Span(before.end, end, 'ipxe', after_word=True)]
    return entry
