# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Names and words of SystemRescue's layout, one home for each (see docs/systemrescue.md sections 1-3b).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

# The archisobasedir of every stock menu entry: SRMs, kernel and airootfs live under it.
BASEDIR = 'sysresccd'
# YAML configuration directory at the root of the medium (not under BASEDIR).
CONFIG_DIR = 'sysrescue.d'
# Where the initramfs and the live system see the medium (the YAML reader runs with it mounted there).
BOOTMNT = '/run/archiso/bootmnt'
# Where the live system sees the medium's BASEDIR (gone with copytoram).
BOOTMNT_SYSRESCCD = '%s/%s/' % (BOOTMNT, BASEDIR)

# What the initramfs hook takes as "on" for global.loadsrm (the JSON value as text, lower case), and
# what SystemRescue's scripts take as true elsewhere. The one list of truth words of the collection.
TRUE_WORDS = ('y', 'yes', 't', 'true', 'on', '1', '1.0')
# Not special to SystemRescue (every other value is false), but the words an operator means as false.
FALSE_WORDS = ('n', 'no', 'f', 'false', 'off', '0', '0.0')

# The kernel argument that names BASEDIR for the initramfs.
BASEDIR_ARG = 'archisobasedir'
# The kernel argument that makes a PXE boot fetch only airootfs.sfs over HTTP (no sysrescue.d, no SRMs).
HTTP_PXE_ARG = 'archiso_http_srv'
# The other PXE boots of the initramfs, over an NFS export or NBD of the ISO (they read the medium as usual).
NFS_PXE_ARG = 'archiso_nfs_srv'
NBD_PXE_ARG = 'archiso_nbd_srv'
# The kernel argument that names extra YAML sources.
SYSRESCUECFG_ARG = 'sysrescuecfg'
