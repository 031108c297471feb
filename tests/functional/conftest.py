# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Functional tests: modules run as Ansible runs them, on real FAT images, with real tools."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.venv', 'collections')
FAT_TOOLS = all(shutil.which(t) for t in ('mcopy', 'sfdisk', 'mkfs.vfat', 'blkid', 'fsck.vfat'))


def module_command(name, args, workdir):
    """argv that runs a module file directly, the way AnsibleModule reads its arguments."""
    args_file = os.path.join(workdir, '%s-args.json' % name)
    with open(args_file, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    return [sys.executable, os.path.join(ROOT, 'plugins', 'modules', name + '.py'), args_file]


def module_env():
    return dict(os.environ, PYTHONPATH=COLLECTIONS + os.pathsep + os.environ.get('PYTHONPATH', ''))


def run_module(name, args, workdir):
    proc = subprocess.run(module_command(name, args, workdir), env=module_env(), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


def make_stick(path, size='96M'):
    subprocess.run(['truncate', '-s', size, path], check=True)
    subprocess.run(['sfdisk', '-q', path], input=b'label: dos\nstart=2048, type=c, bootable\n', check=True)
    subprocess.run(['mkfs.vfat', '-F', '32', '-n', 'RESCUE1200', '--offset', '2048', path], check=True,
                   stdout=subprocess.DEVNULL)
    return path


def fsck_partition(image, offset=1048576):
    part = image + '.part'
    with open(image, 'rb') as src, open(part, 'wb') as dst:
        src.seek(offset)
        shutil.copyfileobj(src, dst)
    try:
        proc = subprocess.run(['fsck.vfat', '-n', part], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    finally:
        os.unlink(part)
    return proc.returncode, proc.stdout.decode()


@pytest.fixture
def fat_tools():
    if not FAT_TOOLS:
        pytest.skip('mtools, sfdisk, mkfs.vfat, blkid and fsck.vfat are needed')
