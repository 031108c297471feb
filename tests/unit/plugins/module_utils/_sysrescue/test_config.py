# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rendering, names, masking and whole runs of sysrescue_config on directories."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest
import yaml

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import Medium
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import (
    check_yaml_name, mask_text, render, render_text)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import same_value
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import load, table_of
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.sysrescue_config import SysrescueConfig

HOSTILE = [
    'line one\nline two',
    'key: value',
    'a # not a comment',
    '# leading hash',
    '*alias',
    '&anchor',
    '---',
    '...',
    '- item',
    '{a: 1}',
    '[1, 2]',
    '!tag value',
    '%directive',
    '@reserved',
    '`backtick',
    '|literal',
    '>folded',
    "'single'",
    '"double"',
    'yes',
    'off',
    'null',
    '~',
    '123',
    '0x1f',
    '1e3',
    '',
    ' leading and trailing ',
    'trailing newline\n',
    '\n\nleading newlines',
    'tab\tinside',
    'ünïcødé ✓ 日本語',
    'control \x07 bell',
    'trailing spaces on a line   \nnext',
    'x' * 300,
    'ssh-ed25519 ' + 'A' * 400 + ' user@host',
]


@pytest.mark.parametrize('value', HOSTILE, ids=lambda v: repr(v)[:40])
def test_render_round_trip_hostile_values(value):
    config = {'custom': {'value': value, 'list': [value, {'k': value}], value or 'empty': 'as key'},
              'global': {'setkmap': value}}
    data = render(config)
    text = data.decode('utf-8')
    assert text.startswith('# Managed by Ansible')
    assert '\n---\n' in text
    loaded, reason = load(data)
    assert reason is None
    # SystemRescue's reader gives every value back exactly; a decimal key is a number key, on purpose
    assert same_value(loaded, table_of(config))
    assert loaded['custom']['value'] == value and loaded['global']['setkmap'] == value
    assert render(config) == data  # stable


def test_render_is_sorted_and_stable():
    a = render({'sysconfig': {'timezone': 'UTC'}, 'global': {'loadsrm': True, 'dovnc': False}})
    b = render({'global': {'dovnc': False, 'loadsrm': True}, 'sysconfig': {'timezone': 'UTC'}})
    assert a == b
    assert a.decode() == ('# Managed by Ansible (rescuefleet.media.sysrescue_config): local changes are overwritten.\n'
                          '---\nglobal:\n  dovnc: false\n  loadsrm: true\nsysconfig:\n  timezone: \'UTC\'\n')


def test_render_numeric_keys_as_numbers():
    text = render_text({'sysconfig': {'bash_history': {'200': 'b', '100': 'a', '30': 'c', '0100': 'z', 'x': 'y'}}})
    assert yaml.safe_load(text) == {'sysconfig': {'bash_history': {100: 'a', 200: 'b', 30: 'c', '0100': 'z', 'x': 'y'}}}
    assert text.index('30:') < text.index('100:') < text.index('200:') < text.index("'0100'")


def test_render_keys_with_a_newline_stay_text():
    # Python's $ also matches before a final newline: '100\n' must not become the number 100 (hypothesis found it)
    config = {'sysconfig': {'bash_history': {'100\n': 'x', '100': 'y'}}, 'global\n': {'a': 'b'}}
    table, reason = load(render(config))
    assert reason is None
    assert table == {'sysconfig': {'bash_history': {100: 'y', '100\n': 'x'}}, 'global\n': {'a': 'b'}}


def test_render_refuses_same_key_twice():
    with pytest.raises(RescueFleetError, match='same key twice'):
        render({'sysconfig': {'bash_history': {100: 'a', '100': 'b'}}})


def test_render_literal_block_for_multi_line():
    text = render_text({'autorun': {'exec': {'100': {'shell': 'mount /dev/sda1 /mnt\nls /mnt\n'}}}})
    assert 'shell: |\n' in text
    assert yaml.safe_load(text)['autorun']['exec'][100]['shell'] == 'mount /dev/sda1 /mnt\nls /mnt\n'


def test_render_empty():
    assert yaml.safe_load(render({})) == {}


@pytest.mark.parametrize('name', ['500-fleet.yaml', '500-fleet.YAML', 'a.Yaml', 'web01 host.yaml', 'ä.yaml'])
def test_good_names(name):
    check_yaml_name(name)


