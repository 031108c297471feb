# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The model of SystemRescue's reader: the tables of docs/systemrescue.md 3, 3a and 3b, row by row,
and the round trip of the writer (hypothesis)."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue import reader as r
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import render, same_value
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.sysrescue_config import SysrescueConfig

# -- 3a: plain scalars, as values and as keys ------------------------------------------------
PLAIN = [
    ('true', True), ('yes', True), ('false', False), ('no', False),
    ('True', 'True'), ('TRUE', 'TRUE'), ('on', 'on'), ('off', 'off'), ('No', 'No'), ('y', 'y'), ('n', 'n'),
    ('1', 1.0), ('10', 10.0), ('10.0.0.5', 10.0), ('0,1,2', 0.0), ('123secret', 123.0), ('2fr', 2.0),
    ('1_000', 1.0), ('0x10', 0.0), ('2001:db8::1', 2001.0), ('1.0.0', 1.0), ('1e3', 1000.0),
    ('null', 'null'), ('Null', 'null'.title()), ('', ''), ('setkmap', 'setkmap'),
]


@pytest.mark.parametrize('text, expected', PLAIN, ids=[p[0] or 'empty' for p in PLAIN])
def test_plain_scalar_values(text, expected):
    table, reason = r.load('k: %s\n' % text)
    assert reason is None
    value = table['k']
    assert type(value) is type(expected) and value == expected


@pytest.mark.parametrize('text', ["'10.0.0.5'", '"123secret"', "'yes'", '"~"', "'null'", '|\n  2fr\n'])
def test_quoted_and_block_scalars_are_strings(text):
    table, _reason = r.load('k: %s\n' % text)
    assert isinstance(table['k'], str)


def test_keys_resolve_like_values():
    table, _reason = r.load('hosts:\n  10.0.0.5: nas\n  "10.0.0.6": nas2\n')
    assert table['hosts'] == {10: 'nas', '10.0.0.6': 'nas2'}
    assert r.to_json(table)['hosts'] == {'10': 'nas', '10.0.0.6': 'nas2'}


@pytest.mark.parametrize('text', ['k: ~\n', '~: x\n', 'a:\n  - ~\n'])
def test_tilde_makes_the_reader_fail(text):
    with pytest.raises(r.ReaderFailure, match='~'):
        r.load(text)
    result = r.compute_effective([('100-x.yaml', text)])
    assert result.config is None and '100-x.yaml' in result.error


@pytest.mark.parametrize('text', ['sysconfig:\n  yes: a\n', 'no: 1\n'])
def test_boolean_key_makes_json_fail_naming_the_file(text):
    result = r.compute_effective([('100-ok.yaml', 'a: b\n'), ('200-bad.yaml', text)])
    assert result.config is None and '200-bad.yaml' in result.error and 'boolean' in result.error


def test_first_document_only_and_skips():
    assert r.load('a: 1\n---\nb: 2\n')[0] == {'a': 1.0}
    assert r.load('')[1] and r.load('just text\n')[1] and r.load('a: [\n')[1] and r.load(b'\xff: 1')[1]


def test_top_level_list_is_merged_as_a_table():
    """docs/systemrescue.md 3: "YAML sequences are Lua tables with keys 1..n, so a sequence and a mapping
    merge the same way, by key"; the reader skips only a file that holds no table (3: "whose top level is
    not a mapping" means a scalar or nothing). Failed before: a top-level list was reported as skipped, while
    SystemRescue's reader merged it (its keys 1..n beside the scopes of the other files)."""
    table, reason = r.load('- a\n- {k: v}\n')
    assert reason is None and table == {1: 'a', 2: {'k': 'v'}}
    result = r.compute_effective([('100-defaults.yaml', 'global: {loadsrm: false}\n'), ('200-list.yaml', '- x\n- y\n')])
    assert result.error is None and result.order == ['100-defaults.yaml', '200-list.yaml'] and not result.skipped
    assert result.config == {'global': {'loadsrm': False}, '1': 'x', '2': 'y'}
    # alone, the list is the whole table: dkjson writes an array, whose .global.loadsrm jq cannot read
    alone = r.compute_effective([('200-list.yaml', '- x\n')])
    assert alone.config == ['x']
    assert r.early_load(alone.config, 'loadsrm') == (True, 'cmdline') and r.early_load(alone.config, '') == (False, 'off')


