# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one driver of the run objects: lock, leftovers, plan, sweep, apply, in that order."""

from __future__ import annotations

import contextlib
import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Inside, OutputFiles, Target, Task


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

    def sweep(self, place, found):
        self.events.append('sweep')
        self.left = [path for path in self.left if path not in found]
        return found

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
        target.left.append('dir/.rf-tmp-made-by-the-plan')  # a download or staging root of this run
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
    # what the plan made under a temporary name is this run's, not a leftover
    assert job.swept == ['dir/.rf-tmp-1'] and job.target.left == ['dir/.rf-tmp-made-by-the-plan']
    assert result == {'changed': True, 'written': True}


def test_a_refused_run_leaves_even_the_leftovers():
    """Bad input loses nothing: the plan refuses before the sweep, so the medium stays byte-identical."""
    job = Job(refuse=True)
    with pytest.raises(RescueFleetError, match='refused'):
        job.run()
    assert job.target.events == ['lock', 'plan', 'unlock', 'close']
    assert job.target.left[0] == 'dir/.rf-tmp-1'


def test_check_mode_lists_the_leftovers_a_real_run_sweeps_and_changes_nothing():
    job = Job(check_mode=True)
    assert job.run() == {'changed': True}
    assert job.swept == ['dir/.rf-tmp-1'] and job.target.left[0] == 'dir/.rf-tmp-1'
    assert 'sweep' not in job.target.events and 'apply' not in job.target.events


def test_output_files_sweep_beside_a_file_and_inside_a_directory(tmp_path):
    out = tmp_path / 'x.srm'
    (tmp_path / '.x.srm.rf-tmp-abc').write_text('half a module')
    (tmp_path / '.x.srm.manifest.json.rf-tmp-def').write_text('half a manifest')
    cache = tmp_path / 'cache'
    cache.mkdir()
    (cache / '.core.db.rf-tmp-123').write_text('half a download')
    (cache / 'core.db').write_text('a finished download')
    target = OutputFiles(str(tmp_path))
    places = [str(out), str(out) + '.manifest.json', Inside(str(cache))]
    found = [target.leftovers(place) for place in places]
    assert found == [[str(tmp_path / '.x.srm.rf-tmp-abc')], [str(tmp_path / '.x.srm.manifest.json.rf-tmp-def')],
                     [str(cache / '.core.db.rf-tmp-123')]]
    (tmp_path / '.x.srm.rf-tmp-new').write_text('made after the listing')
    for place, paths in zip(places, found):
        target.sweep(place, paths)
    assert sorted(os.listdir(str(tmp_path))) == ['.x.srm.rf-tmp-new', 'cache']
    assert os.listdir(str(cache)) == ['core.db']
