# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""find_bin: a tool found under whichever name the distribution installs it."""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._proc import find_bin


def _fake_path(installed):
    return lambda name: '/usr/bin/' + name if name in installed else None


def test_the_debian_name_is_found():
    assert find_bin(_fake_path({'grub-script-check'}), 'grub-script-check', 'grub2-script-check') \
        == '/usr/bin/grub-script-check'


def test_the_rpm_name_is_found_when_the_debian_one_is_missing():
    assert find_bin(_fake_path({'grub2-script-check'}), 'grub-script-check', 'grub2-script-check') \
        == '/usr/bin/grub2-script-check'


def test_neither_name_gives_none():
    assert find_bin(_fake_path(set()), 'grub-script-check', 'grub2-script-check') is None
