# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Passwords: every value under a secret key whatever its type, and password arguments in any boot config."""

from __future__ import annotations

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import (
    MASK, find_secrets, mask_cmdline_text, mask_secrets, secret_values)


def test_every_value_under_a_secret_key_is_secret_whatever_its_type():
    config = {'global': {'rootpass': ['list-secret', {'map-key': 'map-value'}], 'vncpass': 123456,
                         'rootcryptpass': {'nested': ['deep-secret']}},
              'other': [{'rootpass': 'plain-secret'}], 'flags': {'rootpass': True, 'vncpass': None}}
    assert sorted(find_secrets(config)) == sorted(['list-secret', 'map-key', 'map-value', '123456', 'nested',
                                                   'deep-secret', 'plain-secret'])
    masked = mask_secrets(config)
    assert masked['global'] == {'rootpass': MASK, 'vncpass': MASK, 'rootcryptpass': MASK}
    assert masked['other'] == [{'rootpass': MASK}]
    assert masked['flags'] == {'rootpass': True, 'vncpass': None}  # a boolean or nothing hides no password
    assert secret_values('') == [] and secret_values([None, False]) == []


def test_a_shared_node_is_walked_once():
    shared = ['s3cret']
    loop = {'rootpass': shared}
    loop['self'] = loop
    assert find_secrets(loop) == ['s3cret']


@pytest.mark.parametrize('text, masked, value', [
    ('linux /v rootpass=abc quiet', 'linux /v rootpass=******** quiet', 'abc'),
    ("linux /v rootpass='sec ret' quiet", 'linux /v rootpass=******** quiet', 'sec ret'),
    ('APPEND a rootpass="sec ret" b', 'APPEND a rootpass=******** b', 'sec ret'),
    ('"rootpass=sec ret" b', '"rootpass=********" b', 'sec ret'),
    ("'rootpass=sec ret' b", "'rootpass=********' b", 'sec ret'),
    ('eval "linux /v rootpass=\\"a b\\" x"', 'eval "linux /v rootpass=******** x"', 'a b'),
    ('eval "linux /v \\"rootpass=a b\\" x"', 'eval "linux /v \\"rootpass=********\\" x"', 'a b'),
    ("eval \"linux /v rootcryptpass='\\$6\\$s'\"", 'eval "linux /v rootcryptpass=********"', '$6$s'),
    ("x rootpass=ab'c d' y\nvncpass=z\n", 'x rootpass=******** y\nvncpass=********\n', "ab'c d'"),
    ('rootpass="unclosed\nnext', 'rootpass=********\nnext', '"unclosed'),
])
def test_password_arguments_are_masked_in_any_boot_language(text, masked, value):
    out, values = mask_cmdline_text(text)
    assert out == masked and value in values


def test_only_whole_keys_are_passwords():
    text = 'norootpass=1 myrootpass=2 rootpassx=3 rootpass= vncpass'
    assert mask_cmdline_text(text) == (text, [])