@pytest.mark.parametrize('name, words', [
    ('500-fleet.yml', "ignores .yml; rename it to end in .yaml. Name it 500-fleet.yaml"),
    ('500-fleet.YML', 'ignores .yml'),
    ('500-fleet', 'not a .yaml file'),
    ('500-fleet.yaml.bak', 'not a .yaml file'),
    ('sub/500.yaml', 'without a directory'),
    ('..\\500.yaml', 'without a directory'),
    ('', 'plain file name'),
    ('.hidden.yaml', 'starts with a dot'),
    ('a\nb.yaml', 'control characters'),
])
def test_bad_names(name, words):
    with pytest.raises(RescueFleetError) as info:
        check_yaml_name(name)
    assert words in str(info.value)


def test_mask_text():
    text = ('---\nglobal:\n  rootpass: hunter2\n  "vncpass" : \'pa ss\'\n  rootcryptpass: "$6$salt$hash"\n'
            '  setkmap: de\nother:\n  copy: hunter2 again\n')
    masked = mask_text(text)
    for secret in ('hunter2', 'pa ss', '$6$salt$hash'):
        assert secret not in masked
    assert 'setkmap: de' in masked and "rootpass: '********'" in masked


def test_mask_text_block_scalar_and_unparsable():
    masked = mask_text('global:\n  rootpass: |\n    first-part\n    second-part\n')
    assert 'first-part' not in masked and 'second-part' not in masked
    hidden = mask_text('global: [\n  rootpass: secret\n')
    assert 'secret' not in hidden and 'content hidden' in hidden
    assert mask_text('global: [\n') == 'global: [\n'  # nothing to hide


# -- whole runs on directories --------------------------------------------------------------
def tree_digest(root):
    digest = hashlib.sha256()
    for base, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(base, name)
            digest.update(os.path.relpath(path, root).encode())
            with open(path, 'rb') as handle:
                digest.update(handle.read())
    return digest.hexdigest()


@pytest.fixture
def medium(tmp_path):
    root = tmp_path / 'usb'
    (root / 'sysrescue.d').mkdir(parents=True)
    (root / 'sysrescue.d' / '100-defaults.yaml').write_text(
        '---\nglobal:\n    copytoram: false\n    loadsrm: false\nsysconfig:\n    bash_history:\n        100: "setkmap"\n')
    return str(root)


def run(params, check_mode=False, want_diff=True):
    base = {'media': None, 'path': None, 'config': {}, 'state': 'present', 'sysrescuecfg': [], 'cmdline': '',
            'purpose': None}
    base.update(params)
    task = SysrescueConfig(base, check_mode=check_mode, want_diff=want_diff)
    result = task.run()
    return result, task


def test_four_way_idempotency_on_a_medium(medium):
    params = {'media': {'path': medium}, 'name': '500-fleet.yaml',
              'config': {'global': {'loadsrm': True}, 'sysconfig': {'bash_history': {'100': '', '200': 'load-srm'}}}}
    target = os.path.join(medium, 'sysrescue.d', '500-fleet.yaml')
    result, _task = run(params, check_mode=True)
    assert result['changed'] and not os.path.exists(target)
    assert result['effective']['global']['loadsrm'] is True  # predicted
    result, _task = run(params)
    assert result['changed'] and os.path.exists(target) and result['path'] == target
    assert result['effective'] == {'global': {'copytoram': False, 'loadsrm': True},
                                   'sysconfig': {'bash_history': {'200': 'load-srm'}}}
    assert result['files'] == ['100-defaults.yaml', '500-fleet.yaml']
    assert result['diff']['before'] == '' and 'loadsrm: true' in result['diff']['after']
    digest = tree_digest(medium)
    result, _task = run(params)
    assert not result['changed']
    result, _task = run(params, check_mode=True)
    assert not result['changed']
    assert tree_digest(medium) == digest
    assert not [n for n in os.listdir(os.path.join(medium, 'sysrescue.d')) if n.startswith('.')]


def test_state_absent(medium):
    params = {'media': {'path': medium}, 'name': '500-fleet.yaml', 'config': {'global': {'dovnc': True}}}
    run(params)
    absent = dict(params, state='absent')
    result, _task = run(absent, check_mode=True)
    assert result['changed'] and os.path.exists(os.path.join(medium, 'sysrescue.d', '500-fleet.yaml'))
    assert 'dovnc' in result['diff']['before'] and result['diff']['after'] == ''
    assert 'dovnc' not in result['effective']['global']
    result, _task = run(absent)
    assert result['changed'] and not os.path.exists(os.path.join(medium, 'sysrescue.d', '500-fleet.yaml'))
    result, _task = run(absent)
    assert not result['changed']


