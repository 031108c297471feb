# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests: the consumers' rules (SystemRescue's reader, dkjson, the initramfs early-load test) as their
sources state them, written out here as small oracles, against the collection's model on generated inputs.

Each oracle transcribes the rule quoted in its test's docstring and nothing else; the model computes the
same answer through its own machinery (node trees, merges, the JSON writer). A divergence shows up as a
failing example. The facts are in docs/systemrescue.md (sections 3, 3a, 3b); dkjson's rule is its
``isarray`` function (dkjson 2.5-2.8, the version Arch ships as lua-dkjson).
"""

from __future__ import annotations

import json
import math
import re

from hypothesis import assume, given, settings, strategies as st

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue import reader as r

# -- 3: which files of sysrescue.d/ are read ---------------------------------------------------
_YAML_SUFFIXES = set(a + b + c + d for a in 'Yy' for b in 'Aa' for c in 'Mm' for d in 'Ll')
_NAME_CHARS = st.sampled_from(list('ab-_.0 9') + ['yaml', 'YAML', 'Yaml', 'yml', '.yaml', '\u0130', '\u017f', 'ı'])


@settings(max_examples=300)
@given(st.lists(_NAME_CHARS, min_size=1, max_size=6).map(''.join))
def test_file_name_rule(name):
    """SystemRescue (sysrescue-configuration.lua): ``curfile:match(".[Yy][Aa][Mm][Ll]$")`` on each regular file
    of sysrescue.d/: one character of any kind, then the four ASCII letters y a m l in either case, at the end."""
    expected = len(name) >= 5 and name[-4:] in _YAML_SUFFIXES
    assert r.reads_name(name) is expected


# -- 3a: plain scalars ---------------------------------------------------------------------------
_PIECES = st.sampled_from(['1', '10', '0', '007', '.5', '1.', '1e3', '2E-2', '+3', '-4', 'x', 'fr', 'true', 'yes',
                           'false', 'no', 'True', 'On', 'null', '0x', '_', ',', ':', '.', 'e', 'inf', 'nan', ' a'])


def _plain_oracle(text):
    """docs/systemrescue.md 3a, row by row: true/yes and false/no (lower case) are booleans; anything that
    starts with a number is the leading (decimal) number as a float; an empty value is ""; any other text,
    null and True included, is a string."""
    if text in ('true', 'yes'):
        return True
    if text in ('false', 'no'):
        return False
    number = re.match(r'[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?', text)
    if number:
        return float(number.group(0))
    return text


@settings(max_examples=300)
@given(st.lists(_PIECES, min_size=1, max_size=4).map(''.join))
def test_plain_scalar_rule(text):
    """docs/systemrescue.md 3a: the lubyk YAML binding over libYAML resolves a plain scalar by the table of 3a;
    a quoted scalar is always the string written."""
    text = text.strip()
    table, reason = r.load('k: %s\n' % text)
    assume(reason is None)  # not a plain scalar at all (such as a leading comma)
    assume(isinstance(table.get('k'), (str, bool, float)))
    expected = _plain_oracle(text)
    assert type(table['k']) is type(expected) and table['k'] == expected
    table, reason = r.load('k: "%s"\n' % text)
    assert table['k'] == text


# -- 3: merge ------------------------------------------------------------------------------------
_KEYS = st.sampled_from(['a', 'b', 'c'])
_LEAVES = st.sampled_from(['', 'x', 'y'])
_TREES = st.recursive(_LEAVES, lambda inner: st.dictionaries(_KEYS, inner, max_size=3), max_leaves=8)


def _merge_oracle(base, new):
    """docs/systemrescue.md 3 (code): "mappings merge recursively, key by key. A value "" removes a key that
    exists; on a key not set before it is stored as "". Anything else replaces.\""""
    for key, value in new.items():
        if value == '' and key in base:
            del base[key]
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge_oracle(base[key], value)
        else:
            base[key] = json.loads(json.dumps(value))
    return base


def _quoted_yaml(value):
    if isinstance(value, dict):
        return '{%s}' % ', '.join('%s: %s' % (k, _quoted_yaml(v)) for k, v in value.items())
    return json.dumps(value)


@settings(max_examples=200)
@given(st.lists(st.dictionaries(_KEYS, _TREES, max_size=3), min_size=1, max_size=4))
def test_merge_rule(files):
    """docs/systemrescue.md 3: the files are merged in byte order of their names, by the merge rule of the
    oracle; the table before JSON is compared."""
    named = [('%03d.yaml' % index, _quoted_yaml(table) + '\n') for index, table in enumerate(files)]
    expected = {}
    for table in files:
        _merge_oracle(expected, table)
    result = r.compute_effective(named)
    assert result.error is None
    assert result.table == expected


# -- 3a: dkjson ------------------------------------------------------------------------------------
def _isarray_oracle(table):
    """dkjson's ``isarray``, statement for statement::

        local max, n, arraylen = 0, 0, 0
        for k,v in pairs (tbl) do
          if k == 'n' and type(v) == 'number' then
            arraylen = v
            if v > max then max = v end
          else
            if type(k) ~= 'number' or k < 1 or floor(k) ~= k then return false end
            if k > max then max = k end
            n = n + 1
          end
        end
        if max > 10 and max > arraylen and max > n * 2 then return false end
        return true, max

    and the array is written ``for i = 1, max`` (a float limit is rounded down)."""
    top, count, arraylen = 0, 0, 0
    for key, value in table.items():
        if key == 'n' and isinstance(value, float):
            arraylen = value
            top = max(top, value)
        else:
            if not isinstance(key, int) or isinstance(key, bool) or key < 1:
                return None
            top = max(top, key)
            count += 1
    if top > 10 and top > arraylen and top > count * 2:
        return None
    return int(math.floor(top))


@settings(max_examples=400)
@given(st.dictionaries(st.one_of(st.integers(-2, 40), st.sampled_from(['n', 'k'])),
                       st.one_of(st.sampled_from(['v', True]), st.floats(-3, 30, allow_nan=False)), max_size=12))
def test_dkjson_array_rule(table):
    """docs/systemrescue.md 3a: "The JSON writer (dkjson) turns a table whose keys are all positive integers into
    an array unless it is sparse (highest key > 10 and > twice the number of keys); holes become null"; with the
    key ``n`` of dkjson's isarray (see the oracle)."""
    length = _isarray_oracle(table)
    written = r.to_json(table)
    if length is None:
        assert isinstance(written, dict)
        assert sorted(written) == sorted(r.key_text(k) for k in table)
    else:
        assert written == [table.get(i) for i in range(1, length + 1)]


