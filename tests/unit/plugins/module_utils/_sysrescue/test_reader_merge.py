# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SystemRescue's merge rules, file order and command-line overrides."""

from __future__ import annotations

import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.merge import (
    CMDLINE_SOURCE, cmdline_overrides, cmdline_sysrescuecfg, cmdline_values, compute_effective, effective_config,
    is_http_pxe, merge, order_yaml_names, parse_cmdline, parse_yaml)

MERGE_CASES = [
    # (id, base, new, expected)
    ('new key added', {'a': 1}, {'b': 2}, {'a': 1, 'b': 2}),
    ('scalar replaced', {'a': 1}, {'a': 2}, {'a': 2}),
    ('bool replaced by string', {'g': {'loadsrm': False}}, {'g': {'loadsrm': 'yes'}}, {'g': {'loadsrm': 'yes'}}),
    ('mappings merge recursively', {'g': {'a': 1, 'b': {'x': 1, 'y': 2}}}, {'g': {'b': {'y': 3, 'z': 4}}},
     {'g': {'a': 1, 'b': {'x': 1, 'y': 3, 'z': 4}}}),
    ('empty string removes a key', {'g': {'a': 1, 'b': 2}}, {'g': {'a': ''}}, {'g': {'b': 2}}),
    ('empty string removes a whole scope', {'g': {'a': 1}, 'h': {'b': 2}}, {'g': ''}, {'h': {'b': 2}}),
    ('empty string for a missing key', {'g': {'a': 1}}, {'g': {'zz': ''}}, {'g': {'a': 1}}),
    ('empty mapping changes nothing', {'g': {'a': 1}}, {'g': {}}, {'g': {'a': 1}}),
    ('lists merge by index', {'l': [1, 2, 3]}, {'l': [9]}, {'l': [9, 2, 3]}),
    ('shorter later list keeps the tail', {'l': ['a', 'b', 'c', 'd']}, {'l': ['x', 'y']},
     {'l': ['x', 'y', 'c', 'd']}),
    ('longer later list extends', {'l': [1]}, {'l': [7, 8, 9]}, {'l': [7, 8, 9]}),
    ('empty later list keeps everything', {'l': [1, 2]}, {'l': []}, {'l': [1, 2]}),
    ('mappings inside lists merge', {'l': [{'a': 1, 'b': 2}]}, {'l': [{'b': 3}]}, {'l': [{'a': 1, 'b': 3}]}),
    ('"" in the last list slot shortens it', {'l': [1, 2, 3]}, {'l': [1, 2, '']}, {'l': [1, 2]}),
    ('"" inside a list leaves a hole', {'l': [1, 2, 3]}, {'l': ['', 5]}, {'l': [None, 5, 3]}),
    ('mapping replaces scalar', {'a': 1}, {'a': {'x': 1}}, {'a': {'x': 1}}),
    ('scalar replaces mapping', {'a': {'x': 1}}, {'a': 'flat'}, {'a': 'flat'}),
    ('list replaces mapping', {'a': {'x': 1}}, {'a': [1]}, {'a': [1]}),
    ('null replaces a value', {'a': 1}, {'a': None}, {'a': None}),
    ('number and string keys are one key', {'h': {100: 'setkmap'}}, {'h': {'100': 'ls'}}, {'h': {'100': 'ls'}}),
    ('false is not removal', {'a': True}, {'a': False}, {'a': False}),
    ('zero is not removal', {'a': 5}, {'a': 0}, {'a': 0}),
]


@pytest.mark.parametrize('base, new, expected', [c[1:] for c in MERGE_CASES], ids=[c[0] for c in MERGE_CASES])
def test_merge_rules(base, new, expected):
    before_base = repr(base)
    before_new = repr(new)
    assert merge(base, new) == expected
    assert repr(base) == before_base and repr(new) == before_new  # inputs untouched


def test_merge_result_is_independent_of_inputs():
    new = {'g': {'list': [1, {'x': 1}]}}
    result = merge({}, new)
    result['g']['list'][1]['x'] = 99
    assert new['g']['list'][1]['x'] == 1


