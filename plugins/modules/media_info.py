#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: media_info
short_description: Read-only facts about SystemRescue media, disk images and PXE trees
version_added: 0.1.0
description:
  - Reports what a SystemRescue medium or PXE tree holds and what it will do at boot, without changing anything,
    in check mode or not.
  - The filesystem (kind, type, partition table and partition, size, free space) and its label, with the
    C(archisolabel=) the boot menus wait for and whether the two agree (a stick whose label differs does not boot).
  - The SRMs in O(basedir), in the order SystemRescue loads them (byte order of the names; only C(*.srm) in lower
    case, directly in O(basedir)), with size and sha256. With O(conflicts=true), the paths that several modules
    hold and the module that wins for each (the first in load order).
  - Every boot entry that boots a Linux kernel, from the GRUB, syslinux family, iPXE and systemd-boot configs found
    anywhere on the medium (as M(rescuefleet.media.bootcfg_loadsrm) finds them), with title, kernel and arguments.
  - The YAML files of C(sysrescue.d/) that SystemRescue applies, the ones it ignores with the reason, and the
    effective configuration.
  - Per SystemRescue boot entry, whether the SRMs will be early-loaded. That is C(global.loadsrm) after merging the
    YAML files, the C(sysrescuecfg=) sources of the entry that can be read on the medium and the entry's command line
    (plus O(cmdline)); a bare C(loadsrm) means yes and the last occurrence wins. An entry that boots over HTTP PXE
    (C(archiso_http_srv=)) reads no C(sysrescue.d/) and loads no SRMs of the medium.
  - "A C(sysrescuecfg=) source is read on the medium when it is a name relative to C(sysrescue.d/), an absolute path
    under C(/run/archiso/bootmnt/) (where SystemRescue's reader sees the medium), or a URL under the entry's
    C(archiso_http_srv=) URL (a file of the PXE HTTP tree that URL serves, such as the per-host YAML of
    M(rescuefleet.media.pxe_hosts)); other URLs and paths of the initramfs give a warning."
  - "The YAML files are those SystemRescue's reader takes, by its own rule: regular files of C(sysrescue.d/) whose name
    ends in one character and C(yaml) in any case (C(500-fleet.YAML), C(300-fleetyaml)); a file whose top level is a
    list is merged like a mapping (its keys are 1, 2, ...), as the reader's Lua tables are."
  - Waits for a writing module running on the same medium (through its advisory lock), but writes nothing, not even
    a lock file, and removes no temporary files left by interrupted runs; it reports them as warnings.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
  - rescuefleet.media.attributes.info_module
  - rescuefleet.media.media
options:
  media:
    required: true
  basedir:
    description: Directory on the medium that SystemRescue reads modules from (its C(archisobasedir)).
    type: str
    default: sysresccd
  verify:
    description:
      - V(fast) takes the sha256 of a module from the index that M(rescuefleet.media.srm_deploy) keeps beside the
        modules when the size recorded there still matches; other modules are read and hashed.
      - V(full) reads and hashes every module.
    type: str
    choices: [fast, full]
    default: fast
  conflicts:
    description:
      - List the paths that more than one module holds (directories, which overlayfs merges, do not count) and the
        module that wins for each.
      - Needs C(unsquashfs). A module on a disk image is first copied to a temporary local file.
    type: bool
    default: false
  cmdline:
    description:
      - Extra kernel arguments added after the arguments of every boot entry, such as those a PXE server appends,
        for RV(boot_entries), RV(loadsrm) and RV(effective).
      - Its C(sysrescuecfg=) sources are merged when they name a file of the medium (see the description); other
        URLs and paths of the initramfs cannot be read here and give a warning.
    type: str
    default: ''
requirements:
  - mtools, sfdisk (util-linux) and blkid on the managed host for O(media.image).
  - unsquashfs (squashfs-tools) for O(conflicts=true).
  - PyYAML on the managed host.
notes:
  - ISO9660 media are not read through mtools, so O(media.image) with an ISO image fails with advice. Mount the ISO
    read-only and give O(media.path); a mounted ISO is reported like any directory, with C(fstype) V(iso9660) in RV(medium).
  - Values of C(rootpass), C(vncpass) and C(rootcryptpass) are replaced by C(********) in RV(effective) and in the
    arguments of RV(boot_entries).
  - Refuses (it reads only) a O(media.image) that is neither a regular file nor a block device (a FIFO would block
    the run), an image without the partition or label asked for, and a O(media.path) that is not a directory.
  - Refuses a path on a directory medium that leads out of it through a symlink, and special files where it reads a
    file.
seealso:
  - module: rescuefleet.media.srm_deploy
  - module: rescuefleet.media.bootcfg_loadsrm
  - module: rescuefleet.media.sysrescue_config
'''

EXAMPLES = r'''
- name: Read the facts of a USB stick image
  rescuefleet.media.media_info:
    media:
      image: /var/lib/rescue/stick.img
  register: stick

- name: Fail when a boot entry of the stick would not load the SRMs
  ansible.builtin.assert:
    that:
      - stick.label.label_ok
      - stick.loadsrm | rejectattr('early_load') | list | length == 0

- name: Check which module wins where modules overlap, hashing every module
  rescuefleet.media.media_info:
    media:
      path: /run/media/rescue
    conflicts: true
    verify: full
  register: mounted

- name: A PXE tree served over NFS, with the arguments the PXE server adds
  rescuefleet.media.media_info:
    media:
      path: /srv/pxe/sysrescue
    cmdline: ip=dhcp
'''

RETURN = r'''
medium:
  description:
    - Facts about the filesystem. O(media.image) gives C(image), C(partition), C(table) (V(dos) or V(gpt), null
      without a partition table), C(offset), C(uuid) and C(version); O(media.path) gives C(path) and C(device).
    - C(writable) says whether a writing module could change the medium; this module never does.
  returned: always
  type: dict
  sample: {kind: fat-image, fstype: vfat, label: RESCUE1200, table: dos, partition: 1, size: 1073741824,
           free: 1000000000, cluster_size: 4096, writable: true}
label:
  description: The filesystem label and the C(archisolabel=) that the boot menus expect.
  returned: always
  type: dict
  contains:
    label:
      description: The filesystem label, null when it cannot be read (a directory that is not a mount point).
      type: str
      returned: always
    expected:
      description: The C(archisolabel=) of the menus, null when the menus name none or disagree.
      type: str
      returned: always
    expected_in:
      description: Each C(archisolabel=) value found and the menu files that name it.
      type: dict
      returned: always
    label_ok:
      description: Whether the label equals the expected one; null when there was nothing to compare.
      type: bool
      returned: always
    message:
      description: The outcome of the comparison in words.
      type: str
      returned: always
  sample: {label: RESCUE1200, expected: RESCUE1200, expected_in: {RESCUE1200: [boot/grub/grubsrcd.cfg]},
           label_ok: true, message: filesystem label RESCUE1200 matches}
srms:
  description: The SRMs in O(basedir) in the order SystemRescue loads them.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: File name.
      type: str
      returned: always
    size:
      description: Size in bytes.
      type: int
      returned: always
    sha256:
      description: SHA-256 of the file.
      type: str
      returned: always
    sha256_from:
      description: V(index) when taken from the index of srm_deploy, V(computed) when the file was hashed.
      type: str
      returned: always
    paths:
      description: Number of paths the module holds.
      type: int
      returned: when O(conflicts=true) and the module can be read
  sample: [{name: 10-tools.srm, size: 4096, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae,
            sha256_from: index}]
conflicts:
  description: Paths held by more than one module, with the modules in load order and the one that wins.
  returned: when O(conflicts=true)
  type: list
  elements: dict
  sample: [{path: /etc/motd, srms: [10-tools.srm, 20-site.srm], winner: 10-tools.srm}]
boot_entries:
  description: Every boot entry that boots a Linux kernel, per config file in the order they are found.
  returned: always
  type: list
  elements: dict
  contains:
    file:
      description: The config file, relative to the root of the medium.
      type: str
      returned: always
    format:
      description: V(grub), V(syslinux), V(ipxe), V(bls) or V(cmdline).
      type: str
      returned: always
    title:
      description: Menu title (or label).
      type: str
      returned: always
    label:
      description: The syslinux C(LABEL) or iPXE label, null for other formats.
      type: str
      returned: always
    menu_path:
      description: Titles of enclosing GRUB submenus and the entry joined with C(>).
      type: str
      returned: always
    kernel:
      description: The kernel path as written.
      type: str
      returned: always
    args:
      description:
        - The arguments as the boot loader passes them (quotes removed; boot loader variables such as
          C($archiso_param) as written). Password values are masked. O(cmdline) is not included.
      type: str
      returned: always
    sysrescue:
      description: Whether the entry boots a C(vmlinuz) kernel; the remaining keys are null when it does not.
      type: bool
      returned: always
    boot:
      description: V(medium), V(http_pxe), V(nfs_pxe) or V(nbd_pxe), from the arguments.
      type: str
      returned: always
    archisobasedir:
      description: The C(archisobasedir=) of the entry.
      type: str
      returned: always
    loadsrm:
      description: The effective C(global.loadsrm), as SystemRescue reads it.
      type: bool
      returned: always
    loadsrm_from:
      description: The YAML file, or V(kernel command line), that set C(loadsrm) last; null when nothing set it.
      type: str
      returned: always
    early_load:
      description: Whether SystemRescue will early-load the SRMs of the medium when booted from this entry.
      type: bool
      returned: always
    reason:
      description: Why the SRMs load or not.
      type: str
      returned: when RV(boot_entries[].sysrescue) is true
  sample: [{file: boot/grub/grubsrcd.cfg, format: grub, title: Boot SystemRescue using default options, label: null,
            menu_path: Boot SystemRescue using default options, kernel: /sysresccd/boot/x86_64/vmlinuz,
            args: archisobasedir=sysresccd $archiso_param iomem=relaxed loadsrm, sysrescue: true, boot: medium,
            archisobasedir: sysresccd, loadsrm: true, loadsrm_from: kernel command line, early_load: true,
            reason: loadsrm is true on the kernel command line}]
loadsrm:
  description: Per SystemRescue boot entry, whether the SRMs will be early-loaded and why.
  returned: always
  type: list
  elements: dict
  sample: [{file: sysresccd/boot/syslinux/sysresccd_sys.cfg, title: Boot SystemRescue using default options,
            label: sysresccd, early_load: true, reason: loadsrm is true in 500-fleet.yaml}]
yaml:
  description: The YAML files of C(sysrescue.d/).
  returned: always
  type: dict
  contains:
    directory:
      description: V(sysrescue.d).
      type: str
      returned: always
    applied:
      description: The files SystemRescue applies, in its order.
      type: list
      elements: str
      returned: always
    sources:
      description: Everything merged into RV(effective) in order, including C(sysrescuecfg=) sources of O(cmdline)
        and V(kernel command line) when O(cmdline) overrides a setting.
      type: list
      elements: str
      returned: always
    not_applied:
      description: Files that SystemRescue ignores or skips (C(.yml) files, files that do not parse), with the reason.
      type: list
      elements: dict
      returned: always
  sample: {directory: sysrescue.d, applied: [100-defaults.yaml, 500-fleet.yaml],
           sources: [100-defaults.yaml, 500-fleet.yaml], not_applied: [{name: 300-x.yml, reason: "..."}]}
effective:
  description:
    - The JSON SystemRescue's reader writes for the YAML files, with the overrides of O(cmdline) (the command
      lines of the boot entries are not included; see RV(boot_entries)), value for value (numbers are floats,
      tables with small integer keys are lists, an empty table is V([])). Password values are masked.
  returned: when RV(config_error) is null
  type: dict
  sample: {global: {copytoram: false, checksum: false, loadsrm: true}}
