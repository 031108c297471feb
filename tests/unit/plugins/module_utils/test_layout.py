# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The architecture the layout promises, checked on the import statements of plugins/module_utils.

Subpackages (and the top-level modules, each its own unit) sit in layers, lowest first; an import may
only go down, or sideways within a layer as long as no cycle forms. No file imports inside a function
(where a cycle would hide), and the run objects of the modules live in _tasks/ and nowhere else.
"""

from __future__ import annotations

import ast
import functools
import os

import pytest

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'module_utils')
PACKAGE = 'ansible_collections.rescuefleet.media.plugins.module_utils'

# Lowest first. A unit is a subpackage (_media) or a top-level module (_errors).
LAYERS = (
    ('primitives', ('_errors', '_files', '_atomic', '_hashing', '_proc', '_modes', '_kernel_args', '_plan')),
    ('ISO9660', ('_iso',)),
    ('media', ('_media',)),
    ('SystemRescue', ('_sysrescue',)),
    ('formats', ('_bootcfg', '_srm')),
    ('features', ('_pacman', '_pxe', '_linuxrc', '_usb', '_dracut', '_info', '_remaster')),
    ('tasks', ('_tasks',)),
    ('glue', ('_module_glue',)),
)
LAYER_OF = {unit: index for index, (_name, units) in enumerate(LAYERS) for unit in units}


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
        if not isinstance(node, ast.ImportFrom) or not node.module or not node.module.startswith(PACKAGE):
            continue
        base = node.module[len(PACKAGE):].lstrip('.')
        for alias in node.names:
            candidate = '%s.%s' % (base, alias.name) if base else alias.name
            top.add(candidate if candidate in known else base)
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            nested += [n for n in ast.walk(func) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return top, nested


GRAPH = {name: imports(path)[0] for name, path in modules().items()}


def unit(module):
    return module.split('.', 1)[0]


def unit_graph(graph):
    """``{unit: {unit it imports: [(importing module, imported module)]}}`` without a unit's own imports."""
    out = {}
    for module, deps in graph.items():
        for dep in deps:
            if unit(dep) != unit(module):
                out.setdefault(unit(module), {}).setdefault(unit(dep), []).append((module, dep))
    return out


def find_cycles(graph):
    """Every cycle of ``graph`` (``{node: iterable of nodes}``) found by a depth-first walk."""
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = 'open'
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 'open':
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[node] = 'done'
    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return cycles


def upward_imports(units):
    """``[(importing module, imported module)]`` that import from a higher layer."""
    return sorted(pair for source, targets in units.items() for target, pairs in targets.items()
                  if LAYER_OF[target] > LAYER_OF[source] for pair in pairs)


def test_every_unit_has_a_layer():
    assert sorted(set(unit(m) for m in modules()) - set(LAYER_OF)) == []


def test_no_import_goes_up():
    assert upward_imports(unit_graph(GRAPH)) == []


def test_no_cycle_between_subpackages():
    """Also sideways imports within a layer: two subpackages never need each other."""
    assert find_cycles(unit_graph(GRAPH)) == []


def test_no_cycle_between_files():
    assert find_cycles(GRAPH) == []


def test_the_checks_fail_on_what_they_forbid():
    """The checks above are not vacuous: an import that goes up, and a cycle across subpackages, are found."""
    up = dict(GRAPH)
    up['_media.base'] = set(up['_media.base']) | {'_srm.index'}
    assert upward_imports(unit_graph(up)) == [('_media.base', '_srm.index')]
    sideways = dict(GRAPH)
    sideways['_bootcfg.entry'] = set(sideways['_bootcfg.entry']) | {'_srm.index'}
    sideways['_srm.index'] = set(sideways['_srm.index']) | {'_bootcfg.readers'}
    assert upward_imports(unit_graph(sideways)) == []
    assert ['_bootcfg', '_srm', '_bootcfg'] in find_cycles(unit_graph(sideways))


@pytest.mark.parametrize('name, path', sorted(modules().items()))
def test_imports_sit_at_the_top(name, path):
    """A lazy import inside a function is how a cycle hides; the layout must not need one."""
    assert imports(path)[1] == [], name


def test_run_objects_live_in_tasks_only():
    """Every class that subclasses the Task base is in _tasks/, one file per module, and only there."""
    found = {}
    for name, path in modules().items():
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.ClassDef) and any(getattr(b, 'id', None) == 'Task' for b in node.bases):
                found.setdefault(name, []).append(node.name)
    module_files = sorted(f[:-3] for f in os.listdir(os.path.join(ROOT, '..', 'modules')) if f.endswith('.py'))
    assert sorted(found) == ['_tasks.' + m for m in module_files]
    assert all(len(classes) == 1 for classes in found.values()), found


def test_no_task_overrides_the_driver():
    """Task.run() drives open, plan and apply for every module: no run object has its own run()."""
    for name, path in modules().items():
        if not name.startswith('_tasks.') or name == '_tasks.base':
            continue
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.ClassDef):
                assert 'run' not in [f.name for f in node.body if isinstance(f, ast.FunctionDef)], (name, node.name)


def reachable(start):
    seen, todo = set(), [start]
    while todo:
        for dep in GRAPH.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


@pytest.mark.parametrize('facts', ['_info.media_info', '_tasks.media_info'])
def test_read_only_facts_do_not_import_writers(facts):
    """media_info learns the SRM index format from _srm.index, not from the deploy code that writes it."""
    assert '_srm.deploy' not in reachable(facts)
