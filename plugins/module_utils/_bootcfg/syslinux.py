# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Boot entries of a syslinux-family config (syslinux, isolinux, extlinux, pxelinux).

Keywords are case-insensitive. A ``LABEL`` block runs to the next ``LABEL``; its kernel comes from
``LINUX`` or ``KERNEL`` and its arguments from its last ``APPEND`` line. ``TEXT HELP`` ...
``ENDTEXT`` blocks are free text and skipped.

Only entries that boot a Linux kernel have kernel arguments: ``COM32``, ``CONFIG``, ``BOOT``,
``BSS``, ``PXE``, ``FDIMAGE``, ``COMBOOT``, ``LOCALBOOT``, and ``KERNEL`` of a file whose suffix
selects another type (``.c32``, ``.cbt``, ``.com``, ``.bss``, ``.0``, ``.bin``, ``.bs``, ``.img``)
take an ``APPEND`` line of module or loader options (``APPEND ../../``, ``APPEND -pxe- pxe ...``,
``APPEND hd0 0``): those entries are never edited.

Global ``APPEND`` (before the first ``LABEL``): syslinux gives it to every label of the file that
has no ``APPEND`` of its own. A selected label that inherits it is edited through it, which is
only allowed when every label inheriting it is selected; otherwise the entry reports a problem
(give the label its own ``APPEND`` line, or select all of them). A global default in another file
(through ``INCLUDE``) is not followed. A label whose ``APPEND -`` explicitly drops the default is
reported as not editable. A selected Linux label without any ``APPEND`` gets a new ``APPEND`` line
right after its kernel line; that line is removed again when its last argument is removed.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import Entry, Span, iter_lines, newline_of

OTHER_TYPES = ('com32', 'config', 'boot', 'bss', 'pxe', 'fdimage', 'comboot', 'localboot')
OTHER_SUFFIXES = ('.c32', '.cbt', '.com', '.bss', '.0', '.bin', '.bs', '.img')


def _words(text, start, end):
    """``[(word, wstart, wend)]`` of a line."""
    out = []
    i = start
    while i < end:
        while i < end and text[i] in ' \t':
            i += 1
        if i >= end:
            break
        j = i
        while j < end and text[j] not in ' \t':
            j += 1
        out.append((text[i:j], i, j))
        i = j
    return out


class _Label:
    def __init__(self, name):
        self.name = name
        self.title = None
        self.kernel = None
        self.kernel_keyword = None
        self.kernel_line = None  # (line start, line end, indent)
        self.append = None  # (span start, span end, line start with its break, line end)


def read(text):
    """The :class:`Entry` list of a syslinux config: one per ``LABEL``."""
    labels = []
    global_append = None
    current = None
    in_text = False
    previous_end = 0
    for start, end in iter_lines(text):
        line_with_break = (previous_end, end)
        previous_end = end
        words = _words(text, start, end)
        if not words:
            continue
        keyword = words[0][0].lower()
        if in_text:
            if keyword == 'endtext':
                in_text = False
            continue
        if keyword == 'text' and len(words) > 1 and words[1][0].lower() == 'help':
            in_text = True
            continue
        if keyword.startswith('#'):
            continue
        if keyword == 'label':
            current = _Label(text[words[1][1]:end].strip() if len(words) > 1 else '')
            labels.append(current)
        elif keyword == 'menu' and len(words) > 1 and words[1][0].lower() == 'label' and current:
            current.title = text[words[1][2]:end].strip() or None
        elif keyword in ('linux', 'kernel') + OTHER_TYPES and current:
            current.kernel_keyword = keyword
            current.kernel = words[1][0] if len(words) > 1 else None
            indent = text[start:words[0][1]]
            current.kernel_line = (start, end, indent)
        elif keyword == 'append':
            span = (words[0][2], end, line_with_break[0], end)
            if current:
                current.append = span
            else:
                global_append = span
    return _entries(text, labels, global_append)


def _is_linux(label):
    if label.kernel_keyword == 'linux':
        return True
    if label.kernel_keyword == 'kernel':
        suffix = posixpath.splitext(label.kernel or '')[1].lower()
        return suffix not in OTHER_SUFFIXES
    return False


def _entries(text, labels, global_append):
    newline = newline_of(text)
    entries = []
    global_span = None
    if global_append:
        global_span = Span(global_append[0], global_append[1], 'kernel', after_word=True)
    for label in labels:
        linux = _is_linux(label) if label.kernel else False
        problem = None
        inherits = False
        spans = []
        if label.append:
            a_start, a_end, l_start, l_end = label.append
            if text[a_start:a_end].strip() == '-':
                problem = 'APPEND - drops all arguments of this label; write its arguments on the APPEND line instead'
            else:
                line = (l_start, l_end) if global_span is None else None
                spans = [Span(a_start, a_end, 'kernel', after_word=True, line=line)]
        elif global_span is not None:
            spans = [global_span]
            inherits = True
        elif label.kernel_line:
            _k_start, k_end, indent = label.kernel_line
            spans = [Span(k_end, k_end, 'kernel', after_word=True, insert=newline + indent + 'APPEND')]
        entries.append(Entry(label.title or label.name, label.kernel, spans, label=label.name,
                             linux=linux, inherits=inherits, problem=problem))
    return entries
