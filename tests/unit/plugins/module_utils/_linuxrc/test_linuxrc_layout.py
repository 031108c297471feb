# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/linuxrc.md section 5: kernel and initrd under boot/<arch>/loader/ on x86_64 and i386, under
boot/<arch>/ elsewhere; the menus of each architecture (installation-images grub2-efi.file_list,
grub2-powerpc.file_list)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import read_entries, select
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import layout
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium

GRUB = "menuentry 'Installation' {\n  linux /boot/%s/linux splash=silent\n  initrd /boot/%s/initrd\n}\n"


def write(root, path, data=b'x'):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'wb') as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())


@pytest.mark.parametrize('arch, menu, fmt', [
    ('aarch64', 'EFI/BOOT/grub.cfg', 'grub'),
    ('aarch64', 'boot/aarch64/grub2-efi/grub.cfg', 'grub'),
    ('ppc64le', 'boot/ppc64le/grub2-ieee1275/grub.cfg', 'grub'),
    ('riscv64', 'EFI/BOOT/grub.cfg', 'grub'),
])
def test_flat_architectures_and_their_menus(tmp_path, arch, menu, fmt):
    root = str(tmp_path)
    write(root, 'boot/%s/linux' % arch)
    write(root, 'boot/%s/initrd' % arch)
    write(root, menu, GRUB % (arch, arch))
    medium = DirectoryMedium(root)
    found = layout.arch_layouts(medium)
    assert found == [{'arch': arch, 'basedir': 'boot/' + arch, 'layout': 'flat', 'kernel': 'boot/%s/linux' % arch,
                      'initrd': 'boot/%s/initrd' % arch}]
    menus = layout.menus(medium)
    assert (menu, fmt) in menus
    entries = select(read_entries(fmt, open(os.path.join(root, menu)).read()), layout.KERNELS)
    assert [layout.entry_arch(menu, e.kernel, [arch]) for e in entries] == [arch]


def test_s390x_parmfile_is_a_command_line(tmp_path):
    root = str(tmp_path)
    write(root, 'boot/s390x/linux')
    write(root, 'boot/s390x/initrd')
    write(root, 'boot/s390x/parmfile', 'splash=silent\n')
    menus = layout.menus(DirectoryMedium(root))
    assert ('boot/s390x/parmfile', 'cmdline') in menus
    assert layout.entry_arch('boot/s390x/parmfile', None, ['s390x', 'x86_64']) == 's390x'


def test_x86_64_loader_layout(tmp_path):
    root = str(tmp_path)
    write(root, 'boot/x86_64/loader/linux')
    write(root, 'boot/x86_64/loader/initrd')
    write(root, 'boot/x86_64/loader/isolinux.cfg', 'label linux\n  kernel linux\n  append splash=silent\n')
    medium = DirectoryMedium(root)
    assert layout.arch_layouts(medium)[0]['layout'] == 'loader'
    assert ('boot/x86_64/loader/isolinux.cfg', 'syslinux') in layout.menus(medium)
    assert layout.entry_arch('boot/x86_64/loader/isolinux.cfg', 'linux', ['x86_64', 'aarch64']) == 'x86_64'
    assert layout.entry_arch('EFI/BOOT/grub.cfg', '(cd0)/boot/x86_64/loader/linux', []) == 'x86_64'


def test_a_systemrescue_medium_is_not_an_installer(tmp_path):
    root = str(tmp_path)
    write(root, 'boot/grub/grub.cfg')
    write(root, 'sysresccd/boot/x86_64/vmlinuz')
    assert layout.arch_layouts(DirectoryMedium(root)) == []
