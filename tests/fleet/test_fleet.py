# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ten hosts over real SSH: converge, a second run that changes nothing, then one module changes;
late loading into running rescue systems, sending only what a host has not loaded."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess

import pytest

from fleet import Fleet

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists('/usr/sbin/sshd'),
                                reason='needs root and openssh-server for sshd instances on loopback')


def file_on(image, path):
    """The bytes of ``path`` on the first partition of a stick image, read with mtools."""
    return subprocess.run(['mcopy', '-n', '-i', image + '@@1048576', '::/' + path, '-'],
                          stdout=subprocess.PIPE, env=dict(os.environ, MTOOLS_SKIP_CHECK='1'), check=True).stdout


def srm_on(image, name):
    return hashlib.sha256(file_on(image, 'sysresccd/' + name)).hexdigest()


SITE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    'playbooks', 'site.yml')


def test_site_playbook_on_a_fleet(tmp_path):
    """What an operator runs: playbooks/site.yml with the roles, over SSH, on ten sticks."""
    files = tmp_path / 'files'
    with Fleet(10, workdir=str(tmp_path)) as fleet:
        recap, first, _out = fleet.playbook(SITE)
        hosts = [h['name'] for h in fleet.hosts]
        assert sorted(recap) == hosts
        # usb_media changes the modules (srm_deploy) and both YAML files (one sysrescue_config run)
        assert all(recap[h]['changed'] >= 2 and recap[h]['failed'] == 0 for h in hosts)
        catalog = tmp_path / 'catalog'
        for host in fleet.hosts:
            for module in host['modules']:
                assert srm_on(host['image'], module + '.srm') == hashlib.sha256(
                    (catalog / (module + '.srm')).read_bytes()).hexdigest()
            assert b'loadsrm: true' in file_on(host['image'], 'sysrescue.d/200-rescuefleet-loadsrm.yaml')
            assert b"timezone: 'UTC'" in file_on(host['image'], 'sysrescue.d/500-rescuefleet.yaml')

        recap, second, _out = fleet.playbook(SITE)
        assert all(recap[h]['changed'] == 0 for h in recap), recap

        # change the extra module only: the catalog rebuilds it once, and exactly the hosts that carry
        # it change (the rebuild is counted on the first host of the play, which carries it too)
        shutil.copytree(os.path.join(os.path.dirname(__file__), 'files'), str(files))
        (files / 'extra' / 'extra.txt').write_text('extra v2\n')
        recap, third, out = fleet.playbook(SITE, '-e', 'fleet_files=%s' % files)
        with_extra = {h['name'] for h in fleet.hosts if '30-extra' in h['modules']}
        assert {h for h in hosts if recap[h]['changed']} == with_extra, recap
        # the catalog's builds are loop items delegated to the controller (the fleet report, written there
        # at the end, changes too: it shows the new module)
        rebuilt = [line for line in out.splitlines() if line.startswith('changed: [fleet01 -> ') and '(item=' in line]
        assert 'fleet01' in with_extra and len(rebuilt) == 1 and '30-extra.srm' in rebuilt[0], rebuilt
        for host in fleet.hosts:
            if '30-extra' in host['modules']:
                assert srm_on(host['image'], '30-extra.srm') == hashlib.sha256(
                    (catalog / '30-extra.srm').read_bytes()).hexdigest()
    print('site.yml on a fleet of 10: converge %.1f s, no-op %.1f s, one module changed %.1f s'
          % (first, second, third))


def host_results(output):
    """``{host: result}`` of the fleet hosts' task results, from ansible-playbook -v output."""
    found = {}
    for line in output.splitlines():
        match = re.match(r'^(?:ok|changed): \[(fleet\d+)\] => (\{.*\})$', line)
        if match:
            found[match.group(1)] = json.loads(match.group(2))
    return found


def test_late_load_on_a_fleet(tmp_path):
    """srm_load over real SSH into per-host roots: a module goes over the wire only to hosts whose
    record lacks it, and a second run sends nothing and changes nothing."""
    with Fleet(10, workdir=str(tmp_path)) as fleet:
        build = tmp_path / 'build'
        hosts = [h['name'] for h in fleet.hosts]
        odd = {h['name'] for h in fleet.hosts if '30-extra' in h['modules']}

        def run(*extra):
            recap, seconds, out = fleet.playbook('late_load.yml', '-v', *extra)
            return recap, seconds, host_results(out)

        recap, first, loaded = run('-e', 'fleet_late_extra=false')
        assert sorted(loaded) == hosts
        assert all(recap[h]['changed'] == 1 and recap[h]['failed'] == 0 for h in hosts), recap
        assert all(loaded[h]['transferred'] == ['10-tools.srm'] for h in hosts), loaded

        recap, second, loaded = run()
        assert {h for h in hosts if recap[h]['changed']} == odd, recap
        assert {h: loaded[h]['transferred'] for h in hosts} == {
            h: ['30-extra.srm'] if h in odd else [] for h in hosts}
        assert all([a['action'] for a in loaded[h]['actions']] == ['load'] for h in odd)

        recap, third, loaded = run()
        assert all(recap[h]['changed'] == 0 for h in hosts), recap
        assert all(loaded[h]['transferred'] == [] and loaded[h]['actions'] == [] for h in hosts)

        tools = hashlib.sha256((build / '10-tools.srm').read_bytes()).hexdigest()
        for host in fleet.hosts:
            root = host['root']
            assert os.access(os.path.join(root, 'usr/local/bin/fleet-tools'), os.X_OK)
            assert os.path.exists(os.path.join(root, 'opt/extra/extra.txt')) == (host['name'] in odd)
            record = json.load(open(os.path.join(root, 'run/rescuefleet/srm_load.json')))
            assert [(m['name'], m['sha256']) for m in record['modules']][0] == ('10-tools.srm', tools)
    print('srm_load on a fleet of 10: first %.1f s, one more module on half %.1f s, no-op %.1f s'
          % (first, second, third))
