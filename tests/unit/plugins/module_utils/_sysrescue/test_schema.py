# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation of a SystemRescue configuration against what its readers accept."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import is_true
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import (
    boolish_error, key_path, late_load_error, validate)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import (
    MASK, find_secrets, mask_secrets, plain_secret_keys)

TRUE_VALUES = [True, 1, 1.0, 'y', 'Y', 'yes', 'YES', 't', 'T', 'true', 'True', 'on', 'ON', '1', '1.0']
FALSE_VALUES = [False, 0, 0.0, 'n', 'no', 'NO', 'f', 'false', 'False', 'off', 'Off', '0', '0.0', None, 2, 'enabled', ' yes ', [], {}]


@pytest.mark.parametrize('value', TRUE_VALUES, ids=repr)
def test_is_true(value):
    assert is_true(value) is True


@pytest.mark.parametrize('value', FALSE_VALUES, ids=repr)
def test_is_false(value):
    assert is_true(value) is False


@pytest.mark.parametrize('value', [True, False, 0, 1, 1.0, 0.0, 'yes', 'No', 'OFF', 'On', 't', 'F', '1.0', '0'], ids=repr)
def test_boolish_accepted(value):
    assert boolish_error(value) is None


@pytest.mark.parametrize('value, words', [
    ('enabled', 'reads as false'),
    ('2', 'reads as false'),
    ('tru', 'reads as false'),
    (2, 'reads as false'),
    (-1, 'reads as false'),
    (0.5, 'reads as false'),
    ([True], 'not a list'),
    ({'a': 1}, 'not a mapping'),
], ids=repr)
def test_boolish_refused(value, words):
    assert words in boolish_error(value)


@pytest.mark.parametrize('value', [
    '', '/run/archiso/bootmnt/late/x.srm', '/srv/x.srm', 'http://pxe/x.srm', 'https://pxe.example.com:8443/a/b.srm',
    'HTTPS://pxe/x.srm', 'http://pxe/x%20y.srm'], ids=repr)
def test_late_load_accepted(value):
    assert late_load_error(value) is None


@pytest.mark.parametrize('value, words', [
    (['http://a/x.srm', 'http://a/y.srm'], 'SystemRescue ignores a list'),
    ({'url': 'http://a/x.srm'}, 'ignores a mapping'),
    (True, 'not a boolean'),
    (3, 'not a number'),
    ('x.srm', 'relative path'),
    ('ftp://a/x.srm', 'only http:// and https://'),
    ('file:///x.srm', 'only http:// and https://'),
    ('http:///x.srm', 'without a host'),
    ('http://a/x.srm http://a/y.srm', 'white space'),
    ('/a/x.srm\n', 'white space'),
], ids=repr)
def test_late_load_refused(value, words):
    assert words in late_load_error(value)


def test_late_load_list_message_names_the_key():
    errors, _warnings = validate({'global': {'late_load_srm': ['http://a/x.srm']}})
    assert errors == [
        'global.late_load_srm must be one string (a local path or an http(s):// URL); SystemRescue ignores a list, '
        'so no module would be loaded. Give one URL or path, or build one SRM holding everything']


VALID = {
    'global': {
        'copytoram': False, 'checksum': 'no', 'loadsrm': True, 'dostartx': 'off', 'dovnc': 0, 'noautologin': 1,
        'nofirewall': 'Yes', 'rootshell': '/bin/zsh', 'rootpass': 'x', 'rootcryptpass': '$6$s$h', 'setkmap': 'de',
        'vncpass': 'secret1', 'late_load_srm': 'https://pxe/x.srm', 'cow_label': 'persist', 'cow_directory': '/p',
    },
    'autorun': {
        'ar_disable': False, 'ar_nowait': True, 'ar_nodel': 'no', 'ar_ignorefail': 'yes', 'ar_attempts': 3,
        'ar_source': 'nfs://srv/autorun', 'ar_suffixes': '0,1,A',
        'exec': {
            100: {'path': '/usr/bin/mount', 'parameters': ['/dev/sda1', '/mnt']},
            '200': {'url': 'http://srv/run.sh', 'wait': 'on_error'},
            300: {'shell': 'ls -l /mnt\necho done', 'wait': 'always'},
            400: '',
        },
    },
    'sysconfig': {
        'timezone': 'Europe/Berlin', 'hosts': {'10.0.0.1': 'pxe pxe.example.com'}, 'sysctl': {'vm.swappiness': 10},
        'authorized_keys': {'ops@example': 'ssh-ed25519 AAAA ops'}, 'ca-trust': {'corp': '-----BEGIN CERT'},
        'bash_history': {100: 'setkmap', '200': ''}, 'bookmarks': {'100': {'title': 'x', 'url': 'http://x'}},
        'ssh_known_hosts': {'srv': 'srv ssh-ed25519 AAAA'}, 'rclone': {'config': {'s3': {'type': 's3'}}},
    },
    'autoterminal': {'tty2': '/usr/bin/htop'},
    'gui_autostart': {100: {'desktop': '/usr/share/applications/firefox.desktop'}, 200: {'exec': '/usr/bin/xterm'}},
    'my_scope': {'anything': [1, {'goes': None}]},
}