# -- 3: files, merge, aliases, JSON ---------------------------------------------------------
def test_file_name_pattern_and_byte_order():
    """docs/systemrescue.md 3: the Lua pattern ``.[Yy][Aa][Mm][Ll]$``, byte order of the names."""
    read, skipped = r.order_yaml_names(['b.yaml', 'B.YAML', '300-fleetyaml', 'x-yaml', 'a.yml', 'yaml', 'c.txt'])
    assert read == ['300-fleetyaml', 'B.YAML', 'b.yaml', 'x-yaml']
    assert sorted(n for n, _why in skipped) == ['a.yml', 'c.txt', 'yaml']


MERGES = [
    ('mappings by key', 'g: {a: x, b: y}\n', 'g: {b: z}\n', {'g': {'a': 'x', 'b': 'z'}}),
    ('"" removes an existing key', 'g: {a: x, b: y}\n', 'g: {a: ""}\n', {'g': {'b': 'y'}}),
    ('"" on a new key is stored', 'g: {a: x}\n', 'g: {zz: ""}\n', {'g': {'a': 'x', 'zz': ''}}),
    ('empty plain value removes', 'g: {a: x}\n', 'g: {a:}\n', {'g': []}),
    ('sequence over mapping by key', 'h: {100: setkmap}\n', 'h: [ls, "df -h"]\n',
     {'h': {'1': 'ls', '2': 'df -h', '100': 'setkmap'}}),
    ('shorter sequence keeps the tail', 'l: [a, b, c]\n', 'l: [x]\n', {'l': ['x', 'b', 'c']}),
    ('number key and string key differ', 'h: {100: a}\n', 'h: {"100": b}\n', {'h': {'100': 'b'}}),
    ('scalar replaces table', 'a: {x: 1}\n', 'a: flat\n', {'a': 'flat'}),
]


@pytest.mark.parametrize('first, second, expected', [m[1:] for m in MERGES], ids=[m[0] for m in MERGES])
def test_merge_rules(first, second, expected):
    result = r.compute_effective([('1.yaml', first), ('2.yaml', second)])
    assert result.error is None
    if expected == {'h': {'100': 'b'}}:  # two keys that dkjson spells alike: both are kept in the table
        assert result.table['h'] == {100: 'a', '100': 'b'}
        return
    assert result.config == expected


def test_alias_shares_its_anchor_table():
    first = 'a: &x {k: one}\nb: *x\n'
    result = r.compute_effective([('1.yaml', first), ('2.yaml', 'a: {k: two}\n')])
    assert result.config == {'a': {'k': 'two'}, 'b': {'k': 'two'}}


JSON = [
    ({}, []), ({10: 'x'}, [None] * 9 + ['x']), ({1: 'a', 3: 'c'}, ['a', None, 'c']),
    ({11: 'x'}, {'11': 'x'}), ({1: 'a', 'k': 'b'}, {'1': 'a', 'k': 'b'}), ({'g': {}}, {'g': []}),
    ({1.5: 'x'}, {'1.5': 'x'}), ({0: 'x'}, {'0': 'x'}), ({-1: 'x'}, {'-1': 'x'}),
    # sparse only when highest > 10 and > twice the number of keys: 9 keys up to 17 is an array, 8 keys an object
    (dict((i, i) for i in list(range(1, 9)) + [17]), list(range(1, 9)) + [None] * 8 + [17]),
    (dict((i, i) for i in list(range(1, 8)) + [17]), dict((str(i), i) for i in list(range(1, 8)) + [17])),
    # dkjson's key n: a number there is the length of the array, and is not written
    ({'n': 3.0}, [None, None, None]), ({'n': 2.0, 1: 'a'}, ['a', None]), ({'n': 0.0}, []), ({'n': -1.0}, []),
    ({'n': 2.5}, [None, None]), ({'n': 20.0, 15: 'x'}, [None] * 14 + ['x'] + [None] * 5),
    ({'n': 3.0, 20: 'x'}, {'n': 3.0, '20': 'x'}), ({'n': 'three'}, {'n': 'three'}), ({'n': True}, {'n': True}),
    ({'n': 2.0, 'k': 'v'}, {'n': 2.0, 'k': 'v'}),
    ({'k': float('inf')}, {'k': None}),
]


