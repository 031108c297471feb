# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the srm_deploy action plugin decides on the controller: resolve, plan, send only what is missing."""

from __future__ import annotations

import functools

from unittest import mock

import pytest
from ansible.plugins.action import ActionBase

from ansible_collections.rescuefleet.media.plugins.action.srm_deploy import ActionModule
from ansible_collections.rescuefleet.media.tests.unit.plugins.action.action_harness import action_for


@pytest.fixture(autouse=True)
def no_base_run():
    with mock.patch.object(ActionBase, 'run', return_value={}):
        yield


make_action = functools.partial(action_for, ActionModule)


@pytest.fixture
def srm(tmp_path):
    path = tmp_path / '10-a.srm'
    path.write_bytes(b'hsqs module')
    return str(path)


@pytest.mark.parametrize('value', ['no', 'false', False, 'off', 0])
def test_remote_src_is_read_as_a_boolean(srm, value):
    """The string "no" used to count as true, so nothing was transferred and the module failed."""
    action, calls = make_action({'media': {'image': '/dev/sdz'}, 'srms': [{'src': srm}], 'remote_src': value},
                                answers=[{'changed': True, 'actions': [{'action': 'add', 'name': '10-a.srm'}]}])
    action.run(task_vars={})
    plan_args, plan_check = calls[0]
    assert plan_check is True and 'src' not in plan_args['srms'][0] and plan_args['srms'][0]['sha256']
    final_args, final_check = calls[1]
    assert final_args['remote_src'] is True and final_args['srms'][0]['src'] == '/remote/tmp/10-a.srm'
    action._transfer_file.assert_called_once_with(srm, '/remote/tmp/10-a.srm')


@pytest.mark.parametrize('value', ['yes', True, 'true'])
def test_remote_src_true_passes_through(value):
    args = {'media': {'path': '/m'}, 'srms': [{'src': '/on/the/host.srm'}], 'remote_src': value}
    action, calls = make_action(args)
    action.run(task_vars={})
    assert calls == [(args, False)]


def test_no_op_is_one_round_trip_and_sends_nothing(srm):
    action, calls = make_action({'media': {'path': '/m'}, 'srms': [{'src': srm}]},
                                answers=[{'changed': False, 'actions': [], 'swept': []}])
    result = action.run(task_vars={})
    assert len(calls) == 1 and result['changed'] is False
    action._transfer_file.assert_not_called()


def test_leftovers_alone_still_run_the_module(srm):
    """A plan whose only change is a leftover to sweep must reach the real run."""
    action, calls = make_action({'media': {'path': '/m'}, 'srms': [{'src': srm}]},
                                answers=[{'changed': True, 'actions': [], 'swept': ['sysresccd/~rf00001.tmp']},
                                         {'changed': True, 'swept': ['sysresccd/~rf00001.tmp']}])
    action.run(task_vars={})
    assert len(calls) == 2 and calls[1][1] is False
    action._transfer_file.assert_not_called()


@pytest.mark.parametrize('srms, match', [
    (['/srv/srm/10-tools.srm'], 'each entry must be a mapping'),
    ('10-tools.srm', 'srms must be a list of mappings'),
])
def test_strings_instead_of_mappings_fail_clearly(srms, match):
    action, calls = make_action({'media': {'path': '/m'}, 'srms': srms})
    result = action.run(task_vars={})
    assert result['failed'] and match in result['msg'] and calls == []


def test_local_connection_sends_nothing(srm):
    action, calls = make_action({'media': {'path': '/m'}, 'srms': [{'src': srm}]}, transport='local')
    action.run(task_vars={})
    (args, check), = calls
    assert args['remote_src'] is True and args['srms'][0]['src'] == srm and check is False