@pytest.mark.parametrize('params, words', [
    ({'name': '500-fleet.yml', 'config': {'global': {'loadsrm': True}}}, 'ignores .yml'),
    ({'name': '500-fleet.yaml', 'config': {'global': {'late_load_srm': ['http://a/x.srm', 'http://a/y.srm']}}},
     'global.late_load_srm must be one string'),
    ({'name': '500-fleet.yaml', 'config': {'global': {'loadsrm': 'enabled'}}}, 'reads as false'),
    ({'name': '500-fleet.yaml', 'config': {'sysconfig': {'bash_history': {'1': 'a', 1: 'b'}}}}, 'same key twice'),
])
def test_bad_values_leave_the_medium_byte_identical(medium, params, words):
    run({'media': {'path': medium}, 'name': '500-fleet.yaml', 'config': {'global': {'dovnc': True}}})
    digest = tree_digest(medium)
    with pytest.raises(RescueFleetError) as info:
        run(dict(params, media={'path': medium}))
    assert words in str(info.value)
    assert tree_digest(medium) == digest


def test_secrets_are_masked(medium):
    params = {'media': {'path': medium}, 'name': '500-fleet.yaml', 'cmdline': 'vncpass=cmdline-secret',
              'config': {'global': {'rootpass': 'root-secret', 'dovnc': True}}}
    result, task = run(params)
    with open(os.path.join(medium, 'sysrescue.d', '500-fleet.yaml')) as handle:
        assert 'root-secret' in handle.read()  # SystemRescue needs the real value
    printed = repr(result)
    assert 'root-secret' not in printed and 'cmdline-secret' not in printed
    assert result['effective']['global']['rootpass'] == '********'
    assert result['effective']['global']['vncpass'] == '********'
    assert sorted(task.secrets) == ['cmdline-secret', 'root-secret']
    assert any('plain text' in w and 'rootcryptpass' in w and 'FAT' in w for w in task.warnings)
    # a change of the password only: changed, the diff still shows no secret
    result, task = run(dict(params, config={'global': {'rootpass': 'new-secret', 'dovnc': True}}))
    assert result['changed']
    assert 'root-secret' not in repr(result) and 'new-secret' not in repr(result)
    assert 'root-secret' in task.secrets  # the old value is masked by Ansible too


def test_override_warnings(medium):
    with open(os.path.join(medium, 'sysrescue.d', '900-late.yaml'), 'w') as handle:
        handle.write('global:\n  setkmap: us\n  dovnc: ""\n')
    _result, task = run({'media': {'path': medium}, 'name': '050-early.yaml', 'cmdline': 'loadsrm=0',
                         'config': {'global': {'copytoram': True, 'setkmap': 'de', 'dovnc': True, 'loadsrm': True,
                                               'checksum': True}}})
    text = '\n'.join(task.warnings)
    assert 'global.copytoram is overridden by 100-defaults.yaml' in text
    assert 'global.setkmap is overridden by 900-late.yaml' in text
    assert 'global.dovnc is removed by a later file' in text
    assert 'global.loadsrm is overridden by kernel command line' in text
    assert 'global.checksum' not in text


def test_yml_and_broken_siblings_warn(medium):
    with open(os.path.join(medium, 'sysrescue.d', '300-x.yml'), 'w') as handle:
        handle.write('global: {loadsrm: true}\n')
    with open(os.path.join(medium, 'sysrescue.d', '400-broken.yaml'), 'w') as handle:
        handle.write('global: [\n')
    with open(os.path.join(medium, 'sysrescue.d', 'README.txt'), 'w') as handle:
        handle.write('not yaml\n')
    os.mkdir(os.path.join(medium, 'sysrescue.d', '600-dir.yaml'))
    result, task = run({'media': {'path': medium}, 'name': '500-fleet.yaml', 'config': {'global': {'dovnc': True}}})
    assert [s['name'] for s in result['not_applied']] == ['300-x.yml', '400-broken.yaml']
    assert result['files'] == ['100-defaults.yaml', '500-fleet.yaml']
    assert any(w.startswith('300-x.yml: ') and 'rename' in w for w in task.warnings)
    assert any(w.startswith('400-broken.yaml: ') and 'does not parse' in w for w in task.warnings)


