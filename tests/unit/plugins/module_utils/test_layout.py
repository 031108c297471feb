# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The architecture the layout promises: no import cycles, imports at the top, readers never import writers."""

from __future__ import annotations

import ast
import functools
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'module_utils')


@functools.lru_cache(maxsize=None)
def modules():
    out = {}
    for dirpath, _dirnames, filenames in os.walk(ROOT):
        for name in filenames:
            if name.endswith('.py'):
                path = os.path.join(dirpath, name)
                out[os.path.relpath(path, ROOT)[:-3].replace(os.sep, '.')] = path
    return out


def imports(path):
    """``(module_utils modules imported at the top level, imports made inside functions)``."""
    tree = ast.parse(open(path).read())
    top, nested = set(), []
    known = modules()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module or 'module_utils' not in node.module:
            continue
        base = node.module.split('module_utils', 1)[1].lstrip('.')
        for alias in node.names:
            candidate = '%s.%s' % (base, alias.name) if base else alias.name
            top.add(candidate if candidate in known else base)
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested += [n for n in ast.walk(func) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return top, nested


GRAPH = {name: imports(path)[0] for name, path in modules().items()}


def test_no_import_cycles():
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = 'open'
        stack.append(node)
        for dep in sorted(GRAPH.get(node, ())):
            if state.get(dep) == 'open':
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[node] = 'done'
    for node in sorted(GRAPH):
        if node not in state:
            visit(node, [])
    assert cycles == []


@pytest.mark.parametrize('name, path', sorted(modules().items()))
def test_imports_sit_at_the_top(name, path):
    """A lazy import inside a function is how a cycle hides; the layout must not need one."""
    assert imports(path)[1] == [], name


def reachable(start):
    seen, todo = set(), [start]
    while todo:
        for dep in GRAPH.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def test_read_only_facts_do_not_import_writers():
    """media_info learns the SRM index format from _srm.index, not from the deploy code that writes it."""
    assert '_srm.deploy' not in reachable('_info.media_info')
