# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The extend= model against docs/linuxrc.md section 1 (linuxrc util.c slist_assign_values, file.c
file_str2key/strcasecmpignorestrich and file_parse_buffer)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import edit
from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import Segment
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import (
    Part, Wanted, assign, effective, entry_edit, merge, parse_wanted, values_for)
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.keys import is_cmdline_option


# -- a direct transcription of docs/linuxrc.md section 1, independent of the module ----------------
def _doc_key_is_extend(key):
    """Keys are matched ignoring case and '-', '_', '.' (not in a key that starts with '_');
    one trailing ':' is dropped on the command line."""
    if key.endswith(':'):
        key = key[:-1]
    folded = key.lower() if key.startswith('_') else re.sub(r'[-_.]', '', key).lower()
    return folded == 'extend'


def doc_reads(words):
    """The list linuxrc ends up with for the command line ``words``, as the docs state the rule."""
    listed = []
    for word in words:
        key, _sep, value = word.partition('=')
        if not _doc_key_is_extend(key):
            continue
        if value[:1] == '+':   # appends the items that are not in the list yet
            for item in value[1:].split(','):
                if item not in listed:
                    listed.append(item)
        elif value[:1] == '-':  # removes the listed items
            gone = value[1:].split(',')
            listed = [item for item in listed if item not in gone]
        else:                   # replaces the list; split on ',' only, empty items kept
            listed = value.split(',')
    return listed


ITEM = st.text(alphabet='ab?-+./=_', max_size=4)
VALUE = st.lists(ITEM, min_size=1, max_size=4).map(','.join)
SPELLING = st.sampled_from(['extend', 'Extend', 'EXTEND', 'ex-tend', 'e.x_tend', 'extend:', '_extend', 'extends',
                            'xextend'])
WORD = st.one_of(
    st.tuples(SPELLING, st.sampled_from(['', '+', '-']), VALUE).map(lambda t: '%s=%s%s' % t),
    SPELLING,  # a bare key: the empty value
    st.sampled_from(['splash=silent', 'quiet', 'insecure=1', 'rescue=1', 'extendx=a']),
)


def words_of(text):
    """The words of a command line as linuxrc's file_read_cmdline takes them: split at blanks outside
    double quotes, every double quote then dropped (so ``extend=""`` is the empty value)."""
    words, word, quoted = [], None, False
    for char in text:
        if char == '"':
            quoted = not quoted
            word = word or ''
        elif char.isspace() and not quoted:
            if word is not None:
                words.append(word)
            word = None
        else:
            word = (word or '') + char
    if word is not None:
        words.append(word)
    return words


@given(st.lists(WORD, max_size=8))
def test_the_model_reads_a_command_line_as_the_docs_say(words):
    """Section 1: key spellings, +/-/replace forms, empty items, bare key."""
    values = [w.partition('=')[2] for w in words if is_cmdline_option(w.partition('=')[0], 'Extend')]
    assert effective(values) == doc_reads(words)


@pytest.mark.parametrize('values, expected', [
    (['a,?b'], ['a', '?b']),
    (['a,?b', 'c'], ['c']),                    # the last plain extend= wins
    (['a', '+b,a'], ['a', 'b']),               # + appends only items not listed yet
    (['a', '+?a'], ['a', '?a']),               # ?a and a are different items
    (['a,b,a', '-a'], ['b']),                  # - removes every equal item
    (['-a'], []),                              # -a removes a, it does not name a part "-a"
    (['a,,b,'], ['a', '', 'b', '']),           # split on ',' only, empty items kept
    ([''], ['']),                              # an empty value is one empty item
    ([True], ['']),                            # so is a bare "extend"
    (['+'], ['']),
])
def test_assign_follows_slist_assign_values(values, expected):
    """Section 1: value forms of slist_assign_values."""
    assert effective(values) == expected


@given(st.lists(ITEM, max_size=5), st.lists(ITEM, max_size=5))
def test_written_values_give_exactly_the_list_from_any_start(items, start):
    """The rewrite's values yield the list whatever linuxrc held before (an info file's extend)."""
    assert effective(values_for(items), start=start) == items or (not items and effective([], start) == start)


def test_part_of_an_item():
    """Section 1: one leading ? is optional; the path ends at the next ? (?copy=1, ?list=)."""
    part = Part('?x?copy=1')
    assert (part.optional, part.path, part.query) == (True, 'x', '?copy=1')
    assert (Part('').path, Part('??x').optional, Part('??x').path) == ('', True, '')


