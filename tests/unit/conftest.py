# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make the collection importable as ansible_collections.rescuefleet.media when pytest runs it directly."""

from __future__ import annotations

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root():
    parts = ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections']:  # already laid out (ansible-test, an installed copy)
        return os.sep.join(parts[:-3])
    base = os.path.join(ROOT, '.venv', 'collections')
    link = os.path.join(base, 'ansible_collections', 'rescuefleet', 'media')
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    return base


if _collections_root() not in sys.path:
    sys.path.insert(0, _collections_root())

FIXTURES = os.environ.get(
    "RESCUEFLEET_FIXTURES",
    os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "systemrescue-12.00-media"))


@pytest.fixture
def sysrescue_media():
    """The boot configs of a real SystemRescue 12.00 medium from ../shared/, or a clean skip."""
    if not os.path.isdir(FIXTURES):
        pytest.skip('SystemRescue fixtures not present at %s' % FIXTURES)
    return FIXTURES
