# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one driver of the run objects: lock, leftovers, plan, sweep, apply, in that order."""

from __future__ import annotations

import contextlib

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Target, Task


class Recording(Target):
    """A target with leftovers at one place that records what is done to it, in order."""

    def __init__(self):
        self.left = ['dir/.rf-tmp-1']
        self.events = []

    @contextlib.contextmanager
    def locked(self):
        self.events.append('lock')
        try:
            yield
        finally:
            self.events.append('unlock')

    def leftovers(self, place):
        return list(self.left)

    def sweep(self, place):
        self.events.append('sweep')
        swept, self.left = self.left, []
        return swept

    def close(self):
        self.events.append('close')


class Job(Task):
    def __init__(self, refuse=False, check_mode=False):
        super().__init__({}, check_mode=check_mode)
        self.refuse = refuse
        self.target = Recording()

    def open(self):
        return self.target

    def leftover_places(self, target):
        return ['dir']

    def plan(self, target):
        target.events.append('plan')
        if self.refuse:
            raise RescueFleetError('refused')
        return Plan(['write'])

    def apply(self, target, plan):
        target.events.append('apply')
        return {'written': True}


def test_a_real_run_sweeps_after_the_plan_and_before_the_writes():
    job = Job()
    result = job.run()
    assert job.target.events == ['lock', 'plan', 'sweep', 'apply', 'unlock', 'close']
    assert job.swept == ['dir/.rf-tmp-1'] and job.target.left == []
    assert result == {'changed': True, 'written': True}


def test_a_refused_run_leaves_even_the_leftovers():
    """Bad input loses nothing: the plan refuses before the sweep, so the medium stays byte-identical."""
    job = Job(refuse=True)
    with pytest.raises(RescueFleetError, match='refused'):
        job.run()
    assert job.target.events == ['lock', 'plan', 'unlock', 'close']
    assert job.target.left == ['dir/.rf-tmp-1']


def test_check_mode_lists_the_leftovers_a_real_run_sweeps_and_changes_nothing():
    job = Job(check_mode=True)
    assert job.run() == {'changed': True}
    assert job.swept == ['dir/.rf-tmp-1'] and job.target.left == ['dir/.rf-tmp-1']
    assert 'sweep' not in job.target.events and 'apply' not in job.target.events
