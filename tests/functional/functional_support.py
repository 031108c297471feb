# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run module files the way Ansible runs them (a JSON arguments file), for the functional tests.

Imported by the tests as ``functional_support`` (pytest puts this directory on sys.path); the
fixtures live in ``conftest.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.venv', 'collections')
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from ansible_collections.rescuefleet.media.tests.unit.fat_images import (  # noqa: E402
    HAVE_TOOLS, TOOLS, fsck_partition, make_fat_image)

__all__ = ['HAVE_TOOLS', 'TOOLS', 'fsck_partition', 'make_fat_image', 'module_command', 'module_env', 'run_module',
           'run_within']


def module_command(name, args, workdir):
    """argv that runs a module file directly, the way AnsibleModule reads its arguments."""
    args_file = os.path.join(workdir, '%s-args.json' % name)
    with open(args_file, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    return [sys.executable, os.path.join(ROOT, 'plugins', 'modules', name + '.py'), args_file]


def module_env():
    return dict(os.environ, PYTHONPATH=COLLECTIONS + os.pathsep + os.environ.get('PYTHONPATH', ''))


def run_within(name, args, workdir, timeout):
    """The module's JSON result, failing the test when the run takes longer than ``timeout`` seconds (a hang) or
    prints a traceback."""
    proc = subprocess.run(module_command(name, args, str(workdir)), env=module_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, check=False)
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert 'Traceback' not in proc.stderr.decode() and 'Traceback' not in result.get('msg', '')
    return result


def run_module(name, args, workdir):
    proc = subprocess.run(module_command(name, args, workdir), env=module_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])
