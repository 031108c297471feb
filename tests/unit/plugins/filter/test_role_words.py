# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A module's failure in the words of the role (issue 27, class 7)."""
from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.filter.role_words import FilterModule, role_words

WORDS = {'url': 'pxe_server_url', 'boot_url': 'pxe_server_boot_url', 'adopt_unmarked': 'pxe_server_adopt_unmarked',
         'menus': 'pxe_server_menus', 'http_root': 'pxe_server_root'}


def test_the_options_a_message_names_get_their_role_variables():
    message = "the PXE clients cannot be written: url 'http://x' must be an http:// or https:// URL ending in /"
    expected = message + ' (in the role rescuefleet.media.pxe_server, url is pxe_server_url)'
    assert role_words(message, WORDS, 'pxe_server') == expected
    both = 'Move them away, or set adopt_unmarked: true; to keep your own default menus, set menus: false'
    assert role_words(both, WORDS, 'pxe_server').endswith(
        '(in the role rescuefleet.media.pxe_server, adopt_unmarked is pxe_server_adopt_unmarked; menus is '
        'pxe_server_menus)')
    assert FilterModule().filters()['role_words'] is role_words


def test_longer_names_and_messages_naming_no_option_are_left_alone():
    for message in ('rd.loadsrm.url=http://x must carry #sha256', 'boot_url_x is nothing', 'a URL with #', ''):
        expected = message if 'boot_url_x' not in message else message
        assert role_words(message, {'url': 'pxe_server_url'}, 'pxe_server') == expected
    assert 'boot_url is pxe_server_boot_url' in role_words("boot_url 'x' must end in /", WORDS, 'pxe_server')
    assert 'url is pxe_server_url' not in role_words("boot_url 'x' must end in /", WORDS, 'pxe_server')
    assert role_words(None, WORDS, 'pxe_server') == ''
