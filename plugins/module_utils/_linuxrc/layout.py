# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where a SUSE installation medium keeps, per architecture, its kernel, initrd and boot menus.

linuxrc's ``util_set_product_dir`` (``util.c``) and openSUSE's installation-images put the kernel
and initrd of x86_64 and i386 at ``boot/<arch>/loader/linux`` and ``.../loader/initrd`` and those of
every other architecture (aarch64, ppc64le, s390x, riscv64, ...) at ``boot/<arch>/linux`` and
``boot/<arch>/initrd``. The menus that carry the kernel arguments: ``EFI/BOOT/grub.cfg`` (UEFI, all
architectures), ``boot/<arch>/grub2-efi/grub.cfg``, ``boot/<arch>/grub2-ieee1275/grub.cfg``
(ppc64le), ``boot/<arch>/loader/isolinux.cfg`` (x86 BIOS), and the plain command line
``boot/<arch>/parmfile`` (s390x); plus whatever bootcfg discovery finds elsewhere.

The architecture of a boot entry is read from its kernel path, or, for a menu inside
``boot/<arch>/``, from the menu's path.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import discovery as bootcfg

# kernel paths of linuxrc entries: boot/<arch>/loader/linux, boot/<arch>/linux, and isolinux's "linux"
KERNELS = ('linux', '*/loader/linux', '*/boot/*/linux')
_KERNEL_ARCH = re.compile(r'(?:^|/)boot/(?P<arch>[A-Za-z0-9_]+)/(?:loader/)?linux$')
_PATH_ARCH = re.compile(r'^boot/(?P<arch>[A-Za-z0-9_]+)/')
# menus inside boot/<arch>/: (relative path, format)
ARCH_MENUS = (('loader/isolinux.cfg', 'syslinux'), ('grub2-efi/grub.cfg', 'grub'),
              ('grub2-ieee1275/grub.cfg', 'grub'), ('parmfile', 'cmdline'))
_MARKERS = ('loader', 'linux', 'initrd', 'config', 'root', 'common', 'grub2-efi', 'grub2-ieee1275', 'parmfile')


def _find(medium, directory, name):
    """The entry of ``name`` in ``directory``, compared case-insensitively (FAT), or ``None``."""
    for entry in medium.list_dir(directory):
        if entry['name'].lower() == name.lower():
            return entry
    return None


def arch_kernels(arch):
    """Kernel patterns of the linuxrc entries of one architecture."""
    return ['linux', '*boot/%s/loader/linux' % arch, '*boot/%s/linux' % arch]


def lookup(medium, path):
    """The listing entry of ``path`` (names compared as written), or ``None`` when it does not exist."""
    return medium.entry(path.rstrip('/'))


def _resolve(medium, path):
    """``path`` spelled as the medium spells it, or ``None`` when it does not exist."""
    current = ''
    for part in path.split('/'):
        entry = _find(medium, current, part)
        if entry is None:
            return None
        current = posixpath.join(current, entry['name']) if current else entry['name']
    return current


def arch_layouts(medium):
    """``[{'arch', 'basedir', 'layout': 'loader'|'flat'|None, 'kernel', 'initrd'}]`` of every
    ``boot/<arch>/`` that holds an installer (kernel, initrd, inst-sys config or parts)."""
    found = []
    for entry in sorted(medium.list_dir('boot'), key=lambda e: e['name']):
        if entry['type'] != 'dir':
            continue
        basedir = 'boot/' + entry['name']
        names = {e['name'].lower(): e for e in medium.list_dir(basedir)}
        if not any(marker in names for marker in _MARKERS):
            continue
        layout = kernel = initrd = None
        if 'loader' in names and names['loader']['type'] == 'dir':
            loader = {e['name'].lower(): e for e in medium.list_dir(basedir + '/' + names['loader']['name'])}
            if 'linux' in loader:
                layout = 'loader'
                prefix = '%s/%s/' % (basedir, names['loader']['name'])
                kernel = prefix + loader['linux']['name']
                initrd = prefix + loader['initrd']['name'] if 'initrd' in loader else None
        if layout is None and 'linux' in names and names['linux']['type'] == 'file':
            layout = 'flat'
            kernel = '%s/%s' % (basedir, names['linux']['name'])
            initrd = '%s/%s' % (basedir, names['initrd']['name']) if 'initrd' in names else None
        found.append({'arch': entry['name'], 'basedir': basedir, 'layout': layout, 'kernel': kernel,
                      'initrd': initrd})
    return found


def menus(medium, arches=None):
    """``[(path, format)]``: the configs bootcfg discovery finds plus the menus of every
    ``boot/<arch>/`` (``arches``: the :func:`arch_layouts` entries, found when not given)."""
    found = list(bootcfg.discover(medium))
    seen = {path.lower() for path, _fmt in found}
    for layout in (arch_layouts(medium) if arches is None else arches):
        for relative, fmt in ARCH_MENUS:
            path = _resolve(medium, '%s/%s' % (layout['basedir'], relative))
            if path and path.lower() not in seen:
                entry = _find(medium, posixpath.dirname(path), posixpath.basename(path))
                if entry and entry['type'] == 'file':
                    found.append((path, fmt))
                    seen.add(path.lower())
    return found


def entry_arch(config_path, kernel, known=()):
    """The architecture a boot entry starts: from its kernel path, else from its menu's path inside
    ``boot/<arch>/``, else the only one in ``known``; ``None`` when it cannot be told."""
    if kernel:
        plain = re.sub(r'^\([^)]*\)', '', kernel)
        match = _KERNEL_ARCH.search(plain)
        if match:
            return match.group('arch')
    match = _PATH_ARCH.match(config_path or '')
    if match:
        return match.group('arch')
    known = list(known)
    return known[0] if len(known) == 1 else None