ORDER_CASES = [
    ('byte order, not natural order', ['20-b.yaml', '100-a.yaml', '3-c.yaml'], ['100-a.yaml', '20-b.yaml', '3-c.yaml']),
    ('upper case sorts before lower case', ['b.yaml', 'B.yaml', 'a.yaml'], ['B.yaml', 'a.yaml', 'b.yaml']),
    ('any case of the suffix', ['x.YAML', 'y.Yaml', 'z.yaml'], ['x.YAML', 'y.Yaml', 'z.yaml']),
    ('.yml and others ignored', ['a.yml', 'b.yaml', 'c.txt', 'd.yaml.bak', 'e.YML'], ['b.yaml']),
    ('non-ASCII by UTF-8 bytes', ['é.yaml', 'z.yaml', 'ä.yaml'], ['z.yaml', 'ä.yaml', 'é.yaml']),
]


@pytest.mark.parametrize('names, expected', [c[1:] for c in ORDER_CASES], ids=[c[0] for c in ORDER_CASES])
def test_order_yaml_names(names, expected):
    read, skipped = order_yaml_names(names)
    assert read == expected
    assert sorted(n for n, _r in skipped) == sorted(set(names) - set(expected))


def test_yml_skip_reason_says_what_to_do():
    _read, skipped = order_yaml_names(['500-fleet.yml'])
    assert skipped[0][0] == '500-fleet.yml'
    assert 'ignores .yml' in skipped[0][1] and 'rename' in skipped[0][1]


def test_files_apply_in_byte_order():
    files = [('200-b.yaml', 'global: {setkmap: b}\n'), ('100-a.yaml', 'global: {setkmap: a, dovnc: true}\n'),
             ('1000-c.yaml', 'global: {setkmap: c}\n')]
    config, warnings, skipped = effective_config(files)
    # byte order: '100-a' < '1000-c' ('-' is 0x2d, '0' is 0x30) < '200-b'; a natural sort would differ
    assert config == {'global': {'setkmap': 'b', 'dovnc': True}}
    result = compute_effective(files)
    assert result.order == ['100-a.yaml', '1000-c.yaml', '200-b.yaml']
    assert warnings == [] and skipped == []


def test_yml_file_is_ignored_in_effective():
    files = [('100-a.yaml', 'global: {loadsrm: false}\n'), ('500-b.yml', 'global: {loadsrm: true}\n')]
    config, _warnings, skipped = effective_config(files)
    assert config['global']['loadsrm'] is False
    assert [s['name'] for s in skipped] == ['500-b.yml']


@pytest.mark.parametrize('text, why', [
    ('global: [unclosed\n', 'does not parse'),
    ('- a\n- b\n', 'not a mapping'),
    ('', 'not a mapping'),
    ('just a string\n', 'not a mapping'),
    (b'global: {a: "\xff"}\n', 'not UTF-8'),
])
def test_broken_files_are_skipped(text, why):
    files = [('100-a.yaml', 'global: {dovnc: true}\n'), ('200-bad.yaml', text), ('300-c.yaml', 'global: {dostartx: true}\n')]
    config, _warnings, skipped = effective_config(files)
    assert config == {'global': {'dovnc': True, 'dostartx': True}}
    assert skipped[0]['name'] == '200-bad.yaml' and why in skipped[0]['reason']


def test_sysrescuecfg_after_files_and_in_order():
    files = [('100-a.yaml', 'global: {setkmap: us, dovnc: true}\n')]
    extra = ['global: {setkmap: de}\n', ('host.yaml', 'global: {setkmap: fr, dovnc: ""}\n')]
    result = compute_effective(files, extra, '')
    assert result.config == {'global': {'setkmap': 'fr'}}
    assert result.order == ['100-a.yaml', 'sysrescuecfg[0]', 'host.yaml']
    assert result.origin[('global', 'setkmap')] == 'host.yaml'


