# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One module run, profiled by phase: where its time goes.

    python bench/phases.py MODULE ARGS_FILE LABEL=module:qualname [LABEL=module:qualname ...]

Runs the module file ``plugins/modules/MODULE.py`` as Ansible would (``ARGS_FILE`` holds
``{"ANSIBLE_MODULE_ARGS": ...}``) after wrapping each named function or method with a timer, and prints
one JSON line: for each label (in the order of its first call) the wall and CPU seconds spent inside it
(CPU of the whole process and of the tools it waited for, so a thread working meanwhile counts too),
how often it was called, and the time from the start of this script to the module's exit. A phase
holds the phases called inside it. The module's own output goes to standard error.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import json
import os
import runpy
import sys
import time

START = time.perf_counter()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cpu():
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _wrap(owner, attr, label, figures, order):
    original = getattr(owner, attr)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        if label not in figures:
            figures[label] = {'wall': 0.0, 'cpu': 0.0, 'calls': 0}
            order.append(label)
        entry = figures[label]
        entry['calls'] += 1
        depth = entry.setdefault('_depth', 0)
        entry['_depth'] = depth + 1
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return original(*args, **kwargs)
        finally:
            entry['_depth'] = depth
            if not depth:  # a recursive call is inside the outer one
                entry['wall'] += time.perf_counter() - wall
                entry['cpu'] += _cpu() - cpu
    setattr(owner, attr, timed)
    return original, timed


def _rebind(wrapped):
    """Modules imported before a function was wrapped hold it under their own name: give them the wrapper."""
    for loaded in list(sys.modules.values()):
        for name, value in list(getattr(loaded, '__dict__', {}).items()):
            for original, timed in wrapped:
                if value is original:
                    setattr(loaded, name, timed)


def main():
    module, args_file = sys.argv[1:3]
    figures, order, wrapped = {}, [], []
    for spec in sys.argv[3:]:
        label, _sep, target = spec.partition('=')
        module_name, _colon, qualname = target.partition(':')
        owner = importlib.import_module(module_name)
        parts = qualname.split('.')
        for part in parts[:-1]:
            owner = getattr(owner, part)
        wrapped.append(_wrap(owner, parts[-1], label, figures, order))
    _rebind(wrapped)
    sys.argv = [os.path.join(ROOT, 'plugins', 'modules', module + '.py'), args_file]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(sys.argv[0], run_name='__main__')
        except SystemExit:
            pass
    sys.stderr.write(out.getvalue())
    result = {'total_wall': time.perf_counter() - START, 'total_cpu': _cpu(),
              'phases': [dict(label=label, **{k: v for k, v in figures[label].items() if not k.startswith('_')})
                         for label in order]}
    sys.stdout.write(json.dumps(result) + '\n')


if __name__ == '__main__':
    main()