def test_copytoram_and_bootmnt_warning(medium):
    _result, task = run({'media': {'path': medium}, 'name': '500-fleet.yaml',
                         'config': {'global': {'late_load_srm': '/run/archiso/bootmnt/sysresccd/late.srm'}},
                         'cmdline': 'copytoram'})
    assert any('copytoram is on' in w for w in task.warnings)


def test_http_pxe_purpose_on_a_medium_warns(medium):
    _result, task = run({'media': {'path': medium}, 'name': 'host.yaml', 'purpose': 'http_pxe',
                         'config': {'global': {'late_load_srm': 'http://pxe/x.srm'}}})
    assert any('reads no sysrescue.d' in w for w in task.warnings)
    _result, task = run({'media': {'path': medium}, 'name': 'host.yaml', 'cmdline': 'archiso_http_srv=http://pxe/',
                         'config': {'global': {'late_load_srm': 'http://pxe/x.srm'}}})
    assert any(w.startswith('host.yaml: ') and 'HTTP PXE' in w for w in task.warnings)


def test_directory_for_http_pxe(tmp_path):
    tree = tmp_path / 'http'
    tree.mkdir()
    (tree / 'common.yaml').write_text('global: {loadsrm: true}\n')  # not merged: not listed in sysrescuecfg
    common = tmp_path / 'common-local.yaml'
    common.write_text('global: {setkmap: de, dostartx: true}\n')
    params = {'path': str(tree), 'name': 'web01.yaml',
              'config': {'global': {'late_load_srm': 'http://pxe/x.srm', 'setkmap': 'fr'}},
              'sysrescuecfg': [{'src': str(common)}, {'content': 'global: {dovnc: true}\n', 'name': 'inline'}],
              'cmdline': 'archiso_http_srv=http://pxe/ ip=dhcp dostartx=0'}
    result, task = run(params)
    assert result['changed'] and result['path'] == str(tree / 'web01.yaml')
    assert result['effective'] == {'global': {'setkmap': 'fr', 'dostartx': '0', 'dovnc': True,
                                              'late_load_srm': 'http://pxe/x.srm'}}
    assert result['files'] == [str(common), 'inline', 'web01.yaml', 'kernel command line']
    assert not any('reads no sysrescue.d' in w for w in task.warnings)
    result, _task = run(params)
    assert not result['changed']
    assert sorted(os.listdir(str(tree))) == ['common.yaml', 'web01.yaml']


def test_directory_as_sysrescue_d(medium):
    directory = os.path.join(medium, 'sysrescue.d')
    result, task = run({'path': directory, 'name': '500-fleet.yaml', 'purpose': 'medium',
                        'config': {'global': {'loadsrm': True}}})
    assert result['files'] == ['100-defaults.yaml', '500-fleet.yaml']
    assert result['effective']['global'] == {'copytoram': False, 'loadsrm': True}
    assert not any('not a sysrescue.d directory' in w for w in task.warnings)
    _result, task = run({'path': medium, 'name': '500-fleet.yaml', 'purpose': 'medium', 'config': {}})
    assert any('not a sysrescue.d directory' in w for w in task.warnings)


def test_missing_directory_and_media_choice(tmp_path):
    with pytest.raises(RescueFleetError, match='not a directory'):
        run({'path': str(tmp_path / 'missing'), 'name': 'a.yaml'})
    with pytest.raises(RescueFleetError, match='either media'):
        run({'path': str(tmp_path), 'media': {'path': str(tmp_path)}, 'name': 'a.yaml'})
    with pytest.raises(RescueFleetError, match='cannot be read'):
        run({'path': str(tmp_path), 'name': 'a.yaml', 'sysrescuecfg': [{'src': str(tmp_path / 'nope.yaml')}]})


def test_medium_without_sysrescue_d(tmp_path):
    root = tmp_path / 'fresh'
    root.mkdir()
    result, _task = run({'media': {'path': str(root)}, 'name': '500-fleet.yaml', 'config': {'global': {'dovnc': 1}}})
    assert result['changed'] and (root / 'sysrescue.d' / '500-fleet.yaml').exists()


