# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The last lines of every module: run the task object, hand its warnings and secrets to Ansible.

A task object has ``run()`` (returns the result dict or raises one of ``errors``), and optionally
``warnings`` (messages for ``module.warn``) and ``secrets`` (values Ansible must never print).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations


def run_task(module, task, errors):
    try:
        result = task.run()
    except errors as exc:
        module.no_log_values.update(getattr(task, 'secrets', ()))
        module.fail_json(msg=str(exc))
    module.no_log_values.update(getattr(task, 'secrets', ()))
    for warning in getattr(task, 'warnings', ()):
        module.warn(warning)
    module.exit_json(**result)
