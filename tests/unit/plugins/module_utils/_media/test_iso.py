# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ISO medium lists a tree once however often the readers ask for it (real xorriso)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._iso import image as isoimage
from ansible_collections.rescuefleet.media.plugins.module_utils._media.iso import IsoImageMedium

pytestmark = pytest.mark.skipif(not shutil.which('xorriso'), reason='needs xorriso')


def test_a_second_prefetch_of_the_same_tree_runs_no_xorriso(tmp_path, monkeypatch):
    tree = tmp_path / 'tree'
    (tree / 'boot' / 'grub').mkdir(parents=True)
    (tree / 'boot' / 'grub' / 'grub.cfg').write_text('set timeout=1\n')
    iso = str(tmp_path / 'x.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', iso, '-V', 'RESCUE1200', '-r', str(tree)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = []
    original = isoimage.list_tree
    monkeypatch.setattr(isoimage, 'list_tree', lambda *args: runs.append(args) or original(*args))
    medium = IsoImageMedium(iso)
    medium.prefetch_listings('', 3)
    medium.prefetch_listings('/', 2)  # less deep: listed already
    assert len(runs) == 1
    assert [e['name'] for e in medium.list_dir('boot/grub')] == ['grub.cfg']
    medium.prefetch_listings('', 5)  # deeper than before: listed again
    assert len(runs) == 2
