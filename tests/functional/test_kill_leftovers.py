# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Modules killed with SIGKILL at many moments of a run (issue 27, class 11).

Each trial starts a run that has work to do (the inputs alternate between two versions), kills its
process group at a moment spread over the length of a whole run, then runs the module once more. That
one converging run must leave no temporary name anywhere around the output or in the tree or medium
(whatever the kill interrupted), and the result must be exactly what an uninterrupted run writes (the
same bytes for the reproducible outputs). A second run then changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import time

import pytest

from functional_support import fsck_partition, make_fat_image, module_command, module_env, run_module
from ansible_collections.rescuefleet.media.plugins.module_utils._atomic import is_temp_name
from ansible_collections.rescuefleet.media.tests.unit.fat_images import MTOOLS_ENV, PARTITION_OFFSET
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash

TRIALS = 8
ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin'
MBR = '/usr/lib/ISOLINUX/isohdpfx.bin'


def temp_names(*roots):
    """Temporary names (``.NAME.rf-tmp-*``, ``~rfXXXXX.tmp``) anywhere below the directories ``roots``."""
    found = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            found.extend(os.path.join(dirpath, n) for n in dirnames + filenames if is_temp_name(n))
    return sorted(found)


def fat_temp_names(image):
    """Temporary names anywhere on the FAT partition of ``image`` (a recursive mtools listing)."""
    out = subprocess.run(['mdir', '-/', '-b', '-a', '-i', '%s@@%d' % (image, PARTITION_OFFSET), '::/'],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=MTOOLS_ENV, check=False)
    return sorted(line for line in out.stdout.decode('utf-8', 'replace').splitlines()
                  if line.strip() and is_temp_name(line.rstrip('/').rsplit('/', 1)[-1]))


