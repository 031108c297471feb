# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A loop device in use is found by the image file itself, not by the spelling of its path (issue 27, class 2)."""

from __future__ import annotations

import os

from ansible_collections.rescuefleet.media.plugins.module_utils._usb.device import loop_users


def fake_loop(sysfs, name, backing):
    directory = sysfs / 'block' / name / 'loop'
    directory.mkdir(parents=True)
    (directory / 'backing_file').write_text(backing + '\n')


def test_a_loop_device_on_a_hard_link_or_another_spelling_is_found(tmp_path):
    image = tmp_path / 'stick.img'
    image.write_bytes(b'\0' * 512)
    os.link(str(image), str(tmp_path / 'other-name.img'))
    (tmp_path / 'dir').mkdir()
    os.symlink(str(tmp_path), str(tmp_path / 'dir' / 'up'))
    sysfs = tmp_path / 'sys'
    fake_loop(sysfs, 'loop0', str(tmp_path / 'other-name.img'))   # through a hard link
    fake_loop(sysfs, 'loop1', str(image))                          # the path itself
    fake_loop(sysfs, 'loop2', str(tmp_path / 'unrelated.img'))     # another file (missing)
    fake_loop(sysfs, 'loop3', '')                                  # not attached
    assert loop_users(str(tmp_path / 'dir' / 'up' / 'stick.img'), sysfs=str(sysfs)) == ['/dev/loop0', '/dev/loop1']
