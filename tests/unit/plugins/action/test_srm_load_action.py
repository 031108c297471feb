# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the srm_load action plugin sends: only modules the host's record lacks, never URL modules."""

from __future__ import annotations

from unittest import mock

import pytest
from ansible.plugins.action import ActionBase

from ansible_collections.rescuefleet.media.plugins.action.srm_load import ActionModule
from ansible_collections.rescuefleet.media.tests.unit.plugins.action.action_harness import action_for

SHA = 'c' * 64


@pytest.fixture(autouse=True)
def no_base_run():
    with mock.patch.object(ActionBase, 'run', return_value={}):
        yield


def make_action(args, answers):
    return action_for(ActionModule, args, answers=answers)


def test_only_modules_the_record_lacks_are_sent(tmp_path):
    loaded, new = tmp_path / '10-a.srm', tmp_path / '20-b.srm'
    loaded.write_bytes(b'a')
    new.write_bytes(b'b')
    srms = [{'src': str(loaded)}, {'src': str(new)}, {'url': 'https://srv/30-c.srm', 'sha256': SHA}]
    action, calls = make_action({'srms': srms}, answers=[
        {'changed': True, 'actions': [{'action': 'load', 'name': '20-b.srm'}, {'action': 'load', 'name': '30-c.srm'}]},
        {'changed': True}])
    result = action.run(task_vars={})
    (plan_args, plan_check), (final_args, final_check) = calls
    assert action.module_names == ['rescuefleet.media.srm_load'] * 2 and plan_check is True and final_check is False
    assert all('src' not in e for e in plan_args['srms']) and plan_args['srms'][2]['url'] == 'https://srv/30-c.srm'
    assert final_args['remote_src'] is True
    assert [e.get('src') for e in final_args['srms']] == [None, '/remote/tmp/20-b.srm', None]
    action._transfer_file.assert_called_once_with(str(new), '/remote/tmp/20-b.srm')
    assert result['transferred'] == ['20-b.srm']


def test_nothing_to_load_is_one_round_trip(tmp_path):
    src = tmp_path / '10-a.srm'
    src.write_bytes(b'a')
    action, calls = make_action({'srms': [{'src': str(src)}]}, answers=[{'changed': False, 'actions': []}])
    result = action.run(task_vars={})
    assert len(calls) == 1 and result == {'changed': False, 'actions': [], 'transferred': []}
    action._transfer_file.assert_not_called()


def test_bad_entries_fail_on_the_controller():
    action, calls = make_action({'srms': [{'url': 'https://srv/a.srm'}]}, answers=[])
    result = action.run(task_vars={})
    assert result['failed'] and result['msg'].startswith('srm_load: a.srm: a url needs sha256') and calls == []
