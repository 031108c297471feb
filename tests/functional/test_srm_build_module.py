# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""srm_build run as Ansible runs it: the errors that only the module file itself can give."""

from __future__ import annotations

import json
import subprocess

from functional_support import module_command, module_env


def test_missing_mksquashfs_names_the_package(tmp_path):
    args = {'dest': str(tmp_path / 'x.srm'), 'sources': [{'content': 'x', 'dest': '/etc/x'}]}
    env = dict(module_env(), PATH='/nonexistent')
    proc = subprocess.run(module_command('srm_build', args, str(tmp_path)), env=env, stdout=subprocess.PIPE,
                          check=False)
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert result['failed'] and 'install the squashfs-tools package' in result['msg']
    assert not (tmp_path / 'x.srm').exists()


def test_sources_need_exactly_one_kind(tmp_path):
    args = {'dest': str(tmp_path / 'x.srm'), 'sources': [{'content': 'x', 'path': '/etc/hostname'}]}
    proc = subprocess.run(module_command('srm_build', args, str(tmp_path)), env=module_env(), stdout=subprocess.PIPE,
                          check=False)
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert result['failed'] and 'mutually exclusive' in result['msg']
