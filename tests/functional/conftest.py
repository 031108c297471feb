# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Functional tests: modules run as Ansible runs them, on real FAT images, with real tools."""

from __future__ import annotations

import shutil

import pytest

from functional_support import HAVE_TOOLS, TOOLS


@pytest.fixture
def fat_tools():
    if not (HAVE_TOOLS and shutil.which('fsck.vfat')):
        pytest.skip('%s and fsck.vfat are needed' % ', '.join(TOOLS))
