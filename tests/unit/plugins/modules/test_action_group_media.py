# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action group `media` holds exactly the modules that take the `media` option, and says so in their docs."""

from __future__ import annotations

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULES = os.path.join(ROOT, 'plugins', 'modules')


def _modules_with_media():
    names = set()
    for name in os.listdir(MODULES):
        if name.endswith('.py') and not name.startswith('_'):
            with open(os.path.join(MODULES, name), encoding='utf-8') as handle:
                source = handle.read()
            if re.search(r'^\s*media=media_argument_spec\(', source, re.M):
                names.add(name[:-3])
    return names


def test_the_group_is_exactly_the_modules_with_the_media_option():
    with open(os.path.join(ROOT, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        runtime = yaml.safe_load(handle)
    assert set(runtime['action_groups']['media']) == _modules_with_media()
    assert 'srm_deploy' in runtime['action_groups']['media']


def test_every_member_documents_the_group():
    # the media doc fragment carries attributes.action_group; a member must use it
    for name in _modules_with_media():
        with open(os.path.join(MODULES, name + '.py'), encoding='utf-8') as handle:
            assert '- rescuefleet.media.media\n' in handle.read(), name
