# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Boot entries of a GRUB script.

Kernel arguments are the words after the kernel path of ``linux``, ``linuxefi`` and ``linux16``.
Menus written inside ``eval "..."`` (as SystemRescue's ``grubsrcd.cfg`` does, so that variables
such as ``$archiso_param`` are expanded in the menu editor) and ``eval '...'`` are read as the
script they stand for; ``menuentry`` and ``submenu`` blocks give the titles. A menu inside a
double-quoted string that is itself inside a double-quoted string is reported as not editable.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import Entry, Span
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.lex import char_units, commands, unescape_dq

LINUX_COMMANDS = ('linux', 'linuxefi', 'linux16')
BLOCK_TITLES = ('menuentry', 'submenu')
LEADING_RESERVED = ('then', 'else', 'do', '!')


def read(text):
    """The :class:`Entry` list of a GRUB script, in file order."""
    entries = []
    _scan(char_units(text), 'shell', [], entries)
    return entries


def _scan(units, dialect, stack, entries):
    previous = None
    for words in commands(units):
        head = words[0].value
        if len(words) == 1 and not words[0].quoted and head == '{':
            title = None
            if previous and previous[0].value in BLOCK_TITLES and len(previous) > 1:
                title = previous[1].value
            stack.append(title)
            previous = None
            continue
        if len(words) == 1 and not words[0].quoted and head == '}':
            if stack:
                stack.pop()
            previous = None
            continue
        while words and words[0].value in LEADING_RESERVED and not words[0].quoted:
            words = words[1:]
        previous = words
        if not words:
            continue
        head = words[0].value
        if head == 'eval':
            for word in words[1:]:
                _scan_string(units, word, dialect, stack, entries)
        elif head in LINUX_COMMANDS:
            entries.append(_linux_entry(words, dialect, stack))


def _scan_string(units, word, dialect, stack, entries):
    if word.quoted == "'":
        _scan(units[word.first + 1:word.last - 1], dialect, stack, entries)
    elif word.quoted == '"':
        inner = 'shell-dq' if dialect == 'shell' else None
        _scan(unescape_dq(units[word.first + 1:word.last - 1]), inner, stack, entries)


def _linux_entry(words, dialect, stack):
    args = words[1:]
    while args and args[0].value.startswith('--'):
        args = args[1:]
    titles = [t for t in stack if t is not None]
    title = titles[-1] if titles else None
    path = '>'.join(titles) if titles else None
    if not args:
        return Entry(title, None, [], path=path, problem='the %s command names no kernel' % words[0].value)
    kernel = args[0]
    end = args[-1].end
    problem = None
    if dialect is None:
        problem = 'the entry is written inside a string nested in another double-quoted string'
    span = Span(kernel.end, end, dialect or 'shell', after_word=True)
    return Entry(title, kernel.value, [span] if problem is None else [], path=path, problem=problem)
