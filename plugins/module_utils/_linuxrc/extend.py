# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""linuxrc's ``extend=`` boot option as a list of parts, and the merge of wanted parts into it.

``extend=a,?b`` loads the parts ``a`` and ``b`` from ``boot/<arch>/`` of the medium; ``?`` marks a
part as optional (a missing optional part is skipped). A second ``extend=`` option replaces the
list of the first, ``extend=+c`` appends to it. One list is what linuxrc ends up with; the editor
writes that list back as a single ``extend=`` option, so the command line says what it does.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

KEY = 'extend'


class ExtendError(RescueFleetError):
    """A part name cannot be written into an ``extend=`` list; the message says why."""


class Item:
    """One entry of an ``extend=`` list: ``name`` and whether it is ``optional`` (``?name``)."""

    __slots__ = ('name', 'optional')

    def __init__(self, name, optional=False):
        self.name = name
        self.optional = optional

    def __eq__(self, other):
        return isinstance(other, Item) and (self.name, self.optional) == (other.name, other.optional)

    def __repr__(self):
        return 'Item(%r, optional=%r)' % (self.name, self.optional)

    def text(self):
        return ('?' if self.optional else '') + self.name

    def as_dict(self):
        return {'name': self.name, 'optional': self.optional}


def parse_item(text):
    """An :class:`Item` from ``name`` or ``?name``."""
    text = text.strip()
    optional = text.startswith('?')
    name = text[1:].strip() if optional else text
    return Item(name, optional)


def parse_value(value):
    """``(append, [Item])`` of one ``extend=`` value; ``append`` for the ``+`` form."""
    if value is True or value is None:  # a bare ``extend`` names no part
        return False, []
    value = value.strip()
    append = value.startswith('+')
    if append:
        value = value[1:]
    return append, [parse_item(part) for part in value.split(',') if part.strip().lstrip('?').strip()]


def effective(values):
    """The list linuxrc ends up with after the ``extend=`` values of one command line, in order."""
    items = []
    for value in values:
        append, parsed = parse_value(value)
        items = items + parsed if append else parsed
    return items


def render(items):
    """The value of one ``extend=`` option for ``items``, or ``None`` for an empty list."""
    return ','.join(item.text() for item in items) or None


def merge(current, wanted, state='present'):
    """``current`` with ``wanted`` (:class:`Item` lists) added or, with ``state`` absent, removed.

    A part already listed keeps its place and takes the wanted ``?`` flag; a new part goes at the
    end, so linuxrc loads the parts already there first. Names are compared as written (the
    medium's file names).
    """
    names = [item.name for item in wanted]
    if state == 'absent':
        return [item for item in current if item.name not in names]
    result = [Item(item.name, item.optional) for item in current]
    for want in wanted:
        for item in result:
            if item.name == want.name:
                item.optional = want.optional
                break
        else:
            result.append(Item(want.name, want.optional))
    return result


def segment_values(segments):
    """The ``extend=`` values of a boot entry's argument segments (``_kernel_args.Segment``)."""
    return [token.value for seg in segments for token in seg.tokens if token.key == KEY]


def entry_edit(wanted, state='present'):
    """A per-entry edit for ``_bootcfg.edit.plan_config``: the merged list as one ``extend=`` option
    (``None`` removes every ``extend=`` when nothing is left)."""
    def changes(segments):
        return {KEY: render(merge(effective(segment_values(segments)), wanted, state))}
    return changes
