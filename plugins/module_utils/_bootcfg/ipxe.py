# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Boot entries of an iPXE script.

``kernel``, ``chain``, ``imgexec``, ``imgselect`` and ``imgload`` take options (``--name``,
``--timeout``, ``--autofree``, ``--replace``), an image URI and then the arguments of the image;
``imgargs NAME ARGS`` replaces the arguments of an image loaded before, found by its name (the
``--name`` given, or the last component of its URI). A command ends at the end of the line or at
``||``/``&&``. The title of an entry is the text of the ``item`` that points at the ``:label``
the command follows, or the label itself.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import Entry, Span
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.lex import char_units, commands

IMAGE_COMMANDS = ('kernel', 'chain', 'imgexec', 'imgselect', 'imgload')
VALUE_OPTIONS = ('--name', '-n', '--timeout', '-t')
ITEM_VALUE_OPTIONS = ('--key', '-k', '--menu', '-m')


def _image_name(uri):
    path = uri.split('?', 1)[0].split('#', 1)[0].rstrip('/')
    return posixpath.basename(path) or uri


def read(text):
    """The :class:`Entry` list of an iPXE script, one per image command that carries arguments."""
    units = char_units(text)
    cmds = list(commands(units))
    items = {}
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
    for words in cmds:
        head = words[0].value
        if head.startswith(':') and len(words) == 1:
            label = head[1:]
            continue
        title = items.get(label, label)
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
                continue
            uri = rest[0].value
            names[name or _image_name(uri)] = uri
            span = Span(rest[0].end, rest[-1].end, 'shell', after_word=True)
            entries.append(Entry(title, uri, [span], label=label))
        elif head == 'imgargs' and len(words) > 1:
            image = words[1].value
            span = Span(words[1].end, words[-1].end, 'shell', after_word=True)
            entries.append(Entry(title, names.get(image, image), [span], label=label))
    return entries