def test_a_remote_full_verify_plans_by_names_and_reads_the_medium_once(srm):
    """The planning run needs only the names: it runs with verify: fast. The real run (verify: full) runs
    even when the plan changes nothing, since only it reads every module back."""
    args = {'media': {'path': '/m'}, 'srms': [{'src': srm}], 'verify': 'full'}
    action, calls = make_action(args, answers=[{'changed': False, 'actions': []}, {'changed': False, 'actions': []}])
    result = action.run(task_vars={})
    (plan_args, plan_check), (final_args, final_check) = calls
    assert plan_check and plan_args['verify'] == 'fast'
    assert not final_check and final_args['verify'] == 'full' and result['transferred'] == []
    action._transfer_file.assert_not_called()


def test_check_mode_plans_with_the_verify_asked_for(srm):
    args = {'media': {'path': '/m'}, 'srms': [{'src': srm}], 'verify': 'full'}
    action, calls = make_action(args, check_mode=True, answers=[{'changed': False}])
    action.run(task_vars={})
    assert len(calls) == 1 and calls[0][0]['verify'] == 'full'


def test_modules_the_real_run_finds_changed_are_sent_and_it_runs_again(srm, tmp_path):
    other = tmp_path / '20-b.srm'
    other.write_bytes(b'hsqs other')
    args = {'media': {'path': '/m'}, 'srms': [{'src': srm}, {'src': str(other)}], 'verify': 'full'}
    action, calls = make_action(args, answers=[
        {'changed': True, 'actions': [{'action': 'add', 'name': '10-a.srm'}]},
        {'failed': True, 'msg': 'the medium needs modules ...', 'missing_sources': ['20-b.srm']},
        {'changed': True, 'actions': []}])
    result = action.run(task_vars={})
    assert [check for _args, check in calls] == [True, False, False]
    assert calls[2][0]['srms'][1]['src'] == '/remote/tmp/20-b.srm'
    assert result['transferred'] == ['10-a.srm', '20-b.srm'] and not result.get('failed')
    assert action._transfer_file.call_count == 2


def test_the_real_run_gets_the_medium_the_planning_run_found(srm):
    """One probe per task: the real run on an image gets the planning run's medium facts (and checks them)."""
    medium = {'kind': 'fat-image', 'offset': 1048576, 'fstype': 'vfat', 'uuid': 'ABCD-1234'}
    action, calls = make_action({'media': {'image': '/dev/sdz'}, 'srms': [{'src': srm}]},
                                answers=[{'changed': True, 'actions': [{'action': 'add', 'name': '10-a.srm'}],
                                          'medium': medium}, {'changed': True}])
    action.run(task_vars={})
    assert '_medium' not in calls[0][0] and calls[1][0]['_medium'] == medium
    action, calls = make_action({'media': {'path': '/m'}, 'srms': [{'src': srm}]},
                                answers=[{'changed': True, 'actions': [{'action': 'add', 'name': '10-a.srm'}],
                                          'medium': {'kind': 'directory'}}, {'changed': True}])
    action.run(task_vars={})
    assert '_medium' not in calls[1][0]


def test_the_remote_directory_ansible_made_is_the_one_used_and_removed(srm):
    """Ansible makes a remote temporary directory before a plugin that transfers files runs; the modules go
    there, and it is removed at the end (a second one made beside it used to leave the first behind)."""
    action, calls = make_action({'media': {'path': '/m'}, 'srms': [{'src': srm}]},
                                answers=[{'changed': True, 'actions': [{'action': 'add', 'name': '10-a.srm'}]},
                                         {'changed': True}] * 2)
    assert action._early_needs_tmp_path() is True
    action.run(task_vars={})
    action._make_tmp_path.assert_not_called()
    action._transfer_file.assert_called_once_with(srm, '/remote/tmp/10-a.srm')
    action._remove_tmp_path.assert_called_once_with('/remote/tmp')
    action._connection._shell.tmpdir = None
    action._transfer_file.reset_mock()
    action._make_tmp_path.side_effect = lambda: setattr(action._connection._shell, 'tmpdir', '/remote/new')
    action.run(task_vars={})
    action._make_tmp_path.assert_called_once_with()
    action._transfer_file.assert_called_once_with(srm, '/remote/new/10-a.srm')
