# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real FAT disk images for the tests, made with the real tools; the one home of that recipe.

Used by the unit tests through the ``fat_image`` fixture (``tests/unit/conftest.py``) and imported
by the functional and fleet tests as ``ansible_collections.rescuefleet.media.tests.unit.fat_images``.
"""

from __future__ import annotations

import os
import shutil
import subprocess

PARTITION_OFFSET = 2048 * 512
TOOLS = ('mcopy', 'mdir', 'sfdisk', 'mkfs.vfat', 'blkid')
HAVE_TOOLS = all(shutil.which(t) for t in TOOLS)
MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK='1', LC_ALL='C')


def make_fat_image(path, size='64M', label='RESCUE1200', table='dos', fat='32', bootable=True, tree=None,
                   mkfs=True):
    """A disk image at ``path``: ``table`` ``dos`` or ``gpt`` with one FAT partition at sector 2048
    (as SystemRescue's USB writer makes it), any other sfdisk script (the filesystem then goes into
    the partition at sector 2048), or ``None`` for a FAT filesystem over the whole image.
    ``tree``: a local directory whose content is copied onto the filesystem; ``mkfs=False`` leaves the
    partition without a filesystem."""
    subprocess.run(['truncate', '-s', size, path], check=True)
    offset = []
    if table == 'dos':
        layout = 'label: dos\nstart=2048, type=c%s\n' % (', bootable' if bootable else '')
    elif table == 'gpt':
        layout = 'label: gpt\nstart=2048, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name=%s\n' % label
    else:
        layout = table
    if not mkfs:
        subprocess.run(['sfdisk', '-q', path], input=layout.encode(), check=True)
        return path
    if layout:
        subprocess.run(['sfdisk', '-q', path], input=layout.encode(), check=True)
        offset = ['--offset', '2048']
    subprocess.run(['mkfs.vfat', '-F', fat, '-n', label] + offset + [path], check=True, stdout=subprocess.DEVNULL)
    if tree:
        drive = '%s@@%d' % (path, PARTITION_OFFSET if layout else 0)
        for name in sorted(os.listdir(tree)):
            subprocess.run(['mcopy', '-s', '-i', drive, os.path.join(tree, name), '::/'], check=True, env=MTOOLS_ENV)
    return path


def fsck_partition(image, offset=PARTITION_OFFSET):
    """``(exit code, output)`` of ``fsck.vfat -n`` on the partition at ``offset`` (copied out first)."""
    part = image + '.part'
    with open(image, 'rb') as src, open(part, 'wb') as dst:
        src.seek(offset)
        shutil.copyfileobj(src, dst)
    try:
        proc = subprocess.run(['fsck.vfat', '-n', part], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    finally:
        os.unlink(part)
    return proc.returncode, proc.stdout.decode()
