# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ten hosts over real SSH: converge, a second run that changes nothing, then one module changes."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest

from fleet import Fleet

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists('/usr/sbin/sshd'),
                                reason='needs root and openssh-server for sshd instances on loopback')


def srm_on(image, name):
    out = subprocess.run(['mcopy', '-n', '-i', image + '@@1048576', '::/sysresccd/' + name, '-'],
                         stdout=subprocess.PIPE, env=dict(os.environ, MTOOLS_SKIP_CHECK='1'), check=True).stdout
    return hashlib.sha256(out).hexdigest()


def test_fleet_converges_idempotently_and_changes_only_what_uses_a_module(tmp_path):
    files = tmp_path / 'files'
    with Fleet(10, workdir=str(tmp_path)) as fleet:
        recap, first, _out = fleet.playbook('converge.yml')
        hosts = [h['name'] for h in fleet.hosts]
        assert sorted(h for h in recap if h != 'localhost') == hosts
        assert all(recap[h]['changed'] >= 3 and recap[h]['failed'] == 0 for h in hosts)
        built = tmp_path / 'build'
        for host in fleet.hosts:
            for module in host['modules']:
                assert srm_on(host['image'], module + '.srm') == hashlib.sha256(
                    (built / (module + '.srm')).read_bytes()).hexdigest()

        recap, second, _out = fleet.playbook('converge.yml')
        assert all(recap[h]['changed'] == 0 for h in recap), recap

        # change the extra module only: exactly the hosts that carry it change
        shutil.copytree(os.path.join(os.path.dirname(__file__), 'files'), str(files))
        (files / 'extra' / 'extra.txt').write_text('extra v2\n')
        recap, third, _out = fleet.playbook('converge.yml', '-e', 'fleet_files=%s' % files)
        with_extra = {h['name'] for h in fleet.hosts if '30-extra' in h['modules']}
        assert recap['localhost']['changed'] == 1
        assert {h for h in hosts if recap[h]['changed']} == with_extra, recap
        assert all(recap[h]['changed'] == 1 for h in with_extra)
    print('fleet of 10: converge %.1f s, no-op %.1f s, one module changed %.1f s' % (first, second, third))
