# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

from ansible_collections.rescuefleet.media.plugins.module_utils._srm import manifest

FILE = {'type': 'file', 'mode': 0o644, 'uid': 0, 'gid': 0, 'size': 3, 'sha256': 'ab' * 32}
DIR = {'type': 'dir', 'mode': 0o755, 'uid': 0, 'gid': 0}


def entries():
    return {
        '/': dict(DIR, source=None),
        '/etc': dict(DIR, source=None),
        '/etc/motd': dict(FILE, source='/src/motd', stat=[3, 1, 2, 3, 4], source_mode=0o644),
    }


def test_image_records_drop_host_details():
    records = manifest.image_records(entries())
    assert records['/etc/motd'] == FILE
    assert 'source' not in records['/etc']


def test_fingerprint_ignores_source_location_and_stat():
    one = entries()
    two = entries()
    two['/etc/motd']['source'] = '/elsewhere/motd'
    two['/etc/motd']['stat'] = [3, 9, 9, 9, 9]
    assert manifest.fingerprint({}, manifest.image_records(one)) == manifest.fingerprint({}, manifest.image_records(two))


def test_fingerprint_sees_content_mode_and_options():
    base = manifest.fingerprint({'compression': 'zstd'}, manifest.image_records(entries()))
    changed = entries()
    changed['/etc/motd']['mode'] = 0o600
    assert manifest.fingerprint({'compression': 'zstd'}, manifest.image_records(changed)) != base
    assert manifest.fingerprint({'compression': 'xz'}, manifest.image_records(entries())) != base


def test_diff_records():
    old = {'/a': FILE, '/b': FILE, '/c': FILE}
    new = {'/a': FILE, '/b': dict(FILE, sha256='cd' * 32), '/d': FILE}
    assert manifest.diff_records(old, new) == {'added': ['/d'], 'removed': ['/c'], 'changed': ['/b']}
    assert manifest.diff_records(None, {'/a': FILE})['added'] == ['/a']


def test_ansible_diff_lists_only_differences():
    old = {'/a': FILE, '/gone': DIR}
    new = {'/a': dict(FILE, mode=0o755), '/new': {'type': 'link', 'target': '/a', 'mode': 0o777, 'uid': 0, 'gid': 0}}
    diff = manifest.ansible_diff(old, new, manifest.diff_records(old, new), 'b', 'a')
    assert diff['before'].splitlines() == ['/a file 0644 0:0 3 bytes sha256:abababababababab', '/gone/ dir 0755 0:0']
    assert diff['after'].splitlines() == ['/a file 0755 0:0 3 bytes sha256:abababababababab', '/new -> /a']


def test_dump_and_load_round_trip(tmp_path):
    path = str(tmp_path / 'x.srm.manifest.json')
    records = manifest.image_records(entries())
    text = manifest.dumps({'compression': 'zstd'}, records, {'sha256': 'f' * 64, 'size': 4096}, {})
    with open(path, 'w') as handle:
        handle.write(text)
    loaded = manifest.load(path)
    assert loaded['records'] == json.loads(json.dumps(records))
    assert loaded['fingerprint'] == manifest.fingerprint({'compression': 'zstd'}, records)


def test_load_refuses_garbage(tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text('{not json')
    assert manifest.load(str(bad)) is None
    other = tmp_path / 'other.json'
    other.write_text('{"format": 99}')
    assert manifest.load(str(other)) is None
    assert manifest.load(str(tmp_path / 'missing.json')) is None
