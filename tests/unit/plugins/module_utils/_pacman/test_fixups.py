# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.fixups import fix_desc, fix_local_db

DESC = ('%NAME%\nrf-liba\n\n%VERSION%\n2.1-1\n\n%URL%\n\n\n%BUILDDATE%\n1700000000\n\n%INSTALLDATE%\n1795968122\n\n'
        '%SIZE%\n7\n\n%LICENSE%\nGPL\n\n')


def test_install_date_becomes_build_date_rest_byte_for_byte():
    fixed = fix_desc(DESC, explicit=True)
    assert fixed == DESC.replace('1795968122', '1700000000')


def test_dependencies_get_reason_after_size_once():
    fixed = fix_desc(DESC, explicit=False)
    assert '%SIZE%\n7\n\n%REASON%\n1\n\n%LICENSE%' in fixed
    assert fix_desc(fixed, explicit=False) == fixed
    assert fix_desc(fixed, explicit=True) == DESC.replace('1795968122', '1700000000')


def test_local_db_entries_rewritten(tmp_path):
    entry = tmp_path / 'rf-liba-2.1-1'
    entry.mkdir()
    (entry / 'desc').write_text(DESC)
    fix_local_db(str(tmp_path), ['rf-liba-2.1-1'], {'rf-app'})
    assert '%REASON%\n1\n' in (entry / 'desc').read_text()