def test_valid_configuration():
    assert validate(VALID) == ([], [])


def test_stock_defaults_validate(sysrescue_media):
    with open(os.path.join(sysrescue_media, 'sysrescue.d', '100-defaults.yaml')) as handle:
        assert validate(yaml.safe_load(handle)) == ([], [])


ERROR_CASES = [
    ('not a mapping', ['global'], 'the configuration must be a mapping'),
    ('scope not a mapping', {'global': ['loadsrm']}, 'global must be a mapping of settings, not a list'),
    ('scope null', {'global': None}, 'global is null'),
    ('non-string scope', {1: {}}, 'scope 1 must be a string'),
    ('bool word', {'global': {'loadsrm': 'enabled'}}, "global.loadsrm is 'enabled', which SystemRescue reads as false"),
    ('bool number', {'global': {'copytoram': 2}}, 'global.copytoram is 2'),
    ('bool list', {'autorun': {'ar_disable': [True]}}, 'autorun.ar_disable must be true or false, not a list'),
    ('null value', {'global': {'dovnc': None}}, 'global.dovnc is null; give a value, or ""'),
    ('string expected', {'global': {'setkmap': 12}}, 'global.setkmap must be a string, not a number; quote it'),
    ('string not bool', {'global': {'rootshell': True}}, 'global.rootshell must be a string, not a boolean'),
    ('late list', {'global': {'late_load_srm': ['/a.srm']}}, 'global.late_load_srm must be one string'),
    ('late relative', {'global': {'late_load_srm': 'a.srm'}}, 'global.late_load_srm is \'a.srm\', a relative path'),
    ('attempts float', {'autorun': {'ar_attempts': 1.5}}, 'autorun.ar_attempts must be a whole number'),
    ('attempts bool', {'autorun': {'ar_attempts': True}}, 'autorun.ar_attempts must be a whole number'),
    ('attempts word', {'autorun': {'ar_attempts': 'three'}}, 'autorun.ar_attempts must be a whole number'),
    ('exec list', {'autorun': {'exec': ['/bin/true']}}, 'autorun.exec must be a mapping of named entries'),
    ('exec entry string', {'autorun': {'exec': {100: '/bin/true'}}}, 'autorun.exec.100 must be a mapping with one of'),
    ('exec two targets', {'autorun': {'exec': {1: {'path': '/a', 'url': 'http://b'}}}},
     'autorun.exec.1 has path and url; an autorun entry runs exactly one'),
    ('exec path type', {'autorun': {'exec': {1: {'path': ['/a']}}}}, 'autorun.exec.1.path must be a string'),
    ('exec parameters', {'autorun': {'exec': {1: {'path': '/a', 'parameters': [{'x': 1}]}}}},
     'autorun.exec.1.parameters.0 must be a single value'),
    ('timezone', {'sysconfig': {'timezone': ['UTC']}}, 'sysconfig.timezone must be a string'),
    ('hosts list', {'sysconfig': {'hosts': ['10.0.0.1 pxe']}}, 'sysconfig.hosts must be a mapping of strings'),
    ('authorized key type', {'sysconfig': {'authorized_keys': {'a': ['k1', 'k2']}}},
     'sysconfig.authorized_keys.a must be a string, not a list'),
    ('sysctl dotted key', {'sysconfig': {'sysctl': {'vm.swappiness': [1]}}},
     'sysconfig.sysctl."vm.swappiness" must be a single value'),
    ('ca-trust', {'sysconfig': {'ca-trust': 'PEM'}}, 'sysconfig.ca-trust must be a mapping of strings'),
    ('rclone', {'sysconfig': {'rclone': 'x'}}, 'sysconfig.rclone must be a mapping'),
    ('bookmarks', {'sysconfig': {'bookmarks': 'x'}}, 'sysconfig.bookmarks must be a mapping or a list'),
    ('autoterminal', {'autoterminal': {'tty2': ['htop']}}, 'autoterminal.tty2 must be a string'),
    ('autoterminal scope', {'autoterminal': 'tty2'}, 'autoterminal must be a mapping of strings'),
    ('gui_autostart entry', {'gui_autostart': {1: 'firefox'}}, 'gui_autostart.1 must be a mapping with desktop or exec'),
    ('gui_autostart value', {'gui_autostart': {1: {'exec': 5}}}, 'gui_autostart.1.exec must be a string'),
]