def fat_files(image):
    """``{path: sha256}`` of every file on the FAT partition of ``image``."""
    out = subprocess.run(['mdir', '-/', '-b', '-a', '-i', '%s@@%d' % (image, PARTITION_OFFSET), '::/'],
                         stdout=subprocess.PIPE, env=MTOOLS_ENV, check=True).stdout.decode().splitlines()
    files = {}
    for line in out:
        if not line.strip() or line.endswith('/'):
            continue
        data = subprocess.run(['mcopy', '-n', '-i', '%s@@%d' % (image, PARTITION_OFFSET), line, '-'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=MTOOLS_ENV, check=False)
        if data.returncode == 0:  # directories listed without a slash fail here: not files
            files[line] = hashlib.sha256(data.stdout).hexdigest()
    return files


def fat_settle(image):
    """The ``settle`` of :func:`kill_trials` for a FAT image: it must pass fsck; its files by sha256."""
    def settle(_version):
        assert fsck_partition(image)[0] == 0
        return fat_files(image)
    return settle


def kill_trials(name, versions, workdir, settle, check, trials=TRIALS):
    """Kill runs of module ``name`` at moments spread over a whole run; after each kill, one run converges.

    ``versions`` are the module arguments of the two input versions (each trial asks for the other one);
    ``settle(version)`` is called after the converging run and returns a description of the result that
    must equal the one of an uninterrupted run; ``check()`` returns the temporary names left anywhere.
    """
    expected = []
    for args in versions:
        result = run_module(name, args, workdir)
        assert not result.get('failed'), result.get('msg')
        expected.append(settle(versions.index(args)))
    durations = []
    for version in (0, 1, 0):  # each of these runs has work to do; the shortest sets the kill points
        start = time.monotonic()
        run_module(name, versions[version], workdir)
        durations.append(time.monotonic() - start)
    duration = min(durations)
    killed_mid_run = 0
    for trial in range(trials):
        version = (trial + 1) % 2
        proc = subprocess.Popen(module_command(name, versions[version], workdir), env=module_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # kill points spread evenly over the length of a run, from its first tenth to its end
        time.sleep(duration * (0.1 + 0.9 * trial / (trials - 1)))
        if proc.poll() is None:
            killed_mid_run += 1
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        result = run_module(name, versions[version], workdir)
        assert not result.get('failed'), 'trial %d: the run after the kill failed: %s' % (trial, result.get('msg'))
        assert check() == [], 'trial %d: the converging run left temporary names behind' % trial
        assert settle(version) == expected[version], 'trial %d: the result differs from an uninterrupted run' % trial
    again = run_module(name, versions[0], workdir)
    assert run_module(name, versions[0], workdir)['changed'] is False, 'no converging run after %s' % again
    assert killed_mid_run >= trials // 3, 'the kills mostly missed the run (%d of %d)' % (killed_mid_run, trials)


def random_tree(root, seed, files=24, size=256 * 1024):
    os.makedirs(root)
    for index in range(files):
        with open(os.path.join(root, 'f%02d' % index), 'wb') as handle:
            handle.write(hashlib.sha256(b'%d-%d' % (seed, index)).digest() * (size // 32))
    return root


def sha(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.mark.skipif(not shutil.which('mksquashfs'), reason='mksquashfs is needed')
def test_srm_build_killed_anywhere_converges_without_leftovers(tmp_path):
    out = tmp_path / 'out'
    out.mkdir()
    dest = str(out / '10-big.srm')
    versions = [{'dest': dest, 'sources': [{'src': random_tree(str(tmp_path / ('src%d' % v)), v)}],
                 'systemd_enable': ['sshd.service'], 'compression': 'gzip'} for v in (0, 1)]
    # the manifest is written in the last moments of a run: more kill points there
    kill_trials('srm_build', versions, str(tmp_path), lambda version: (sha(dest), sorted(os.listdir(str(out)))),
                lambda: temp_names(str(out)), trials=16)


@pytest.mark.skipif(not shutil.which('mksquashfs'), reason='mksquashfs is needed')
def test_pxe_hosts_killed_anywhere_converges_without_leftovers(tmp_path):
    root = tmp_path / 'tree'

    def args(version):
        count = 100 + 30 * version  # the second version has more clients, the first removes them again
        return {'http_root': str(root / 'http'), 'tftp_root': str(root / 'tftp'), 'url': 'http://pxe.example.com/',
                'clients': [{'name': 'c%03d' % i, 'mac': '52:54:00:00:%02x:%02x' % (i // 256, i % 256),
                             'module': '%d0-tools.srm' % (version + 1)} for i in range(count)]}
    kill_trials('pxe_hosts', [args(0), args(1)], str(tmp_path), lambda version: tree_hash(str(root)),
                lambda: temp_names(str(root)))


def _iso(tmp_path, name, tag):
    tree = tmp_path / ('%s-tree' % name)
    (tree / 'sysresccd' / 'boot' / 'x86_64').mkdir(parents=True)
    (tree / 'sysresccd' / 'x86_64').mkdir()
    (tree / 'sysresccd' / 'boot' / 'x86_64' / 'vmlinuz').write_bytes(b'kernel %s\n' % tag)
    random_tree(str(tree / 'sysresccd' / 'data'), len(tag), files=16)
    (tree / 'sysresccd' / 'VERSION').write_text('12.00\n')
    iso = str(tmp_path / name)
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', 'RESCUE1200', '-r', '-J', str(tree)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return iso


@pytest.mark.skipif(not shutil.which('xorriso'), reason='xorriso is needed')
def test_iso_extract_killed_anywhere_converges_without_leftovers(tmp_path):
    isos = [_iso(tmp_path, 'a.iso', b'a'), _iso(tmp_path, 'b.iso', b'bb')]
    http = tmp_path / 'http'
    http.mkdir()
    versions = [{'src': iso, 'path': '/sysresccd', 'dest': str(http / 'sysresccd'), 'required': ['boot/x86_64/vmlinuz']}
                for iso in isos]
    kill_trials('iso_extract', versions, str(tmp_path), lambda version: tree_hash(str(http / 'sysresccd')),
                lambda: temp_names(str(http)))


@pytest.mark.skipif(not (shutil.which('xorriso') and shutil.which('mksquashfs') and os.path.exists(ISOLINUX)
                         and os.path.exists(MBR)), reason='xorriso, mksquashfs and isolinux are needed')
def test_sysrescue_iso_killed_anywhere_converges_without_leftovers(tmp_path):
    tree = tmp_path / 'iso-tree'
    (tree / 'sysresccd').mkdir(parents=True)
    (tree / 'isolinux').mkdir()
    (tree / 'sysresccd' / 'VERSION').write_text('12.00\n')
    random_tree(str(tree / 'sysresccd' / 'x86_64'), 7, files=32)
    shutil.copy(ISOLINUX, str(tree / 'isolinux'))
    src = str(tmp_path / 'src.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', src, '-V', 'RESCUE1200', '-r', '-J', '-isohybrid-mbr', MBR,
                    '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
                    '-boot-info-table', str(tree)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srms = []
    for version in (0, 1):
        srm = str(tmp_path / ('tools%d.srm' % version))
        subprocess.run(['mksquashfs', random_tree(str(tmp_path / ('t%d' % version)), 10 + version, files=8), srm,
                        '-quiet', '-no-progress'], check=True, stdout=subprocess.DEVNULL)
        srms.append(srm)
    out = tmp_path / 'out'
    out.mkdir()
    dest = str(out / 'fleet.iso')
    versions = [{'src': src, 'dest': dest, 'srms': [{'src': srm, 'name': '10-tools.srm'}],
                 'configs': [{'name': '500-fleet.yaml', 'config': {'global': {'loadsrm': True}}}]} for srm in srms]
    kill_trials('sysrescue_iso', versions, str(tmp_path), lambda version: (sha(dest), sorted(os.listdir(str(out)))),
                lambda: temp_names(str(out)))


@pytest.mark.skipif(not shutil.which('mcopy'), reason='mtools are needed')
def test_sysrescue_config_killed_anywhere_converges_without_leftovers(tmp_path, fat_tools):
    image = make_fat_image(str(tmp_path / 'stick.img'), size='40M')
    versions = [{'media': {'image': image}, 'name': '500-fleet.yaml',
                 'config': {'global': {'loadsrm': bool(version)}, 'sysconfig': {'timezone': 'UTC'}}}
                for version in (0, 1)]
    kill_trials('sysrescue_config', versions, str(tmp_path), fat_settle(image), lambda: fat_temp_names(image))


@pytest.mark.skipif(not shutil.which('mksquashfs'), reason='mksquashfs is needed')
def test_linuxrc_parts_killed_anywhere_converges_without_leftovers(tmp_path, fat_tools):
    from ansible_collections.rescuefleet.media.tests.unit.suse_media import make_tree
    tree = make_tree(str(tmp_path / 'suse'))
    image = make_fat_image(str(tmp_path / 'suse.img'), size='64M', tree=tree)
    parts = []
    for version in (0, 1):
        part = str(tmp_path / ('fleet-tools-%d' % version))
        subprocess.run(['mksquashfs', random_tree(str(tmp_path / ('p%d' % version)), 20 + version, files=24), part,
                        '-quiet', '-no-progress'], check=True, stdout=subprocess.DEVNULL)
        parts.append(part)
    versions = [{'media': {'image': image}, 'parts': [{'src': part, 'name': 'fleet-tools'}]} for part in parts]
    kill_trials('linuxrc_parts', versions, str(tmp_path), fat_settle(image), lambda: fat_temp_names(image))
