# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._modes import ModeError, parse_mode


@pytest.mark.parametrize('mode, expected', [
    ('0755', 0o755), ('644', 0o644), ('0o600', 0o600), ('4755', 0o4755), (' 0644 ', 0o644),
    (0o600, 0o600), (420, 0o644),  # an unquoted YAML 0644 arrives as 420: that is the mode 0644
    (None, None), ('', None),
])
def test_parse_mode(mode, expected):
    assert parse_mode(mode) == expected


@pytest.mark.parametrize('mode', ['rwx', '0999', '17777', -1, 0o10000, True, '0x1a4'])
def test_parse_mode_rejects(mode):
    with pytest.raises(ModeError, match=r'^files\[0\]: mode: '):
        parse_mode(mode, 'files[0]: mode')
