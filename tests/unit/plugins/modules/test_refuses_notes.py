# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every module documents what it refuses and why: its "Refuses" list, in the notes of its DOCUMENTATION (issue 27)."""

from __future__ import annotations

import ast
import os
import re

import pytest
import yaml

MODULES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'modules')
NAMES = sorted(name[:-3] for name in os.listdir(MODULES) if name.endswith('.py'))


def documentation(name):
    with open(os.path.join(MODULES, name + '.py')) as handle:
        tree = ast.parse(handle.read())
    text = [node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and getattr(node.targets[0], 'id', None) == 'DOCUMENTATION'][0]
    return yaml.safe_load(text)


def options(spec, prefix=''):
    out = set()
    for key, value in (spec or {}).items():
        out.add(prefix + key)
        out |= options(value.get('suboptions'), prefix + key + '.')
        out |= options(value.get('suboptions'), prefix + key + '[].')
    return out


@pytest.mark.parametrize('name', NAMES)
def test_the_refuses_list_names_real_options(name):
    doc = documentation(name)
    refuses = [note for note in doc.get('notes') or [] if note.startswith('Refuses')]
    assert refuses, '%s documents no "Refuses" list in its notes' % name
    known = options(doc.get('options')) | {'media', 'media.path', 'media.image', 'media.partition', 'media.label'}
    for note in refuses:
        for option in re.findall(r'O\(([^)=]+)(?:=[^)]*)?\)', note):
            assert option in known, '%s: its notes name O(%s), which it does not have' % (name, option)
