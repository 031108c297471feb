# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:

    # The media options shared by every module that reads or writes a boot filesystem.
    DOCUMENTATION = r'''
options:
  media:
    description:
      - The boot filesystem to work on. Give either O(media.path) or O(media.image).
    type: dict
    suboptions:
      path:
        description:
          - Root of a mounted filesystem (a mounted USB stick) or of a directory tree (a PXE, NFS or HTTP tree).
        type: path
      image:
        description:
          - A disk image file or a block device holding a FAT filesystem, reached through mtools without
            mounting, so that it works in containers and execution environments where FAT cannot be mounted.
          - With a partition table (MBR or GPT), choose the partition with O(media.partition) or O(media.label);
            without either, the only FAT partition is used. A FAT filesystem without a partition table is used
            as it is.
          - ISO9660 media (a stick written with C(dd) from the ISO) are refused, because files cannot be added
            to them.
        type: path
      partition:
        description: Number of the partition (1 for the first) when O(media.image) has a partition table.
        type: int
      label:
        description: Filesystem label of the partition to use when O(media.image) has a partition table.
        type: str
attributes:
  action_group:
    description: Use C(group/rescuefleet.media.media) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - rescuefleet.media.media
'''