config_error:
  description:
    - Why SystemRescue's reader would write no configuration at all (a plain V(~), a boolean mapping key, a bare
      C(sysrescuecfg)), naming the file; V(null) when it reads the configuration.
  returned: always
  type: str
  sample: "500-x.yaml has the mapping key true (a plain yes/no/true/false is a boolean), which makes SystemRescue fail"
linuxrc:
  description:
    - The linuxrc side of a SUSE installation medium, present when the medium has a C(boot/<arch>/) that holds an
      installer (a kernel at C(loader/linux) or C(linux), an initrd, an inst-sys C(config) or parts).
    - C(arches) lists per architecture its C(layout) (V(loader) - kernel and initrd in C(boot/<arch>/loader/), as on
      x86_64 - or V(flat) - in C(boot/<arch>/), as on aarch64, ppc64le, s390x, riscv64), the C(kernel) and C(initrd)
      paths, the parsed C(config), and the files in C(boot/<arch>/) (name, path, type, size, whether this collection
      manages it with its sha256, the C(config) lines naming it, whether the digest list lists it) with the C(format)
      linuxrc sees in their content, C(compression), whether it is C(loadable) as a part, C(how) (V(mount), V(unpack),
      V(bind)) and, for one it cannot load, the C(problem).
    - C(menu_arches) lists the architectures the linuxrc boot entries start, read from their kernel paths.
    - C(boot_entries) lists every boot entry that starts a linuxrc kernel with its C(arch) and its C(extend) list as
      linuxrc computes it (option keys matched ignoring case and C(-_.); C(+) appends, C(-) removes, anything else
      replaces; empty items kept), each item with the part C(name) it loads, whether it is C(optional), its C(query)
      suffix, its C(path), whether it is C(present) and C(loadable); C(missing) (parts that are not optional and not
      on the medium - linuxrc rejects such a medium; each also gives a warning), C(missing_optional), and
      C(unloadable) (present parts linuxrc cannot load, which stop the boot even when optional; also warned about).
    - C(checksums) names the digest list linuxrc reads - C(content) (its C(HASH) lines) when the medium has
      C(/content), else C(CHECKSUMS) - and whether it is there and signed.
  returned: when the medium has a boot/<arch>/ installer directory
  type: dict
  version_added: 0.1.0
  sample:
    arches: [{arch: x86_64, basedir: boot/x86_64, layout: loader, kernel: boot/x86_64/loader/linux,
              initrd: boot/x86_64/loader/initrd, config: {root: [common, root]},
              parts: [{name: fleet-tools, path: boot/x86_64/fleet-tools, type: file, size: 4096, managed: true,
                       sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae,
                       in_config: [], in_checksums: true, format: squashfs, compression: null, loadable: true,
                       how: mount, problem: null}]}]
    menu_arches: [x86_64]
    boot_entries: [{file: EFI/BOOT/grub.cfg, title: Installation, kernel: /boot/x86_64/loader/linux, arch: x86_64,
                    extend: [{item: fleet-tools, name: fleet-tools, optional: false, query: '',
                              path: boot/x86_64/fleet-tools, present: true, loadable: true, problem: null}],
                    missing: [], missing_optional: [], unloadable: []}]
    checksums: {file: CHECKSUMS, present: true, signed: true, signature: CHECKSUMS.asc}
    problems: []
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import media_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.media_info import MediaInfo


def main():
    module = AnsibleModule(
        argument_spec=dict(
            media=media_argument_spec(),
            basedir=dict(type='str', default='sysresccd'),
            verify=dict(type='str', default='fast', choices=['fast', 'full']),
            conflicts=dict(type='bool', default=False),
            cmdline=dict(type='str', default=''),
        ),
        supports_check_mode=True,
    )
    run_task(module, MediaInfo(module.params, tmpdir=module.tmpdir,
                               unsquashfs=module.get_bin_path('unsquashfs') if module.params['conflicts'] else None))


if __name__ == '__main__':
    main()
