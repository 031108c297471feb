# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The boot entries of a config: one reader per format, and the entries a task selects by kernel and title.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import fnmatch
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import bls
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import grub
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import ipxe
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import syslinux
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError

FORMATS = ('grub', 'syslinux', 'ipxe', 'bls', 'cmdline')
DEFAULT_KERNELS = ('vmlinuz*', '*/vmlinuz*')

READERS = {
    'grub': grub.read,
    'syslinux': syslinux.read,
    'ipxe': ipxe.read,
    'bls': bls.read_bls,
    'cmdline': bls.read_cmdline,
}


def read_entries(fmt, text):
    if fmt not in READERS:
        raise BootCfgError('unknown boot config format %r; use one of %s' % (fmt, ', '.join(FORMATS)))
    return READERS[fmt](text)


def _kernel_matches(kernel, patterns):
    if kernel is None:
        return True
    candidates = [kernel, re.sub(r'^\([^)]*\)', '', kernel)]
    return any(fnmatch.fnmatchcase(c, p) for c in candidates for p in patterns)


def _title_matches(entry, patterns):
    if not patterns:
        return True
    names = [n for n in (entry.title, entry.label, entry.path) if n]
    return any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns)


def select(entries, kernels=DEFAULT_KERNELS, titles=None):
    """The entries that boot a matching Linux kernel and carry a matching title or label."""
    return [e for e in entries if e.linux and _kernel_matches(e.kernel, kernels) and _title_matches(e, titles)]


def describe_entry(entry, name):
    return entry.title or entry.label or name