NAME = st.sampled_from(['a', 'b', 'fleet'])


@given(st.lists(ITEM, max_size=6), st.lists(st.tuples(NAME, st.booleans()), min_size=1, max_size=3),
       st.sampled_from(['present', 'absent']))
def test_merge_does_what_the_user_asks_and_nothing_else(current, wanted, state):
    wanted = [Wanted(name, optional) for name, optional in wanted]
    result = merge(current, wanted, state)
    names = {w.name for w in wanted}
    others = [i for i in current if Part(i).path not in names]
    assert [i for i in result if Part(i).path not in names] == others
    if state == 'absent':
        assert all(Part(i).path not in names for i in result)
        return
    last = {w.name: w.optional for w in wanted}
    for name, optional in last.items():
        loading = [Part(i) for i in result if Part(i).path == name]
        assert loading and all(p.optional == optional for p in loading)


@given(st.lists(WORD, max_size=6), st.lists(st.tuples(NAME, st.booleans()), min_size=1, max_size=3),
       st.sampled_from(['present', 'absent']))
def test_the_rewrite_yields_the_asked_list_and_keeps_every_other_argument(words, wanted, state):
    """The rewrite, read back with the docs' rule, is exactly merge(before); other arguments stay."""
    wanted = [Wanted(name, optional) for name, optional in wanted]
    text = ' '.join(['splash=silent'] + words + ['showopts'])
    new = entry_edit(wanted, state)([Segment(text, 'kernel', True)])[0]
    assert doc_reads(words_of(new)) == merge(doc_reads(words_of(text)), wanted, state)
    keep = [w for w in words_of(text) if not _doc_key_is_extend(w.partition('=')[0])]
    assert [w for w in words_of(new) if not _doc_key_is_extend(w.partition('=')[0])] == keep
    again = entry_edit(wanted, state)([Segment(new, 'kernel', True)])[0]
    assert again == new


def test_minus_items_are_removals_not_parts():
    """Issue 26: extend=-a removed the user's parts when read as a part named -a."""
    seg = Segment('splash=silent extend=a,b extend=-a', 'kernel', True)
    assert entry_edit([Wanted('c')])([seg])[0] == 'splash=silent extend=b,c'


def test_other_spellings_are_the_same_option():
    seg = Segment('Extend=a quiet EX-TEND=+b', 'kernel', True)
    assert entry_edit([Wanted('c', True)])([seg])[0] == 'Extend=a,b,?c quiet'


def test_a_list_starting_with_minus_is_written_with_a_placeholder():
    seg = Segment('extend=x extend=+-y', 'kernel', True)
    new = entry_edit([Wanted('x')], 'absent')([seg])[0]
    assert new == 'extend=,-y extend=-' and doc_reads(['extend=,-y', 'extend=-']) == ['-y']


def test_an_entry_already_right_is_left_byte_for_byte():
    seg = Segment('extend=a extend=+b   quiet', 'kernel', True)
    assert entry_edit([Wanted('b')])([seg])[0] == seg.text


def test_parse_wanted():
    assert parse_wanted(' ?x ') == Wanted('x', True) and parse_wanted('y') == Wanted('y')


GRUB = '''menuentry 'Installation' {
  linuxefi /boot/x86_64/loader/linux splash=silent extend=a extend=+b quiet
  initrdefi /boot/x86_64/loader/initrd
}
'''


def test_one_extend_option_replaces_the_repeated_ones_in_grub():
    plan = edit.plan_config(GRUB, 'grub', entry_edit([Wanted('c', True)]), kernels=['*/loader/linux'])
    assert "linuxefi /boot/x86_64/loader/linux splash=silent extend='a,b,?c' quiet\n" in plan.new
    again = edit.plan_config(plan.new, 'grub', entry_edit([Wanted('c', True)]), kernels=['*/loader/linux'])
    assert not again.changed


def test_absent_of_the_last_part_removes_extend():
    text = GRUB.replace(' extend=a extend=+b', ' extend=a')
    plan = edit.plan_config(text, 'grub', entry_edit([Wanted('a')], 'absent'), kernels=['*/loader/linux'])
    assert 'loader/linux splash=silent quiet\n' in plan.new


def test_assign_single_value():
    assert assign(['a'], '+b') == ['a', 'b'] and assign(['a', 'b'], '-a,b') == []