CMDLINE_CASES = [
    ('bare flag is true', 'loadsrm', {'global': {'loadsrm': True}}),
    ('value is kept as text', 'loadsrm=0 copytoram=y', {'global': {'loadsrm': '0', 'copytoram': 'y'}}),
    ('last occurrence wins', 'setkmap=us setkmap=de', {'global': {'setkmap': 'de'}}),
    ('bare after value wins', 'dovnc=no dovnc', {'global': {'dovnc': True}}),
    ('autorun options', 'ar_disable ar_attempts=3 ar_source=nfs://srv/x',
     {'autorun': {'ar_disable': True, 'ar_attempts': '3', 'ar_source': 'nfs://srv/x'}}),
    ('cow options', 'cow_label=persist cow_directory=/p', {'global': {'cow_label': 'persist', 'cow_directory': '/p'}}),
    ('no substring matches', 'noloadsrm loadsrm_x=1 xloadsrm=1', {}),
    ('other arguments ignored', 'archisobasedir=sysresccd iomem=relaxed quiet', {}),
    ('late_load_srm is YAML only', 'late_load_srm=http://x/y.srm', {}),
    ('empty command line', '', {}),
    ('value with equals sign', 'rootcryptpass=$6$a=b$c', {'global': {'rootcryptpass': '$6$a=b$c'}}),
]


@pytest.mark.parametrize('cmdline, expected', [c[1:] for c in CMDLINE_CASES], ids=[c[0] for c in CMDLINE_CASES])
def test_cmdline_overrides(cmdline, expected):
    overrides, _warnings = cmdline_overrides(cmdline)
    assert overrides == expected


def test_cmdline_bare_string_option_warns():
    overrides, warnings = cmdline_overrides('rootpass setkmap=de')
    assert overrides == {'global': {'rootpass': True, 'setkmap': 'de'}}
    assert len(warnings) == 1 and 'bare rootpass' in warnings[0]


def test_parse_cmdline_tokens():
    assert parse_cmdline('  a  b=1\tc= d=x=y ') == [('a', None), ('b', '1'), ('c', ''), ('d', 'x=y')]
    assert cmdline_values('a=1 a=2 a') == {'a': None}
    assert cmdline_sysrescuecfg('sysrescuecfg=a.yaml x sysrescuecfg=http://s/b.yaml') == ['a.yaml', 'http://s/b.yaml']
    assert is_http_pxe('ip=dhcp archiso_http_srv=http://s/') and not is_http_pxe('archiso_nfs_srv=1.2.3.4:/x')


def test_cmdline_applies_last():
    files = [('100-a.yaml', 'global: {loadsrm: true, setkmap: us}\nautorun: {ar_disable: false}\n')]
    extra = ['global: {copytoram: true}\n']
    result = compute_effective(files, extra, 'loadsrm=no copytoram=0 ar_disable sysrescuecfg=x.yaml')
    assert result.config == {'global': {'loadsrm': 'no', 'setkmap': 'us', 'copytoram': '0'},
                             'autorun': {'ar_disable': True}}
    assert result.order[-1] == CMDLINE_SOURCE
    assert result.origin[('global', 'loadsrm')] == CMDLINE_SOURCE


def test_cmdline_creates_scope_replacing_a_non_mapping():
    config, _w, _s = effective_config([('a.yaml', 'global: ""\nautorun: off\n')], (), 'dovnc ar_nowait=1')
    assert config == {'global': {'dovnc': True}, 'autorun': {'ar_nowait': '1'}}


def test_http_pxe_reads_no_sysrescue_d():
    files = [('100-a.yaml', 'global: {loadsrm: true}\n')]
    config, _warnings, skipped = effective_config(
        files, [('host', 'global: {late_load_srm: "http://s/x.srm"}\n')],
        'archiso_http_srv=http://s/ ip=dhcp sysrescuecfg=http://s/host.yaml')
    assert config == {'global': {'late_load_srm': 'http://s/x.srm'}}
    assert skipped[0]['name'] == '100-a.yaml' and 'HTTP PXE' in skipped[0]['reason']


def test_missing_sysrescuecfg_sources_warn():
    _config, warnings, _skipped = effective_config([], [], 'sysrescuecfg=http://s/a.yaml')
    assert any('sysrescuecfg' in w and 'http://s/a.yaml' in w for w in warnings)


