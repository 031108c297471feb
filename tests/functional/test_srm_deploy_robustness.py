# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""srm_deploy killed at random moments, and two deploys on one image at once."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time

from functional_support import fsck_partition, make_fat_image, module_command, module_env, run_module

OFFSET = 1048576
TRIALS = 24


def srm_names(image):
    out = subprocess.run(['mdir', '-b', '-i', '%s@@%d' % (image, OFFSET), '::/sysresccd'], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=dict(os.environ, MTOOLS_SKIP_CHECK='1'), check=False)
    return [line.rsplit('/', 1)[1] for line in out.stdout.decode().split('\n') if line.strip()]


def sha_on_image(image, name):
    out = subprocess.run(['mcopy', '-n', '-i', '%s@@%d' % (image, OFFSET), '::/sysresccd/' + name, '-'],
                         stdout=subprocess.PIPE, env=dict(os.environ, MTOOLS_SKIP_CHECK='1'), check=True)
    return hashlib.sha256(out.stdout).hexdigest()


def test_sigkill_never_leaves_a_partial_module(tmp_path, fat_tools):
    image = make_fat_image(str(tmp_path / 'stick.img'), size='96M')
    versions = []
    for tag in (b'A', b'B'):
        path = tmp_path / ('v%s.srm' % tag.decode())
        path.write_bytes(b'hsqs' + tag * 1020 + os.urandom(12 * 1024 * 1024))
        versions.append((str(path), hashlib.sha256(path.read_bytes()).hexdigest()))
    known = {sha for _path, sha in versions}

    def args(version):
        return {'media': {'image': image}, 'srms': [{'src': versions[version][0], 'name': '10-tools.srm'}]}

    assert run_module('srm_deploy', args(0), str(tmp_path))['changed']
    start = time.monotonic()
    assert run_module('srm_deploy', args(1), str(tmp_path))['changed']
    duration = time.monotonic() - start
    rnd = random.Random(7)
    killed_mid_run = 0
    for trial in range(TRIALS):
        version = trial % 2
        proc = subprocess.Popen(module_command('srm_deploy', args(version), str(tmp_path)), env=module_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rnd.uniform(0.05, duration))
        if proc.poll() is None:
            killed_mid_run += 1
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it finished first
        proc.wait()
        code, report = fsck_partition(image)
        assert code == 0, 'trial %d: fsck.vfat found problems:\n%s' % (trial, report)
        for name in srm_names(image):
            assert name.endswith('.srm') is False or sha_on_image(image, name) in known, \
                'trial %d: %s is neither the old nor the new module' % (trial, name)
        assert [n for n in srm_names(image) if n.endswith('.srm')] in ([], ['10-tools.srm'])
    assert killed_mid_run >= TRIALS // 2, 'the kills mostly missed the deploy (%d of %d)' % (killed_mid_run, TRIALS)
    final = run_module('srm_deploy', args(0), str(tmp_path))
    assert [s['sha256'] for s in final['srms']] == [versions[0][1]]
    assert sorted(srm_names(image)) == ['.rescuefleet-srm.json', '10-tools.srm']
    assert fsck_partition(image)[0] == 0


def test_two_deploys_at_once_serialise(tmp_path, fat_tools):
    image = make_fat_image(str(tmp_path / 'stick.img'), size='96M')
    sources = {}
    for name in ('10-a.srm', '20-b.srm'):
        path = tmp_path / name
        path.write_bytes(b'hsqs' + os.urandom(6 * 1024 * 1024))
        sources[name] = (str(path), hashlib.sha256(path.read_bytes()).hexdigest())
    for _round in range(3):
        procs = []
        for name, (src, _sha) in sources.items():
            workdir = tmp_path / ('work-' + name)
            workdir.mkdir(exist_ok=True)
            args = {'media': {'image': image}, 'srms': [{'src': src}]}
            procs.append(subprocess.Popen(module_command('srm_deploy', args, str(workdir)), env=module_env(),
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        for proc in procs:
            out, err = proc.communicate()
            assert proc.returncode == 0, err.decode()
        assert fsck_partition(image)[0] == 0
        assert sorted(n for n in srm_names(image) if n.endswith('.srm')) == ['10-a.srm', '20-b.srm']
        for name, (_src, sha) in sources.items():
            assert sha_on_image(image, name) == sha
        index = json.loads(subprocess.run(
            ['mcopy', '-n', '-i', '%s@@%d' % (image, OFFSET), '::/sysresccd/.rescuefleet-srm.json', '-'],
            stdout=subprocess.PIPE, env=dict(os.environ, MTOOLS_SKIP_CHECK='1'), check=True).stdout)
        assert {n: e['sha256'] for n, e in index.items()} == {n: digest for n, (_path, digest) in sources.items()}, \
            'one deploy lost the other one\'s index entry: the runs interleaved'
        info = run_module('srm_deploy', {'media': {'image': image}, 'srms': [{'src': path} for path, _digest in sources.values()]},
                          str(tmp_path))
        assert not info['changed']
        assert {s['name']: s['sha256'] for s in info['srms']} == {n: digest for n, (_path, digest) in sources.items()}