@pytest.mark.parametrize('table, expected', JSON, ids=[repr(j[0]) for j in JSON])
def test_dkjson_arrays(table, expected):
    """docs/systemrescue.md 3a: dkjson writes a table whose keys are all positive integers as an array unless
    it is sparse (highest key > 10 and > twice the number of keys), holes null, an empty table ``[]``; a key
    ``n`` with a number value is taken as the array's length (dkjson's isarray). Failed before for the
    ``n`` rows: ``{n: 3}`` was written as an object."""
    assert r.to_json(table) == expected


def test_dkjson_small_integer_keys_from_yaml():
    """docs/systemrescue.md 3a, ``{n: 3}``-style keys: read from YAML, ``n: 3`` under a scope makes dkjson write
    that scope as an array of three nulls, so the value under ``n`` is lost in the effective JSON."""
    result = r.compute_effective([('1.yaml', 'custom:\n  n: 3\nsysconfig:\n  sysctl:\n    1: x\n')])
    assert result.config == {'custom': [None, None, None], 'sysconfig': {'sysctl': ['x']}}


def test_dkjson_huge_array_makes_the_reader_fail():
    result = r.compute_effective([('1.yaml', 'custom: {n: 1e12}\n')])
    assert result.config is None and 'array' in result.error


# -- 3: the command line ---------------------------------------------------------------------
CMDLINES = [
    ('loadsrm', True), ('loadsrm=y', True), ('loadsrm=yes', True), ('loadsrm=true', True),
    ('loadsrm=n', False), ('loadsrm=no', False), ('loadsrm=false', False), ('loadsrm=1', '1'),
    ('loadsrm=Yes', 'Yes'), ('loadsrm=y loadsrm=n', False), ('loadsrm=n loadsrm=', False),
]


@pytest.mark.parametrize('cmdline, expected', CMDLINES)
def test_cmdline_values(cmdline, expected):
    result = r.compute_effective([('1.yaml', 'global: {loadsrm: false}\n')], (), cmdline)
    assert result.config['global']['loadsrm'] == expected and type(result.config['global']['loadsrm']) is type(expected)


def test_cmdline_empty_value_keeps_yaml():
    result = r.compute_effective([('1.yaml', 'global: {setkmap: de}\n')], (), 'setkmap=')
    assert result.config['global']['setkmap'] == 'de'


def test_bare_sysrescuecfg_fails():
    result = r.compute_effective([('1.yaml', 'a: b\n')], (), 'sysrescuecfg')
    assert result.config is None and 'sysrescuecfg' in result.error


def test_quoted_secret_on_the_cmdline_is_one_value_and_never_leaks(tmp_path):
    """Failed before: the secret was found by a whitespace split only, so 'words"' leaked into the output.

    SystemRescue's Lua reader does split /proc/cmdline on whitespace and keeps the quote (so the
    effective rootpass is '"two'); the kernel and mkinitcpio pass the whole quoted value. Both are masked."""
    result = r.compute_effective([], (), 'rootpass="two words" loadsrm')
    assert result.config['global']['rootpass'] == '"two'
    root = tmp_path / 'usb'
    (root / 'sysrescue.d').mkdir(parents=True)
    task = SysrescueConfig({'media': {'path': str(root)}, 'name': '500-x.yaml', 'config': {'global': {'dovnc': True}},
                            'cmdline': 'rootpass="two words" vncpass=\'a b\''}, want_diff=True)
    out = task.run()
    text = json.dumps(out) + json.dumps(task.warnings)
    assert 'two' not in text and 'words' not in text
    assert 'two words' in task.secrets