def test_stock_medium(sysrescue_media, tmp_path):
    root = tmp_path / 'copy'
    shutil.copytree(os.path.join(sysrescue_media, 'sysrescue.d'), str(root / 'sysrescue.d'))
    result, task = run({'media': {'path': str(root)}, 'name': '500-fleet.yaml',
                        'config': {'global': {'loadsrm': True}, 'autorun': {'ar_nowait': False}}})
    assert result['effective']['global']['loadsrm'] is True
    assert result['effective']['global']['copytoram'] is False
    assert result['effective']['autorun']['ar_nowait'] is False
    assert result['effective']['autorun']['ar_attempts'] == 1
    assert not any('overridden' in w for w in task.warnings)


class FakeImageMedium(Medium):
    """An in-memory medium like a FAT partition of a disk image: no local path, names fold case."""

    kind = 'fat-image'

    def __init__(self, files):
        self.files = dict(files)
        self.writes = []
        self.lock_depth = 0
        self.closed = False

    def describe(self):
        return {'kind': self.kind, 'fstype': 'vfat', 'label': 'RESCUE1200'}

    def list_dir(self, path):
        prefix = path + '/'
        return sorted(({'name': name[len(prefix):], 'type': 'file', 'size': len(data)}
                       for name, data in self.files.items() if name.startswith(prefix)), key=lambda e: e['name'])

    def read_bytes(self, path):
        for name, data in self.files.items():
            if name.lower() == path.lower():
                return data
        return None

    def write_bytes(self, path, data):
        assert self.lock_depth == 1, 'written outside medium.locked()'
        for name in list(self.files):
            if name.lower() == path.lower():
                del self.files[name]
        self.files[path] = data
        self.writes.append(path)

    def remove(self, path):
        assert self.lock_depth == 1
        for name in list(self.files):
            if name.lower() == path.lower():
                del self.files[name]
        self.writes.append('-' + path)

    def leftovers(self, path):
        return [name for name in self.list_dir(path) if '.rf-tmp-' in name['name']]

    def locked(self):
        medium = self

        class _Lock:
            def __enter__(self):
                medium.lock_depth += 1

            def __exit__(self, *exc):
                medium.lock_depth -= 1
        return _Lock()

    def close(self):
        self.closed = True


def test_image_medium_through_the_interface(monkeypatch):
    from ansible_collections.rescuefleet.media.plugins.module_utils._tasks import sysrescue_config as module_utils
    fake = FakeImageMedium({'sysrescue.d/100-defaults.yaml': b'global: {loadsrm: false}\n',
                            'sysrescue.d/500-FLEET.YAML': b'global: {dovnc: true}\n',
                            'sysresccd/10-tools.srm': b'hsqs'})
    opened = []

    def fake_open(options, writable=True):
        opened.append((options, writable))
        return fake
    monkeypatch.setattr(module_utils, 'open_medium', fake_open)
    params = {'media': {'image': '/srv/usb.img', 'partition': 1}, 'name': '500-fleet.yaml',
              'config': {'global': {'loadsrm': True}}}
    result, _task = run(params, check_mode=True)
    assert result['changed'] and fake.writes == [] and fake.closed
    # the old 500-FLEET.YAML is the same file on FAT: it is what gets replaced, not a sibling
    assert result['files'] == ['100-defaults.yaml', '500-fleet.yaml']
    assert result['effective'] == {'global': {'loadsrm': True}}
    assert 'dovnc' in result['diff']['before']
    result, _task = run(params)
    assert result['changed'] and fake.writes == ['sysrescue.d/500-fleet.yaml']
    assert result['path'] == 'sysrescue.d/500-fleet.yaml'
    assert opened[0] == ({'image': '/srv/usb.img', 'partition': 1}, True)
    result, _task = run(params)
    assert not result['changed'] and len(fake.writes) == 1
    with pytest.raises(RescueFleetError):
        run(dict(params, config={'global': {'late_load_srm': ['a', 'b']}}))
    assert len(fake.writes) == 1 and len(opened) == 3  # validation fails before the medium is opened
    result, _task = run(dict(params, state='absent'))
    assert result['changed'] and fake.writes[-1] == '-sysrescue.d/500-fleet.yaml'
    assert 'sysrescue.d/500-fleet.yaml' not in fake.files and 'sysresccd/10-tools.srm' in fake.files
