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


def make_action(args, answers, mkdir_rc=0):
    action, calls = action_for(ActionModule, args, answers=answers)
    shell = action._connection._shell
    shell._generate_temp_dir_name.return_value = 'ansible-tmp-1-2-3'
    shell.mkdtemp.side_effect = lambda basefile, system, mode, tmpdir: 'mkdir %s/%s' % (tmpdir, basefile)
    action._is_become_unprivileged = mock.MagicMock(return_value=False)

    def execute(cmd, sudoable=True):
        action.commands.append(cmd)
        path = cmd.split(' ', 1)[1]
        return {'rc': mkdir_rc, 'stdout': 'ansible-tmp-1-2-3=%s\n' % path if mkdir_rc == 0 else '',
                'stderr': 'mkdir: Permission denied' if mkdir_rc else ''}
    action.commands = []
    action._low_level_execute_command = execute
    return action, calls


def test_only_modules_the_record_lacks_are_sent(tmp_path):
    loaded, new = tmp_path / '10-a.srm', tmp_path / '20-b.srm'
    loaded.write_bytes(b'hsqs a')
    new.write_bytes(b'hsqs b')
    srms = [{'src': str(loaded)}, {'src': str(new)}, {'url': 'https://srv/30-c.srm', 'sha256': SHA}]
    action, calls = make_action({'srms': srms}, answers=[
        {'changed': True, 'actions': [{'action': 'load', 'name': '20-b.srm'}, {'action': 'load', 'name': '30-c.srm'}]},
        {'changed': True}])
    result = action.run(task_vars={})
    (plan_args, plan_check), (final_args, final_check) = calls
    assert action.module_names == ['rescuefleet.media.srm_load'] * 2 and plan_check is True and final_check is False
    assert all('src' not in e for e in plan_args['srms']) and plan_args['srms'][2]['url'] == 'https://srv/30-c.srm'
    assert final_args['remote_src'] is True
    assert [e.get('src') for e in final_args['srms']] == [None, '/tmp/ansible-tmp-1-2-3/20-b.srm', None]
    action._transfer_file.assert_called_once_with(str(new), '/tmp/ansible-tmp-1-2-3/20-b.srm')
    assert result['transferred'] == ['20-b.srm']


def test_sent_modules_wait_in_the_staging_dir_not_in_remote_tmp(tmp_path):
    """docs/systemrescue.md 4a: a module file put into ~/.ansible/tmp sits in the copy-on-write space twice;
    the action plugin sends it into a private directory (0700) in staging_dir, /tmp by default, and removes
    that directory at the end."""
    new = tmp_path / '20-b.srm'
    new.write_bytes(b'hsqs b')
    for args, base in (({}, '/tmp'), ({'staging_dir': '/run/rftest'}, '/run/rftest')):
        action, calls = make_action(dict(args, srms=[{'src': str(new)}]), answers=[
            {'changed': True, 'actions': [{'action': 'load', 'name': '20-b.srm'}]}, {'changed': True}])
        action.run(task_vars={})
        action._make_tmp_path.assert_not_called()
        action._connection._shell.mkdtemp.assert_called_once_with(
            basefile='ansible-tmp-1-2-3', system=False, mode=0o700, tmpdir=base)
        action._transfer_file.assert_called_once_with(str(new), base + '/ansible-tmp-1-2-3/20-b.srm')
        assert calls[1][0]['srms'][0]['src'] == base + '/ansible-tmp-1-2-3/20-b.srm'
        action._remove_tmp_path.assert_called_once_with(base + '/ansible-tmp-1-2-3')


def test_a_staging_dir_that_cannot_be_made_fails_clearly(tmp_path):
    new = tmp_path / '20-b.srm'
    new.write_bytes(b'hsqs b')
    action, calls = make_action({'srms': [{'src': str(new)}], 'staging_dir': '/ro'}, mkdir_rc=1, answers=[
        {'changed': True, 'actions': [{'action': 'load', 'name': '20-b.srm'}]}])
    result = action.run(task_vars={})
    assert result['failed'] and calls == [] and result['transferred'] == []
    assert result['msg'] == ('srm_load: cannot make a directory in staging_dir /ro on the managed host (mkdir: '
                             'Permission denied): give an existing directory that the remote user may write to, '
                             'such as /tmp')
    action._transfer_file.assert_not_called()


def test_nothing_to_load_is_one_round_trip(tmp_path):
    """One module run; the private directory in /tmp is made first (Ansible's own early one in remote_tmp is
    not: ``_early_needs_tmp_path``), so that without pipelining Ansible's module files wait there too."""
    src = tmp_path / '10-a.srm'
    src.write_bytes(b'hsqs a')
    action, calls = make_action({'srms': [{'src': str(src)}]}, answers=[{'changed': False, 'actions': []}])
    assert action._early_needs_tmp_path() is False
    result = action.run(task_vars={})
    assert len(calls) == 1 and result == {'changed': False, 'actions': [], 'transferred': []}
    assert action.commands == ['mkdir /tmp/ansible-tmp-1-2-3']
    action._transfer_file.assert_not_called()
    action._make_tmp_path.assert_not_called()
    action._remove_tmp_path.assert_called_once_with('/tmp/ansible-tmp-1-2-3')


def test_bad_entries_fail_on_the_controller():
    action, calls = make_action({'srms': [{'url': 'https://srv/a.srm'}]}, answers=[])
    result = action.run(task_vars={})
    assert result['failed'] and result['msg'].startswith('srm_load: a.srm: a url needs sha256') and calls == []