# -- 3b: the early-load answer ----------------------------------------------------------------
EARLY = [
    # (yaml loadsrm or None, cmdline, expected)
    (None, '', False), ('true', '', True), ('false', '', False), ("'yes'", '', True), ("'On'", '', True),
    ('1', '', True), ('10', '', False), ("'t'", '', True), ("'enabled'", '', False),
    (None, 'loadsrm', True), (None, 'loadsrm=', True), ('false', 'loadsrm=', True), (None, 'loadsrm=y', True),
    (None, 'loadsrm=n', False), ('true', 'loadsrm=n', False), (None, 'loadsrm=1', True), (None, 'loadsrm=on', True),
    (None, 'loadsrm="yes"', False),  # the Lua reader keeps the quotes: '"yes"' is no truth word; mkinitcpio gives yes, not y
    (None, 'loadsrm="y"', True), (None, 'loadsrm=y loadsrm=n', False), (None, 'loadsrm=n loadsrm', True),
]


@pytest.mark.parametrize('value, cmdline, expected', EARLY)
def test_early_load(value, cmdline, expected):
    files = [] if value is None else [('1.yaml', 'global: {loadsrm: %s}\n' % value)]
    result = r.compute_effective(files, (), cmdline)
    assert r.early_load(result.config, cmdline)[0] is expected


@pytest.mark.parametrize('cmdline, expected', [('loadsrm', True), ('loadsrm=', True), ('loadsrm=y', True),
                                               ('loadsrm=yes', False), ('', False)])
def test_early_load_without_json_follows_the_hook(cmdline, expected):
    result = r.compute_effective([('1.yaml', 'global: {loadsrm: true, ~: x}\n')], (), cmdline)
    assert result.config is None
    assert r.early_load(None, cmdline)[0] is expected


def test_stock_defaults(sysrescue_media):
    with open(os.path.join(sysrescue_media, 'sysrescue.d', '100-defaults.yaml'), 'rb') as handle:
        stock = handle.read()
    result = r.compute_effective([('100-defaults.yaml', stock)])
    assert result.error is None
    assert result.config['global']['loadsrm'] is False
    assert result.config['autorun']['ar_attempts'] == 1.0 and isinstance(result.config['autorun']['ar_attempts'], float)
    assert result.config['autorun']['ar_suffixes'] == '0,1,2,3,4,5,6,7,8,9,A,B,C,D,E,F'
    assert result.config['sysconfig']['bash_history'] == {'100': 'setkmap'}


# -- the writer ------------------------------------------------------------------------------
def test_writer_done_when_case():
    config = {'sysconfig': {'hosts': {'10.0.0.5': 'nas', '2001:db8::1': 'v6'}},
              'autorun': {'ar_suffixes': '0,1,2', 'ar_attempts': 3},
              'global': {'rootpass': '123secret', 'setkmap': '2fr', 'loadsrm': True}}
    table, reason = r.load(render(config))
    assert reason is None and same_value(table, r.table_of(config))
    assert table['sysconfig']['hosts'] == {'10.0.0.5': 'nas', '2001:db8::1': 'v6'}
    assert table['global']['rootpass'] == '123secret'


@pytest.mark.parametrize('config, words', [
    ({'g': {'a': None}}, 'null'), ({'g': {'a': float('nan')}}, 'number'), ({'g': {'a': 2 ** 60}}, 'float'),
    ({'g': {True: 'x'}}, 'boolean'),
])
def test_writer_refuses_what_would_be_misread(config, words):
    with pytest.raises(RescueFleetError, match=words):
        render(config)


