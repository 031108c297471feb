# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the boot config readers report: boot entries and where their arguments are written.

Positions are indexes into the text of the file (decoded as UTF-8 with ``surrogateescape``, so
that encoding it again gives back the same bytes).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError


class BootCfgError(RescueFleetError):
    """A boot config cannot be read or edited as asked; the message says what to do."""


class Span:
    """A stretch of the file that holds kernel arguments.

    ``start``/``end``
        the argument text, from right after the kernel path or keyword to the end of the last
        argument (or of the line).
    ``dialect``
        how quotes work there (see :mod:`.kernel_args`).
    ``after_word``
        the text follows a word directly, so a first argument needs a space.
    ``line``
        ``(start, end)`` of the whole line including the line break before it, when the line may
        be removed once it holds no argument (a syslinux ``APPEND`` or BLS ``options`` line that has
        no other meaning); ``None`` otherwise.
    ``insert``
        for a span that does not exist yet: the text that has to be written before the arguments
        (a line break, the indentation and the keyword) at ``start`` (``end == start``).
    """

    __slots__ = ('start', 'end', 'dialect', 'after_word', 'line', 'insert')

    def __init__(self, start, end, dialect, after_word=True, line=None, insert=None):
        self.start = start
        self.end = end
        self.dialect = dialect
        self.after_word = after_word
        self.line = line
        self.insert = insert

    @property
    def ident(self):
        return (self.start, self.end, self.insert)


class Entry:
    """One boot entry.

    ``title``
        the menu title (GRUB ``menuentry``, syslinux ``MENU LABEL``, BLS ``title``, iPXE ``item``
        text), or the label when there is no title.
    ``label``
        the syslinux ``LABEL`` or iPXE ``:label``; ``None`` for other formats.
    ``path``
        titles of enclosing GRUB submenus and the entry title joined with ``>``.
    ``kernel``
        the kernel path as written, or ``None`` (plain command-line files).
    ``linux``
        ``False`` when the entry does not boot a Linux kernel (syslinux COM32 modules, chain
        loaders), whatever its path: its arguments are never edited.
    ``spans``
        where its arguments are written; several for BLS entries with more than one ``options``
        line; shared with other entries for a syslinux global ``APPEND``.
    ``inherits``
        ``True`` when the spans are a syslinux global ``APPEND`` default.
    ``problem``
        why the entry cannot be edited even if selected, or ``None``.
    """

    def __init__(self, title, kernel, spans, label=None, path=None, linux=True, inherits=False, problem=None):
        self.title = title
        self.kernel = kernel
        self.spans = spans
        self.label = label
        self.path = path if path is not None else title
        self.linux = linux
        self.inherits = inherits
        self.problem = problem

    def __repr__(self):
        return 'Entry(title=%r, kernel=%r, label=%r)' % (self.title, self.kernel, self.label)


def iter_lines(text):
    """``(start, end)`` of every line without its line break (``\\n`` or ``\\r\\n``)."""
    pos = 0
    length = len(text)
    while pos < length:
        nl = text.find('\n', pos)
        stop = length if nl < 0 else nl
        end = stop - 1 if stop > pos and text[stop - 1] == '\r' else stop
        yield pos, end
        pos = stop + 1


def newline_of(text):
    """The line break the file uses (``\\r\\n`` when most of its lines use it)."""
    crlf = text.count('\r\n')
    return '\r\n' if crlf and crlf * 2 >= text.count('\n') else '\n'


def decode(data):
    return data.decode('utf-8', 'surrogateescape')


def encode(text):
    return text.encode('utf-8', 'surrogateescape')