def test_effective_warns_about_copytoram_and_bootmnt():
    files = [('500-x.yaml', 'global: {late_load_srm: /run/archiso/bootmnt/sysresccd/late/x.srm}\n')]
    _c, warnings, _s = effective_config(files, (), '')
    assert not any('copytoram' in w for w in warnings)
    _c, warnings, _s = effective_config(files, (), 'copytoram')
    assert any('copytoram is on' in w for w in warnings)
    _c, warnings, _s = effective_config(files + [('600-y.yaml', 'global: {copytoram: "Yes"}\n')], (), '')
    assert any('copytoram is on' in w for w in warnings)
    _c, warnings, _s = effective_config(files, (), 'copytoram=off')
    assert not any('copytoram is on' in w for w in warnings)


def test_effective_warns_about_late_load_of_an_early_srm():
    files = [('500-x.yaml', 'global: {late_load_srm: /run/archiso/bootmnt/sysresccd/10-x.srm, loadsrm: on}\n')]
    _c, warnings, _s = effective_config(files)
    assert any('loads early' in w for w in warnings)


def test_effective_warns_about_a_list_late_load_srm_from_another_file():
    files = [('500-x.yaml', 'global: {late_load_srm: [a.srm, b.srm]}\n')]
    _c, warnings, _s = effective_config(files)
    assert any('late_load_srm' in w and 'ignores a list' in w for w in warnings)


def test_effective_warns_about_exec_without_target():
    files = [('100-a.yaml', 'autorun: {exec: {"100": {path: /bin/true}}}\n'),
             ('200-b.yaml', 'autorun: {exec: {"100": {path: "", wait: always}}}\n')]
    config, warnings, _s = effective_config(files)
    assert config == {'autorun': {'exec': {'100': {'wait': 'always'}}}}
    assert any('autorun.exec.100 has none of path, url or shell' in w for w in warnings)


def test_list_hole_and_type_change_are_reported():
    result = compute_effective([('a.yaml', 'x: {l: [1, 2], m: {a: 1}}\n'), ('b.yaml', 'x: {l: ["", 3], m: [1]}\n')])
    assert result.config == {'x': {'l': [None, 3], 'm': [1]}}
    assert any('x.l.0' in w and 'hole' in w for w in result.warnings)
    assert any('x.m' in w and 'replaces a mapping' in w for w in result.warnings)


def test_parse_yaml():
    assert parse_yaml('a: 1\n') == ({'a': 1}, None)
    assert parse_yaml(b'a: 1\n') == ({'a': 1}, None)
    assert parse_yaml('a: [\n')[0] is None


def test_stock_defaults(sysrescue_media):
    with open(os.path.join(sysrescue_media, 'sysrescue.d', '100-defaults.yaml'), 'rb') as handle:
        stock = handle.read()
    config, warnings, skipped = effective_config([('100-defaults.yaml', stock)])
    assert warnings == [] and skipped == []
    assert config['global']['loadsrm'] is False and config['global']['copytoram'] is False
    assert config['autorun']['ar_suffixes'] == '0,1,2,3,4,5,6,7,8,9,A,B,C,D,E,F'
    assert config['sysconfig']['bash_history'] == {'100': 'setkmap'}

    # The way sysrescue-customize turns SRMs on, then a later file and the command line.
    files = [('100-defaults.yaml', stock), ('200-customize.yaml', 'global:\n  loadsrm: true\n'),
             ('500-fleet.yaml', 'sysconfig:\n  bash_history:\n    100: ""\n    200: load-srm\n')]
    result = compute_effective(files, (), 'copytoram')
    assert result.config['global']['loadsrm'] is True
    assert result.config['global']['copytoram'] is True
    assert result.config['sysconfig']['bash_history'] == {'200': 'load-srm'}
    assert result.origin[('global', 'loadsrm')] == '200-customize.yaml'
    assert result.origin[('global', 'checksum')] == '100-defaults.yaml'