# -- 3 and 3b: the command line and the early-load decision ------------------------------------
_YAML_LOADSRM = st.sampled_from([None, 'true', 'false', 'yes', 'no', 'True', 'On', 'y', 'n', '1', '1.0', '10', '0',
                                 "'yes'", "'On'", "'T'", "'1'", "'enabled'", '""', "''", 'null', '1e0', '0.1e1'])
_TOKENS = st.sampled_from(['loadsrm', 'loadsrm=', 'loadsrm=y', 'loadsrm=yes', 'loadsrm=true', 'loadsrm=n',
                           'loadsrm=no', 'loadsrm=false', 'loadsrm=1', 'loadsrm=on', 'loadsrm=Y', 'loadsrm="y"',
                           'loadsrm="yes"', 'loadsrm=0', 'noloadsrm', 'loadsrm_x=1', 'rd.loadsrm', 'ip=dhcp',
                           'copytoram'])


def _json_text(value):
    """What ``jq -r .global.loadsrm`` prints for the value dkjson wrote: raw strings, true/false, numbers as Lua
    writes them (1.0), null for a missing key."""
    if value is None:
        return 'null'
    if value is True or value is False:
        return 'true' if value else 'false'
    if isinstance(value, float):
        return r.lua_number(value)
    if isinstance(value, str):
        return value
    return json.dumps(value)


@settings(max_examples=400)
@given(_YAML_LOADSRM, st.lists(_TOKENS, max_size=4))
def test_early_load_rule(yaml_value, tokens):
    """docs/systemrescue.md 3 (the reader's command line: ``opt`` or ``opt=y|yes|true`` is true,
    ``opt=n|no|false`` false, ``opt=`` ignored, other text kept, the last token that gave a value wins) and
    3b (the initramfs): "mkinitcpio parses the command line first: a bare loadsrm or an empty loadsrm= sets it
    to y, quotes are stripped, the last occurrence wins. Then the hook reads global.loadsrm from the effective
    JSON with jq: if that value, lower-cased as text, is one of y yes t true on 1 1.0, loading is on; any other
    JSON value [...] leaves the command-line value in place", and loading is on when that value is y."""
    files = [] if yaml_value is None else [('100.yaml', 'global: {loadsrm: %s}\n' % yaml_value)]
    cmdline = ' '.join(tokens)
    # the reader: the YAML value (3a), then the command line overrides (3)
    value = None
    if yaml_value is not None:
        value = r.load('v: %s\n' % yaml_value)[0]['v']
    hook = None
    for token in tokens:
        key, eq, text = token.partition('=')
        if key != 'loadsrm':
            continue
        if not eq or text in ('y', 'yes', 'true'):
            value = True
        elif text in ('n', 'no', 'false'):
            value = False
        elif text:
            value = text
        # mkinitcpio
        hook = 'y' if not eq or not text else text.strip('"')
    if value == '':
        value = None  # "" on a key not set before is stored as "", but jq prints it as an empty line
    json_on = _json_text(value).lower() in ('y', 'yes', 't', 'true', 'on', '1', '1.0')
    expected = json_on or hook == 'y'
    result = r.compute_effective(files, (), cmdline)
    assert result.error is None
    assert r.early_load(result.config, cmdline)[0] is expected
