#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: usb_write_iso
short_description: Write a SystemRescue ISO onto a USB stick or disk image as a FAT medium that takes SRMs
version_added: 0.1.0
description:
  - Writes a SystemRescue ISO the way SystemRescue's USB writer does. The device gets an MBR with one bootable FAT32
    partition (type C(c), starting at sector 2048) labelled with the ISO's volume id (such as C(RESCUE1200), which
    the boot menus wait for), the ISO's files, syslinux installed in C(sysresccd/boot/syslinux) and syslinux's MBR
    boot code. Unlike a stick written with C(dd), such a medium can take SRMs and YAML configuration.
  - Nothing is mounted. The ISO is read with xorriso, the filesystem is made with C(mkfs.vfat --offset) and filled with
    mtools, and syslinux is installed with C(--offset). This works in containers and execution environments.
  - A marker file C(.rescuefleet-iso.json) at the root of the filesystem records the sha256 of the ISO. When the
    medium holds the layout above, the ISO's label and a marker of the same ISO, nothing is written.
  - Before anything is written, refuses a block device that is a partition, is mounted (or one of its partitions
    is), is used as swap or held by device mapper, RAID or LVM, is open exclusively by another program, is
    read-only, or is not removable (unless O(allow_fixed=true)); an image file attached to a loop device or not
    writable; and a device too small for the ISO plus O(min_free). The message says why.
  - Writing replaces everything on the device, including SRMs and YAML files written earlier; deploy them again
    afterwards (the C(usb_media) role does).
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
attributes:
  check_mode:
    support: full
    details:
      - Runs every check and reports whether the ISO would be written and why, without writing.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  device:
    description:
      - The whole block device of a USB stick (such as V(/dev/sdb), not a partition) or a disk image file.
      - An image file that does not exist is created with O(image_size).
    type: path
    required: true
  iso:
    description: The SystemRescue ISO, on the host that runs the module.
    type: path
    required: true
  iso_sha256:
    description:
      - SHA-256 of O(iso), when known (for example from the published checksum file); saves reading the ISO to hash it.
      - It is trusted as given.
    type: str
  image_size:
    description:
      - Size of the image file to create when O(device) does not exist, in bytes or with a K, M, G or T suffix
        (powers of 1024), such as V(256M) or V(4G).
      - An existing image smaller than this fails.
    type: str
  min_free:
    description: Room to leave on the FAT filesystem for SRMs and configuration; a smaller device is refused as too small.
    type: str
    default: 64M
  allow_fixed:
    description:
      - Write a block device whose kernel reports it as not removable (C(/sys/block/<dev>/removable) is 0), such as
        a USB disk enclosure. Without this, such devices are refused, because internal disks look the same.
    type: bool
    default: false
  force:
    description: Write the ISO even when the medium already holds it.
    type: bool
    default: false
  mbr:
    description:
      - The syslinux MBR boot code file (C(mbr.bin)). By default the usual places of the syslinux packages are searched.
    type: path
  workdir:
    description: Directory for the temporary copy of the ISO's files; the system's temporary directory by default.
    type: path
requirements:
  - On the host that runs the module, xorriso, mtools, dosfstools (mkfs.vfat), sfdisk (util-linux / fdisk), blkid,
    syslinux and its MBR code (syslinux-common on Debian).
notes:
  - Writing a block device needs root (run the task with become).
  - An image file attached to a loop device is refused; the loop device is found by the file itself, also when it
    was attached through another path (a hard link, a bind mount).
  - The ISO is extracted and checked before the device is touched; an ISO that holds symlinks (FAT cannot store
    them, and copying one would copy the file it points at on this host), special files, names outside printable
    ASCII or with characters FAT refuses, names that differ only in case, or more data than the partition holds
    is refused with a message naming the files, and nothing is written. Check mode does not extract the ISO, so
    it does not predict these refusals.
  - syslinux is installed from the host's syslinux package; the ISO's other syslinux modules (menus) stay as the ISO
    has them. Use a syslinux of the same major version (6.x) as SystemRescue's.
  - Refuses, before the first destructive write, a device that is mounted (or has a mounted partition), used by a
    loop device or as swap, read-only, smaller than the ISO plus O(min_free), or not removable unless
    O(allow_fixed).
  - Refuses, in check mode too (from the ISO's listing), an ISO holding symlinks (copying one would copy a file of
    this host), special files, names FAT cannot hold or names that differ only in case, or more than the partition
    holds.
  - Refuses, in check mode too, a run without the tools it needs (xorriso, sfdisk, mkfs.vfat, mtools, syslinux), a
    O(workdir) without room for the extracted ISO, and an ISO whose volume id cannot be a FAT label.
seealso:
  - name: Installing SystemRescue on a USB memory stick
    description: SystemRescue's own USB writer and the layout it makes.
    link: https://www.system-rescue.org/Installing-SystemRescue-on-a-USB-memory-stick/
  - module: rescuefleet.media.srm_deploy
'''

EXAMPLES = r'''
- name: Write SystemRescue onto a USB stick, then put the fleet's modules on it
  rescuefleet.media.usb_write_iso:
    device: /dev/sdb
    iso: /srv/iso/systemrescue-12.00-amd64.iso
  become: true

- name: Make a 4 GiB disk image of the stick (for a VM or for dd later)
  rescuefleet.media.usb_write_iso:
    device: /srv/images/rescue.img
    iso: /srv/iso/systemrescue-12.00-amd64.iso
    image_size: 4G

- name: A USB disk enclosure reports itself as fixed
  rescuefleet.media.usb_write_iso:
    device: /dev/disk/by-id/usb-ACME_Rescue_Disk_0001-0:0
    iso: /srv/iso/systemrescue-12.00-amd64.iso
    allow_fixed: true
  become: true
'''

RETURN = r'''
device:
  description: The device or image written.
  returned: always
  type: str
  sample: /dev/sdb
kind:
  description: V(block) for a block device, V(image) for an image file.
  returned: always
  type: str
  sample: block
size:
  description: Size of the device in bytes.
  returned: always
  type: int
  sample: 8015314944
volume_id:
  description: The ISO's volume id, which is the label of the FAT filesystem.
  returned: always
  type: str
  sample: RESCUE1200
iso_sha256:
  description: SHA-256 of the ISO.
  returned: always
  type: str
  sample: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
partition:
  description: The FAT partition (number, start and size in bytes).
  returned: always
  type: dict
  sample: {number: 1, start: 1048576, size: 8014266368}
written:
  description: Whether the ISO was written in this run (false in check mode).
  returned: always
  type: bool
reason:
  description: Why the ISO was (or would be) written, or why it was not.
  returned: always
  type: str
  sample: the medium has no MBR partition table
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.usb_write_iso import UsbWriter


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type='path', required=True),
            iso=dict(type='path', required=True),
            iso_sha256=dict(type='str'),
            image_size=dict(type='str'),
            min_free=dict(type='str', default='64M'),
            allow_fixed=dict(type='bool', default=False),
            force=dict(type='bool', default=False),
            mbr=dict(type='path'),
            workdir=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    run_task(module, UsbWriter(module.params, check_mode=module.check_mode))


if __name__ == '__main__':
    main()
