# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The last lines of every module: run the task, hand its result, warnings and secrets to Ansible.

The task is a :class:`~._tasks.base.Task`; its ``run()`` drives open, plan and apply (lock, sweep,
check mode, diff). Here: a Python library the task needs and cannot import is reported first; every
error the collection raises derives from :class:`RescueFleetError`, and an ``OSError`` that escapes
(ENOSPC, EACCES, EIO during a write) becomes a message with advice too, so no traceback ever reaches a
user; the task's secrets are masked and its warnings shown, also when it fails.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError, describe_os_error
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


def run_task(module, task):
    if not isinstance(task, Task):
        raise TypeError('run_task takes a _tasks.base.Task, not %s' % type(task).__name__)
    if task.missing_library:
        name, error = task.missing_library
        module.fail_json(msg=missing_required_lib(name),
                         exception=''.join(traceback.format_exception_only(type(error), error)))
    try:
        result = task.run()
    except RescueFleetError as exc:
        _fail(module, task, str(exc), exc.facts)
    except OSError as exc:
        _fail(module, task, describe_os_error(exc))
    _hand_over(module, task)
    module.exit_json(**result)


def _hand_over(module, task):
    module.no_log_values.update(task.secrets)
    for warning in task.warnings:
        module.warn(warning)


def _fail(module, task, msg, facts=None):
    _hand_over(module, task)
    module.fail_json(msg=msg, **(facts or {}))
