# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/linuxrc.md section 1: option keys match ignoring case and '-', '_', '.' (linuxrc file.c
strcasecmpignorestrich, which compares a string that starts with '_' as it is)."""

from __future__ import annotations

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.keys import (
    cmdline_key, cmdline_value, is_cmdline_option, same_key)


@pytest.mark.parametrize('key, keyword, same', [
    ('extend', 'Extend', True), ('EXTEND', 'Extend', True), ('ex-tend', 'Extend', True), ('e.x_tend', 'Extend', True),
    ('_extend', 'Extend', False), ('insecure', 'Insecure', True), ('in-secure', 'Insecure', True),
    ('instsys', 'InstSys', True), ('hash', 'HASH', True), ('extendx', 'Extend', False),
])
def test_same_key(key, keyword, same):
    assert same_key(key, keyword) is same


def test_command_line_key_and_value():
    assert cmdline_key('extend:') == 'extend' and is_cmdline_option('Extend:', 'Extend')
    assert cmdline_value(True) == '' and cmdline_value('a') == 'a'
