# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/test.sh tells a stage that could not run from one that passed (issue 23).

The boot stage is made to skip by hiding QEMU from PATH: it stops at its tool check, before it
builds or boots anything, so these runs take seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HIDDEN = 'qemu-system-x86_64'


@pytest.fixture(scope='module')
def path_without_qemu(tmp_path_factory):
    """A PATH with every command of this one except QEMU (links in one directory)."""
    shadow = tmp_path_factory.mktemp('path-without-qemu')
    for directory in [os.path.dirname(sys.executable)] + os.environ['PATH'].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            link = shadow / name
            if name != HIDDEN and not link.exists() and os.access(target, os.X_OK) and not os.path.isdir(target):
                link.symlink_to(target)
    return str(shadow)


def run_stage(path, ci):
    env = dict(os.environ, PATH=path, CI='true' if ci else '')
    return subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'test.sh'), 'boot'], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def summary_line(output, stage):
    lines = output.split('== summary', 1)[1].splitlines()
    return [line.split() for line in lines if line.split()[:1] == [stage]][0]


def test_a_skipped_stage_is_reported_as_skipped_never_as_passed(path_without_qemu):
    proc = run_stage(path_without_qemu, ci=False)
    words = summary_line(proc.stdout, 'boot')
    assert words[1] == 'SKIPPED', proc.stdout
    assert '%s is not installed' % HIDDEN in ' '.join(words), proc.stdout
    assert 'all test stages passed' not in proc.stdout
    assert 'not all of them ran' in proc.stdout
    assert proc.returncode == 0, proc.stdout


def test_under_ci_a_skipped_stage_fails_the_run(path_without_qemu):
    proc = run_stage(path_without_qemu, ci=True)
    assert summary_line(proc.stdout, 'boot')[1] == 'SKIPPED', proc.stdout
    assert 'all test stages passed' not in proc.stdout
    assert 'FAILED under CI=true' in proc.stdout
    assert proc.returncode != 0


def test_an_unknown_stage_is_refused():
    proc = subprocess.run(['bash', os.path.join(ROOT, 'scripts', 'test.sh'), 'no-such-stage'], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 2
    assert 'unknown stage: no-such-stage' in proc.stdout


JUNIT = '''<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="3" skipped="%d">
<testcase classname="tests.unit.test_a" name="test_ran" time="0.1"/>
<testcase classname="tests.unit.test_b" name="test_tool" time="0">
<skipped type="pytest.skip" message="mksquashfs (squashfs-tools) is not installed">x</skipped></testcase>
<testcase classname="tests.unit.test_c" name="test_as_root" time="0">
<skipped type="pytest.skip" message="root reads everything">x</skipped></testcase>
</testsuite></testsuites>'''


def skips(tmp_path, xml):
    (tmp_path / 'result.xml').write_text(xml)
    return subprocess.run([sys.executable, os.path.join(ROOT, 'scripts', 'pytest_skips.py'), str(tmp_path / 'result.xml'),
                           str(tmp_path / 'skip')], stdout=subprocess.PIPE, universal_newlines=True, check=False)


def test_skipped_tests_are_named_and_a_missing_tool_is_told_apart(tmp_path):
    proc = skips(tmp_path, JUNIT % 2)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == [
        'MISSING tests.unit.test_b::test_tool: mksquashfs (squashfs-tools) is not installed',
        'SKIP tests.unit.test_c::test_as_root: root reads everything']
    assert not (tmp_path / 'skip').exists()


def test_a_run_where_every_test_skipped_is_a_skipped_stage(tmp_path):
    xml = JUNIT.replace('<testcase classname="tests.unit.test_a" name="test_ran" time="0.1"/>\n', '')
    proc = skips(tmp_path, xml % 2)
    assert proc.returncode == 77
    assert (tmp_path / 'skip').read_text() == (
        'every test skipped: mksquashfs (squashfs-tools) is not installed; root reads everything\n')
