# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import io
import tarfile

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._pacman import database
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.errors import PacmanError

DESC = '%NAME%\nrf-app\n\n%VERSION%\n1:1.0-2\n\n%FILENAME%\nrf-app-1.0-2-any.pkg.tar.zst\n\n%SHA256SUM%\n' + \
    'ab' * 32 + '\n\n%DEPENDS%\nrf-lib>=2\nsh\n\n%PROVIDES%\nrf-tool=1.0\n\n'


# expected values printed by pacman's own vercmp 6.0.2
@pytest.mark.parametrize('older, newer, expected', [
    ('1.0', '1.0', 0), ('1.0', '1.1', -1), ('1.0-1', '1.0-2', -1), ('1:0.9', '1.0', 1), ('1.0a', '1.0', -1),
    ('1.0', '1.0.1', -1), ('1.0.a', '1.0', 1), ('2.0rc1', '2.0', -1), ('1.0-1', '1.0', 0), ('10', '9', 1),
    ('1.01', '1.1', 0), ('1_0', '1.0', 0), ('a', '1', -1),
])
def test_vercmp_matches_pacman(older, newer, expected):
    assert database.vercmp(older, newer) == expected
    swapped = (newer, older)
    assert database.vercmp(*swapped) == -expected


def test_desc_parsing_and_package_record():
    pkg = database.package_from_desc(database.parse_desc(DESC), repo='extra')
    assert pkg['name'] == 'rf-app' and pkg['version'] == '1:1.0-2' and pkg['repo'] == 'extra'
    assert pkg['depends'] == ['rf-lib>=2', 'sh'] and pkg['sha256'] == 'ab' * 32
    assert database.package_from_desc({'NAME': ['x']}) is None


@pytest.mark.parametrize('dep, ok', [('rf-app', True), ('rf-app>=1:1.0', True), ('rf-app<1:1.0', False),
                                     ('rf-tool', True), ('rf-tool=1.0', True), ('rf-tool>1.0', False),
                                     ('rf-app: optional reason', True), ('other', False)])
def test_satisfies_by_name_and_provision(dep, ok):
    pkg = database.package_from_desc(database.parse_desc(DESC))
    assert database.satisfies(pkg, dep) is ok


def _db(path, members):
    with tarfile.open(path, 'w:gz') as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_sync_db_read_and_refused(tmp_path):
    good = str(tmp_path / 'extra.db')
    _db(good, {'rf-app-1:1.0-2/desc': DESC})
    assert [p['name'] for p in database.read_sync_db(good, 'extra')] == ['rf-app']
    bad = str(tmp_path / 'bad.db')
    with open(bad, 'w') as handle:
        handle.write('<html>404</html>')
    with pytest.raises(PacmanError, match='is not a pacman database'):
        database.read_sync_db(bad, 'bad')
    empty = str(tmp_path / 'empty.db')
    _db(empty, {'README': 'x'})
    with pytest.raises(PacmanError, match='is not a pacman database'):
        database.read_sync_db(empty, 'empty')