_TEXT = st.text(st.characters(blacklist_categories=('Cs',), blacklist_characters='\x00\ufeff'), max_size=12)
_SCALARS = st.one_of(_TEXT, st.booleans(), st.integers(-10 ** 12, 10 ** 12),
                     st.floats(allow_nan=False, allow_infinity=False, width=32))
_KEYS = st.one_of(_TEXT, st.sampled_from(['10.0.0.5', '100', '0', 'yes', 'no', 'True', '~', 'null', '1e3', '007']))
_CONFIGS = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEYS, _CONFIGS, max_size=4))
def test_writer_round_trip(config):
    try:
        data = render(config)
    except RescueFleetError as exc:
        assert 'same key twice' in str(exc)  # '100' and 100 cannot both be keys
        return
    table, reason = r.load(data)
    assert reason is None
    assert same_value(table, r.table_of(config))


def test_integer_sysctl_values_reach_sysctl_as_given():
    """SystemRescue writes a sysctl value as the number it read (10 -> 10.0, which sysctl refuses):
    the writer stores integers there as text."""
    data = render({'sysconfig': {'sysctl': {'vm.swappiness': 10}}, 'autorun': {'ar_attempts': 3}})
    table, _reason = r.load(data)
    assert table['sysconfig']['sysctl']['vm.swappiness'] == '10'
    assert table['autorun']['ar_attempts'] == 3.0  # elsewhere a number stays a number


# -- 3: sysrescuecfg= sources ------------------------------------------------------------------
SYSRESCUECFG = [
    ('web01.yaml', '', 'sysrescue.d/web01.yaml'),
    ('sub/x.YAML', '', 'sysrescue.d/sub/x.YAML'),
    ('../top.yaml', '', 'top.yaml'),
    ('../../etc/x.yaml', '', None),
    ('/run/archiso/bootmnt/hosts/web01.yaml', '', 'hosts/web01.yaml'),
    ('/run/archiso/bootmnt/sysrescue.d/x.yaml', '', 'sysrescue.d/x.yaml'),
    ('/etc/x.yaml', '', None),
    ('/run/archiso/bootmntx/x.yaml', '', None),
    ('/run/archiso/bootmnt/../x.yaml', '', None),
    ('http://pxe/rescue/hosts/web01.yaml', 'archiso_http_srv=http://pxe/rescue/', 'hosts/web01.yaml'),
    ('http://pxe/rescue/hosts/web%2001.yaml', 'archiso_http_srv=http://pxe/rescue', 'hosts/web 01.yaml'),
    ('http://pxe/other/web01.yaml', 'archiso_http_srv=http://pxe/rescue/', None),
    ('http://pxe/rescue/../x.yaml', 'archiso_http_srv=http://pxe/rescue/', None),
    ('http://pxe/rescue/x.yaml?v=1', 'archiso_http_srv=http://pxe/rescue/', None),
    ('http://pxe/rescue/hosts/web01.yaml', '', None),
]


@pytest.mark.parametrize('value, cmdline, expected', SYSRESCUECFG)
def test_sysrescuecfg_medium_path(value, cmdline, expected):
    """docs/systemrescue.md 3: each sysrescuecfg= is "an http(s):// URL ..., an absolute path, or a name relative
    to sysrescue.d/"; the reader runs in the initramfs with the medium at /run/archiso/bootmnt, so an absolute
    path is a file of the medium only under that mount point; 5: archiso_http_srv=URL/ is the tree an HTTP PXE
    entry boots from. Failed before: an absolute path was never read (media_info warned the configuration was
    incomplete), and neither was the tree file of an HTTP PXE entry."""
    assert r.sysrescuecfg_medium_path(value, r.cmdline_tokens(cmdline)) == expected
