# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import edit
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import (
    Item, effective, entry_edit, merge, parse_item, parse_value, render)


def names(items):
    return [item.text() for item in items]


@pytest.mark.parametrize('value, expected', [
    ('a,?b', (False, ['a', '?b'])),
    ('+c', (True, ['c'])),
    ('a,,b,', (False, ['a', 'b'])),
    (True, (False, [])),
])
def test_parse_value(value, expected):
    append, items = parse_value(value)
    assert (append, names(items)) == expected


def test_effective_follows_linuxrc_replace_and_append():
    # a later extend= replaces the list, extend=+x appends to it
    assert names(effective(['a,?b', 'c', '+d'])) == ['c', 'd']
    assert names(effective(['a', '+?b'])) == ['a', '?b']
    assert effective([]) == []


@pytest.mark.parametrize('current, wanted, state, expected', [
    (['a'], ['b'], 'present', ['a', 'b']),
    (['a', 'b'], ['b'], 'present', ['a', 'b']),
    (['a', 'b'], ['?a'], 'present', ['?a', 'b']),
    (['?a'], ['a'], 'present', ['a']),
    (['a', '?b', 'c'], ['b'], 'absent', ['a', 'c']),
    (['a'], ['a'], 'absent', []),
    ([], ['x', '?y'], 'present', ['x', '?y']),
])
def test_merge(current, wanted, state, expected):
    result = merge([parse_item(c) for c in current], [parse_item(w) for w in wanted], state)
    assert names(result) == expected


def test_render_empty_list_removes_the_option():
    assert render([]) is None
    assert render([Item('a'), Item('b', True)]) == 'a,?b'


GRUB = '''menuentry 'Installation' {
  linuxefi /boot/x86_64/loader/linux splash=silent extend=a extend=+b quiet
  initrdefi /boot/x86_64/loader/initrd
}
'''


def test_one_extend_option_replaces_the_repeated_ones():
    plan = edit.plan_config(GRUB, 'grub', entry_edit([parse_item('?c')]), kernels=['*/loader/linux'])
    assert 'linuxefi /boot/x86_64/loader/linux splash=silent extend=a,b,?c quiet\n' in plan.new
    again = edit.plan_config(plan.new, 'grub', entry_edit([parse_item('?c')]), kernels=['*/loader/linux'])
    assert not again.changed


def test_absent_of_the_last_part_removes_extend():
    text = GRUB.replace(' extend=a extend=+b', ' extend=a')
    plan = edit.plan_config(text, 'grub', entry_edit([parse_item('a')], 'absent'), kernels=['*/loader/linux'])
    assert 'loader/linux splash=silent quiet\n' in plan.new
