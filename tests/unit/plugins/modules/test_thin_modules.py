# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every module file is documentation, an argument spec and one call into a task object.

The module files decide nothing themselves: what they must get right is that main() builds the
AnsibleModule and hands it, with one task object, to run_task (which turns every error of the
collection and every OSError into a message). Logic creeping into a module file fails here.
"""

from __future__ import annotations

import ast
import glob
import os

import pytest

MODULES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'modules')
FILES = sorted(glob.glob(os.path.join(MODULES, '*.py')))


@pytest.mark.parametrize('path', FILES, ids=[os.path.basename(p)[:-3] for p in FILES])
def test_module_is_docs_spec_and_one_call(path):
    with open(path) as handle:
        tree = ast.parse(handle.read())
    names = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
             if isinstance(t, ast.Name)}
    assert {'DOCUMENTATION', 'EXAMPLES', 'RETURN'} <= names
    functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    assert [f.name for f in functions] == ['main'], 'only main() belongs in a module file'
    body = functions[0].body
    assert len(body) == 2, 'main() builds the AnsibleModule, then makes one run_task call'
    build, call = body
    assert isinstance(build, ast.Assign) and isinstance(build.value, ast.Call) \
        and getattr(build.value.func, 'id', None) == 'AnsibleModule'
    assert isinstance(call, ast.Expr) and isinstance(call.value, ast.Call) \
        and getattr(call.value.func, 'id', None) == 'run_task'
    task = call.value.args[1]
    assert isinstance(task, ast.Call), 'run_task gets a task object made from module.params'
