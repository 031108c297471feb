# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Boot Loader Specification entries (systemd-boot ``loader/entries/*.conf``) and plain
one-line command-line files.

A BLS entry is one file: ``title``, ``linux`` (or ``efi``) and any number of ``options`` lines,
whose contents the boot loader joins. All ``options`` lines are edited as one command line. When
there is none, a new ``options`` line goes right after the ``linux`` line; an ``options`` line
whose last argument is removed is removed with it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import Entry, Span, iter_lines, newline_of


def _key_value(text, start, end):
    i = start
    while i < end and text[i] in ' \t':
        i += 1
    j = i
    while j < end and text[j] not in ' \t':
        j += 1
    return text[i:j], j


def read_bls(text):
    """The single :class:`Entry` of a BLS entry file (none when it has no kernel)."""
    title = None
    kernel = None
    efi = None
    linux_end = None
    options = []
    previous_end = 0
    for start, end in iter_lines(text):
        key, key_end = _key_value(text, start, end)
        if key == 'title':
            title = text[key_end:end].strip() or None
        elif key == 'linux':
            kernel = text[key_end:end].strip() or None
            linux_end = end
        elif key == 'efi':
            efi = text[key_end:end].strip() or None
        elif key == 'options':
            options.append(Span(key_end, end, 'kernel', after_word=True, line=(previous_end, end)))
        previous_end = end
    kernel = kernel or efi
    if kernel is None:
        return []
    if not options:
        at = linux_end if linux_end is not None else len(text.rstrip('\r\n'))
        options = [Span(at, at, 'kernel', after_word=True, insert=newline_of(text) + 'options')]
    # systemd-boot ``efi`` entries (memtest, shells) run an EFI program, not Linux: never edited
    return [Entry(title, kernel, options, linux=efi is None or linux_end is not None)]


def read_cmdline(text):
    """A plain command-line file: one entry without kernel path; its arguments are the whole text
    up to the final line break."""
    end = len(text.rstrip('\r\n'))
    return [Entry(None, None, [Span(0, end, 'kernel', after_word=False)])]
