# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Passwords in a task's arguments never reach any output, also when Ansible refuses the arguments."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from ansible.plugins.action import ActionBase

from ansible_collections.rescuefleet.media.plugins.action.sysrescue_config import ActionModule
from ansible_collections.rescuefleet.media.plugins.plugin_utils._mask_secrets import secrets_in

ARGS = {
    'path': '/srv/pxe/hosts', 'name': 'a.yaml', 'purpose': 'nope',  # a bad choice: Ansible refuses the arguments
    'config': {'global': {'rootpass': 'cfg-secret', 'vncpass': 123456}},
    'cmdline': 'loadsrm rootpass="two words" rootcryptpass=$6$salt$hash',
    'sysrescuecfg': [{'content': 'global:\n  vncpass: yaml-secret\n'}],
    'args': {'rootpass': 'arg-secret'},
}
SECRETS = ['cfg-secret', '123456', 'two words', '"two', '$6$salt$hash', 'yaml-secret', 'arg-secret']


def test_secrets_in_finds_every_password():
    assert secrets_in(ARGS) >= set(SECRETS)
    assert secrets_in({'config': {'global': {'rootpass': ''}}, 'cmdline': 'loadsrm'}) == set()


@pytest.fixture(autouse=True)
def no_base_run():
    with mock.patch.object(ActionBase, 'run', return_value={}):
        yield


def test_a_refused_invocation_is_masked():
    task = mock.MagicMock(args=ARGS, async_val=0)
    action = ActionModule(task, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), mock.MagicMock(),
                          mock.MagicMock())
    action._execute_module = lambda task_vars: {
        'failed': True, 'msg': 'value of purpose must be one of: medium, http_pxe, got: nope',
        'invocation': {'module_args': ARGS}}
    text = json.dumps(action.run(task_vars={}))
    assert 'value of purpose' in text
    for secret in SECRETS:
        assert secret not in text, secret
