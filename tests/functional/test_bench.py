# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make bench` runs every case to its end: each case of bench/bench.py on tiny inputs, once.

The figures of a tiny run mean nothing; what is checked is that the case makes its real inputs, runs
every measured command (each run asserts its own outcome: changed, then not changed), and prints
every row of the table of targets with a ratio. Failed before: the srm_deploy case fed srm_deploy files
that are not squashfs images and crashed, and the srm_build case imported a class that had moved.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, 'bench', 'bench.py')
TOOLS = ('mksquashfs', 'unsquashfs', 'mcopy', 'mdir', 'sfdisk', 'mkfs.vfat', 'blkid', 'xorriso')

# the rows each case adds to the table of targets (a tiny run has one fleet size and one PXE size)
ROWS = {
    'srm_build': ['srm_build cold vs mksquashfs, CPU', 'srm_build no-op vs cold'],
    'srm_deploy': ['srm_deploy fixed cost', 'srm_deploy marginal cost vs mcopy', 'srm_deploy peak RSS'],
    'iso': ['sysrescue_iso cold remaster vs xorriso replay'],
    'pxe': ['pxe_server no-op CPU, 2 vs 2 clients', 'pxe_server converge wall, 2 clients'],
    'fleet': ['remote changed srm_deploy, verify: full', 'fleet no-op CPU per host (mounted stick)',
              'fleet no-op CPU per host (FAT images)', 'fleet no-op CPU vs naive playbook, 2 hosts, forks 5'],
}

pytestmark = pytest.mark.skipif(not all(shutil.which(tool) for tool in TOOLS),
                                reason='needs %s' % ', '.join(TOOLS))


@pytest.mark.parametrize('case', sorted(ROWS))
def test_bench_case_runs_to_its_end(case, tmp_path):
    if case == 'fleet' and (os.geteuid() != 0 or not os.path.exists('/usr/sbin/sshd')):
        pytest.skip('the fleet case needs root and openssh-server for sshd instances on loopback')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.venv', 'collections'))
    for variable in ('RESCUEFLEET_BENCH_PXE', 'RESCUEFLEET_BENCH_PXE_OLD', 'RESCUEFLEET_BENCH_FLEET'):
        env.pop(variable, None)
    proc = subprocess.run([sys.executable, BENCH, '--tiny', '--workdir', str(tmp_path), case], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    output = proc.stdout.decode('utf-8', 'replace')
    assert proc.returncode == 0, output[-6000:]
    table = output.split('\ntargets (', 1)[1].splitlines()[1:]
    for row in ROWS[case]:
        line = [text for text in table if row in text]
        assert len(line) == 1, (row, table)
        assert re.search(r'^  (met |MISS) .* ratio +-?\d+\.\d{3}  target ', line[0]), line[0]
    with open(str(tmp_path / 'results' / 'last.json')) as handle:
        results = json.load(handle)
    assert results[case] and len(results['targets']) == len(ROWS[case])
    # the fleet's sshd instances and every ssh master ended with the case
    if case == 'fleet':
        leftovers = subprocess.run(['pgrep', '-f', str(tmp_path)], stdout=subprocess.PIPE, check=False).stdout
        assert not leftovers, leftovers
        # counted, not timed, so it holds on tiny inputs too: a changed srm_deploy over SSH with verify: full
        # probes the medium once and reads each module back at most once (a second probe or hash fails here)
        remote = results['fleet']['remote_deploy']
        assert remote['probes'] == 1, remote
        assert remote['hashes'] and all(count <= 1 for count in remote['hashes'].values()), remote
        assert remote['hashes']['20-config.srm'] == 1, remote  # verify: full reads the replaced module back