@pytest.mark.parametrize('config, message', [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES])
def test_validation_errors(config, message):
    errors, _warnings = validate(config)
    assert any(message in e for e in errors), errors


WARNING_CASES = [
    ('unknown global key', {'global': {'loadsrms': True}}, 'global.loadsrms is not a key SystemRescue knows in global'),
    ('unknown autorun key', {'autorun': {'ar_foo': 1}}, 'autorun.ar_foo is not a key'),
    ('unknown sysconfig key', {'sysconfig': {'time_zone': 'UTC'}}, 'sysconfig.time_zone is not a key'),
    ('scope case', {'Global': {'loadsrm': True}}, 'Global is not a scope SystemRescue reads; scopes are lower case'),
    ('unknown exec key', {'autorun': {'exec': {1: {'path': '/a', 'args': 'x'}}}}, 'autorun.exec.1.args is not a key'),
    ('odd wait', {'autorun': {'exec': {1: {'path': '/a', 'wait': 'sometimes'}}}}, "autorun.exec.1.wait is 'sometimes'"),
    ('odd url', {'autorun': {'exec': {1: {'url': '/local/file'}}}}, 'does not look like a URL'),
    ('unknown gui key', {'gui_autostart': {1: {'cmd': 'x'}}}, 'gui_autostart.1.cmd is not a key'),
    ('line break', {'global': {'setkmap': 'de\nus'}}, 'global.setkmap holds a line break'),
]


@pytest.mark.parametrize('config, message', [c[1:] for c in WARNING_CASES], ids=[c[0] for c in WARNING_CASES])
def test_validation_warnings(config, message):
    errors, warnings = validate(config)
    assert errors == []
    assert any(message in w for w in warnings), warnings


@pytest.mark.parametrize('config', [
    {'global': ''}, {'global': {'late_load_srm': ''}}, {'global': {'loadsrm': ''}}, {'autorun': {'exec': ''}},
    {'sysconfig': {'authorized_keys': {'old': ''}}}, {}, {'custom': None}, {'custom': ['x', {'y': 1}]},
], ids=repr)
def test_removals_and_custom_scopes_pass(config):
    assert validate(config) == ([], [])


def test_every_error_is_reported_at_once():
    errors, _warnings = validate({'global': {'loadsrm': 'maybe', 'late_load_srm': ['a'], 'setkmap': 1}})
    assert len(errors) == 3


def test_key_path():
    assert key_path(('global', 'late_load_srm')) == 'global.late_load_srm'
    assert key_path(('sysconfig', 'sysctl', 'net.ipv4.ip_forward')) == 'sysconfig.sysctl."net.ipv4.ip_forward"'
    assert key_path(('autorun', 'exec', 100, 'parameters', 0)) == 'autorun.exec.100.parameters.0'
    assert key_path(('a', True, None, '')) == 'a.true.null.""'


def test_secrets():
    config = {'global': {'rootpass': 'pw1', 'vncpass': 'pw2', 'rootcryptpass': '$6$x', 'setkmap': 'de'},
              'custom': {'nested': [{'rootpass': 'pw3'}]}, 'empty': {'rootpass': ''}}
    assert sorted(find_secrets(config)) == ['$6$x', 'pw1', 'pw2', 'pw3']
    masked = mask_secrets(config)
    assert masked == {'global': {'rootpass': MASK, 'vncpass': MASK, 'rootcryptpass': MASK, 'setkmap': 'de'},
                      'custom': {'nested': [{'rootpass': MASK}]}, 'empty': {'rootpass': ''}}
    assert config['global']['rootpass'] == 'pw1'  # not changed in place
    assert plain_secret_keys(config) == ['rootpass', 'vncpass']
    assert plain_secret_keys({'global': {'rootcryptpass': '$6$x', 'rootpass': ''}}) == []
