# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""usb_write_iso with hostile ISOs (issue 12): refused before the first destructive write, the target
byte-identical afterwards, no host file copied, no hang, a message that says what to do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from functional_support import module_command, module_env
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import file_hash as sha

TOOLS = ('xorriso', 'sfdisk', 'mkfs.vfat', 'mcopy', 'mtype', 'syslinux')
pytestmark = pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS), reason='needs %s' % ', '.join(TOOLS))
MB = 1024 * 1024


def run(args, tmp_path):
    proc = subprocess.run(module_command('usb_write_iso', args, str(tmp_path)), env=module_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False)
    result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    assert 'Traceback' not in proc.stderr.decode()
    return result


def make_iso(tmp_path, extra):
    """A small SystemRescue-like ISO with Rock Ridge (so symlinks and case survive); ``extra(tree)`` adds files."""
    tree = tmp_path / 'tree'
    (tree / 'sysresccd' / 'boot' / 'syslinux').mkdir(parents=True)
    (tree / 'sysresccd' / 'boot' / 'syslinux' / 'syslinux.cfg').write_text('DEFAULT loadconfig\n')
    (tree / 'sysresccd' / 'VERSION').write_text('12.00\n')
    extra(tree)
    iso = str(tmp_path / 'sr.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', 'RESCUE1200', '-R', str(tree)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return iso


def target(tmp_path):
    """An existing stick image with recognisable content, so any write shows."""
    image = str(tmp_path / 'stick.img')
    with open(image, 'wb') as handle:
        handle.write(b'previous content of the stick\n'.ljust(MB, b'.') * 80)
    return image


def test_a_symlink_to_a_host_file_is_refused_and_nothing_is_written(tmp_path):
    secret = tmp_path / 'shadow'
    secret.write_text('root:$6$secret:19000:0:99999:7:::\n')

    def extra(tree):
        (tree / 'etc').mkdir()
        os.symlink(str(secret), str(tree / 'etc' / 'shadow'))
    refused(tmp_path, make_iso(tmp_path, extra), 'symlinks', 'etc/shadow -> %s' % secret, 'nothing was written')


def refused(tmp_path, iso, *expected):
    """Write ``iso`` over a stick image with content: it must fail naming ``expected``, the image unchanged."""
    image = target(tmp_path)
    before = sha(image)
    for check in (True, False):  # check mode refuses what the real run refuses (issue 27, class 10)
        result = run({'device': image, 'iso': iso, 'min_free': '1M', '_ansible_check_mode': check}, tmp_path)
        assert result['failed'] and all(text in result['msg'] for text in expected), (check, result['msg'])
    assert sha(image) == before


def test_names_that_differ_only_in_case_are_refused_before_the_wipe(tmp_path):
    def extra(tree):
        (tree / 'README').write_text('upper\n')
        (tree / 'readme').write_text('lower\n')
    iso = make_iso(tmp_path, extra)
    refused(tmp_path, iso, 'differ only in case', 'README and readme', 'nothing was written')
    missing = str(tmp_path / 'new.img')  # an image that would be created is not created either
    result = run({'device': missing, 'iso': iso, 'min_free': '1M', 'image_size': '80M'}, tmp_path)
    assert result['failed'] and not os.path.exists(missing)


def test_names_fat_cannot_hold_are_refused(tmp_path):
    def extra(tree):
        (tree / 'what?.txt').write_text('x\n')
        (tree / u'\u00fcber.txt').write_text('x\n')
    refused(tmp_path, make_iso(tmp_path, extra), 'what?.txt', 'outside ASCII')


def test_a_fifo_as_iso_is_refused_without_hanging(tmp_path):
    fifo = str(tmp_path / 'sr.iso')
    os.mkfifo(fifo)
    refused(tmp_path, fifo, 'neither a regular file nor a block device')
