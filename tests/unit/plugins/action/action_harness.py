# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An action plugin with a fake connection, for the action plugin tests: module runs are recorded and
answered from a list. (Not a conftest.py: tests/functional imports names from its own conftest.)"""

from __future__ import annotations

from unittest import mock


def action_for(cls, args, transport='ssh', check_mode=False, answers=()):
    """``(action, calls)``: ``calls`` holds ``(module args, check mode)`` of each module run."""
    task = mock.MagicMock(args=args, check_mode=check_mode, async_val=0)
    connection = mock.MagicMock(transport=transport)
    connection._shell.tmpdir = '/remote/tmp'
    connection._shell.join_path = lambda *parts: '/'.join(parts)
    action = cls(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock())
    calls = []
    queue = list(answers)

    def execute(module_name, module_args, task_vars):
        calls.append((dict(module_args), action._task.check_mode))
        action.module_names.append(module_name)
        return queue.pop(0) if queue else {'changed': False}
    action._execute_module = execute
    action.module_names = []
    action._find_needle = lambda kind, src: src
    for name in ('_transfer_file', '_fixup_perms2', '_make_tmp_path', '_remove_tmp_path'):
        setattr(action, name, mock.MagicMock())
    return action, calls
