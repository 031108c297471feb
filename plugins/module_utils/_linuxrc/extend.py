# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""linuxrc's ``extend=`` option as linuxrc reads it, and the rewrite that yields the list a user asks for.

linuxrc keeps one list of strings and applies every ``extend`` option to it in order with
``slist_assign_values`` (``util.c``):

- the value is split on ``,`` only (``slist_split``); empty items are kept, and an empty value is one
  empty item (the inst-sys directory itself);
- a value starting with ``+`` appends each item that is not in the list yet (exact string comparison,
  ``slist_getentry``: ``?x`` and ``x`` are different items);
- a value starting with ``-`` removes every item equal to one of its items (``slist_free_entry``);
- any other value replaces the list.

The option key is matched as :mod:`.keys` says (``Extend=``, ``ex-tend=``, a bare ``extend``).
Each item is then loaded from ``<inst-sys dir>/<path>`` (``url.c``): one leading ``?`` makes it
optional, and the path ends at the next ``?`` (``?copy=1``, ``?list=`` suffixes).

The module computes the list the medium's command line gives (starting, like linuxrc on a stock
medium, from an empty list), changes it as asked, and writes the result back as one option in place
of the first ``extend`` argument (every other byte of the file is kept); :func:`values_for` proves
that the written values give exactly that list.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import (
    KernelArgsError, check_key, render as render_arg, replace_tokens)
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.keys import (
    cmdline_key, cmdline_value, is_cmdline_option)

KEY = 'extend'
KEYWORD = 'Extend'


class ExtendError(RescueFleetError):
    """A part name cannot be written into an ``extend=`` list; the message says why."""


def assign(items, value):
    """``items`` after one ``extend`` value, as ``slist_assign_values`` computes it."""
    value = cmdline_value(value)
    todo = 0
    if value.startswith('+'):
        todo, value = 1, value[1:]
    elif value.startswith('-'):
        todo, value = -1, value[1:]
    listed = value.split(',')
    if todo == 0:
        return listed
    result = list(items)
    for item in listed:
        if todo > 0:
            if item not in result:
                result.append(item)
        else:
            result = [kept for kept in result if kept != item]
    return result


def effective(values, start=()):
    """The list linuxrc holds after the ``extend`` values of one command line, in order."""
    items = list(start)
    for value in values:
        items = assign(items, value)
    return items


class Part:
    """What one item asks linuxrc to load: ``path`` below the inst-sys directory, ``optional``
    (a leading ``?``) and the ``query`` suffix (``?copy=1``...) as written."""

    __slots__ = ('item', 'optional', 'path', 'query')

    def __init__(self, item):
        self.item = item
        self.optional = item.startswith('?')
        rest = item[1:] if self.optional else item
        self.path, sep, query = rest.partition('?')
        self.query = sep + query

    def as_dict(self):
        return {'item': self.item, 'name': self.path, 'optional': self.optional, 'query': self.query}


class Wanted:
    """A part the user names: ``name`` (a file in ``boot/<arch>/``) and whether it is ``optional``."""

    __slots__ = ('name', 'optional')

    def __init__(self, name, optional=False):
        self.name = name
        self.optional = optional

    def __eq__(self, other):
        return isinstance(other, Wanted) and (self.name, self.optional) == (other.name, other.optional)

    def __repr__(self):
        return 'Wanted(%r, optional=%r)' % (self.name, self.optional)

    def text(self):
        return ('?' if self.optional else '') + self.name

    def as_dict(self):
        return {'name': self.name, 'optional': self.optional}


def parse_wanted(text):
    """A :class:`Wanted` from ``name`` or ``?name``."""
    text = text.strip()
    optional = text.startswith('?')
    return Wanted(text[1:].strip() if optional else text, optional)


def merge(current, wanted, state='present'):
    """``current`` (item strings) with the ``wanted`` parts (:class:`Wanted`) on or off.

    ``present``: every item that loads a wanted part takes its ``?`` (keeping its place and any
    ``?copy=``-style suffix; a repeat that becomes identical is dropped); a part not listed yet goes
    at the end, in the order given. ``absent``: every item that loads the part goes, whatever its
    ``?`` or suffix.
    """
    names = [w.name for w in wanted]
    if state == 'absent':
        return [item for item in current if Part(item).path not in names]
    result = list(current)
    for want in wanted:
        updated = []
        for item in result:
            part = Part(item)
            if part.path != want.name:
                updated.append(item)
                continue
            text = ('?' if want.optional else '') + part.path + part.query
            if text not in [u for u in updated if Part(u).path == want.name]:
                updated.append(text)
        if not any(Part(item).path == want.name for item in updated):
            updated.append(want.text())
        result = updated
    return result


def values_for(items):
    """``extend`` values that give exactly ``items`` from any list, or ``[]`` for the empty list.

    One plain value does it unless the first item starts with ``+`` or ``-`` (which a value would read
    as its form): then a placeholder item that is not in the list leads the value and a second,
    ``-placeholder`` value removes it again.
    """
    if not items:
        return []
    joined = ','.join(items)
    if not items[0].startswith(('+', '-')):
        return [joined]
    placeholder = next(p for p in ('', '.', '?', '??', '???') if p not in items)
    return ['%s,%s' % (placeholder, joined), '-' + placeholder]


def extend_hits(segments):
    """``[(segment index, token index, token)]`` of the ``extend`` arguments of a boot entry."""
    return [(s, t, token) for s, seg in enumerate(segments) for t, token in enumerate(seg.tokens)
            if is_cmdline_option(token.key, KEYWORD)]


def segment_values(segments):
    """The ``extend`` values of a boot entry's argument segments (``_kernel_args.Segment``)."""
    return [token.value for _s, _t, token in extend_hits(segments)]


def rewrite(segments, items):
    """New texts of ``segments`` whose ``extend`` arguments give ``items``: the first one is replaced
    in place (its key spelling kept), the others dropped; without one, ``extend=`` is added."""
    hits = extend_hits(segments)
    values = values_for(items)
    if hits:
        seg_index, token_index, token = hits[0]
        key = cmdline_key(token.key)
        try:
            check_key(key)
        except KernelArgsError:
            key = KEY
        dialect = segments[seg_index].dialect
        replacements = {(s, t): None for s, t, _token in hits}
        replacements[(seg_index, token_index)] = ' '.join(render_arg(key, v, dialect) for v in values) or None
        return replace_tokens(segments, replacements)
    if not values:
        return [seg.text for seg in segments]
    dialect = segments[-1].dialect
    return replace_tokens(segments, {}, [render_arg(KEY, v, dialect) for v in values])


def entry_edit(wanted, state='present'):
    """A per-entry edit for ``_bootcfg.edit.plan_config``: the entry's list with ``wanted`` merged in or
    taken out; an entry whose list already is the result is left byte for byte."""
    def edit(segments):
        current = effective(segment_values(segments))
        result = merge(current, wanted, state)
        if result == current:
            return [seg.text for seg in segments]
        return rewrite(segments, result)
    return edit
