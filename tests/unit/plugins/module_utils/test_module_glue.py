# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""run_task: the one way every module ends, also when something fails."""

from __future__ import annotations

import errno

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks import base
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Target


class Exit(Exception):
    pass


class FakeModule:
    def __init__(self):
        self.no_log_values = set()
        self.warnings = []
        self.result = None

    def warn(self, text):
        self.warnings.append(text)

    def exit_json(self, **result):
        self.result = dict(result, failed=False)
        raise Exit()

    def fail_json(self, msg, **extra):
        self.result = dict(extra, msg=msg, failed=True)
        raise Exit()


class Outcome(Plan):
    def __init__(self, outcome):
        super().__init__()
        self.outcome = outcome

    def public(self):
        return {k: v for k, v in self.outcome.items() if k != 'changed'}

    @property
    def changed(self):
        return self.outcome['changed']


class Task(base.Task):
    def __init__(self, outcome):
        super().__init__({})
        self.outcome = outcome
        self.warnings = ['careful']
        self.secrets = ['hunter2']

    def open(self):
        return Target()

    def plan(self, target):
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return Outcome(self.outcome)

    def apply(self, target, plan):
        return None


@pytest.mark.parametrize('outcome, message', [
    ({'changed': True}, None),
    (RescueFleetError('the label is wrong; relabel it'), 'the label is wrong; relabel it'),
    (OSError(errno.ENOSPC, 'No space left on device', '/m/x.srm'),
     'No space left on device (/m/x.srm): the filesystem is full'),
])
def test_outcomes(outcome, message):
    module = FakeModule()
    with pytest.raises(Exit):
        run_task(module, Task(outcome))
    assert module.no_log_values == {'hunter2'} and module.warnings == ['careful']
    if message is None:
        assert module.result == {'changed': True, 'failed': False}
    else:
        assert module.result['failed'] and module.result['msg'].startswith(message)


def test_the_facts_of_an_error_reach_the_result():
    error = RescueFleetError('10-a.srm changed; give src')
    error.facts = {'missing_sources': ['10-a.srm']}
    module = FakeModule()
    with pytest.raises(Exit):
        run_task(module, Task(error))
    assert module.result['failed'] and module.result['missing_sources'] == ['10-a.srm']


def test_other_exceptions_are_bugs_and_propagate():
    with pytest.raises(KeyError):
        run_task(FakeModule(), Task(KeyError('x')))


def test_only_a_task_object_is_run():
    with pytest.raises(TypeError, match='takes a _tasks.base.Task'):
        run_task(FakeModule(), object())


def test_missing_library_is_reported_before_running():
    task = Task({'changed': True})
    task.missing_library = ('PyYAML', ImportError('No module named yaml'))
    module = FakeModule()
    with pytest.raises(Exit):
        run_task(module, task)
    assert module.result['failed'] and 'PyYAML' in module.result['msg'] and 'No module named yaml' in \
        module.result['exception']
