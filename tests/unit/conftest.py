# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Make the collection importable as ansible_collections.rescuefleet.media when pytest runs it directly."""

from __future__ import annotations

import os
import sys
import tempfile

import pytest

try:
    from hypothesis import settings
except ImportError:  # pragma: no cover - hypothesis comes with the test requirements
    settings = None
else:
    # Property tests judge results, not speed: hypothesis's per-example deadline measures wall time,
    # which a loaded 2-core CI machine stretches past 200 ms now and then.
    settings.register_profile('rescuefleet', deadline=None)
    settings.load_profile('rescuefleet')

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_root():
    """A directory holding ``ansible_collections/rescuefleet/media`` -> this tree; never written into the work tree."""
    parts = ROOT.split(os.sep)
    if parts[-3:-2] == ['ansible_collections']:  # already laid out (ansible-test, an installed copy)
        return os.sep.join(parts[:-3])
    made_by_bootstrap = os.path.join(ROOT, '.venv', 'collections')
    if os.path.realpath(os.path.join(made_by_bootstrap, 'ansible_collections', 'rescuefleet', 'media')) == ROOT:
        return made_by_bootstrap
    base = tempfile.mkdtemp(prefix='rescuefleet-collections-')
    os.makedirs(os.path.join(base, 'ansible_collections', 'rescuefleet'))
    os.symlink(ROOT, os.path.join(base, 'ansible_collections', 'rescuefleet', 'media'))
    return base


COLLECTIONS = _collections_root()
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

FIXTURES = os.environ.get(
    "RESCUEFLEET_FIXTURES",
    os.path.join(os.path.dirname(ROOT), "shared", "fixtures", "systemrescue-12.00-media"))


@pytest.fixture
def fat_image(tmp_path):
    """A factory of real FAT disk images: ``fat_image(name='stick.img', **options)`` (see
    :func:`fat_images.make_fat_image`); skips the test when the tools are missing."""
    from ansible_collections.rescuefleet.media.tests.unit.fat_images import HAVE_TOOLS, TOOLS, make_fat_image
    if not HAVE_TOOLS:
        pytest.skip('%s are needed' % ', '.join(TOOLS))

    def make(name='stick.img', **options):
        return make_fat_image(str(tmp_path / name), **options)
    return make


@pytest.fixture
def sysrescue_media():
    """The boot configs of a real SystemRescue 12.00 medium from ../shared/, or a clean skip."""
    if not os.path.isdir(FIXTURES):
        pytest.skip('SystemRescue fixtures not present at %s' % FIXTURES)
    return FIXTURES
