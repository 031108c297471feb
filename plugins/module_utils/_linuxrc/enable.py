# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the ``linuxrc_extend`` module edits: the linuxrc boot configs of a medium and the parts they name.

The boot configs are found, read, edited and checked by ``_bootcfg`` (:mod:`.._bootcfg.configs`); the
edit of each entry is the list merge of :mod:`.extend`, so an existing ``extend=a`` becomes
``extend=a,b`` instead of gaining a second ``extend=``. Besides the usual places,
``boot/<arch>/loader/isolinux.cfg`` of a SUSE medium is edited. The run object is
``_tasks/linuxrc_extend.py``; it keeps the ``CHECKSUMS`` entries of the edited files correct in two
steps (:mod:`.checksums`).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.discovery import discover
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import parse_item
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import (
    LinuxrcError, part_name_problem, parts_dir)

# The kernel of a SUSE installation medium: boot/<arch>/loader/linux (isolinux names it "linux").
LINUXRC_KERNELS = ('linux', '*/loader/linux')


def linuxrc_configs(medium, arch):
    """``[(path, format)]``: the configs bootcfg discovery finds, plus the isolinux menu of ``boot/<arch>/loader/``
    (discovery finds it too; it is named here so that it is edited whatever discovery's bounds, and once)."""
    loader = posixpath.join(parts_dir(arch), 'loader')
    menus = [(posixpath.join(loader, entry['name']), 'syslinux') for entry in medium.list_dir(loader)
             if entry['type'] == 'file' and entry['name'].lower() == 'isolinux.cfg']
    return discover(medium, also=menus)


def wanted_items(parts):
    items = []
    for spec in parts or []:
        item = parse_item(str(spec))
        problem = part_name_problem(item.name)
        if problem:
            raise LinuxrcError('parts: %r %s' % (spec, problem))
        items.append(item)
    if not items:
        raise LinuxrcError('parts is empty; name the parts to turn on or off, such as [fleet-tools, ?extras]')
    return items


def check_parts_present(medium, basedir, items):
    """A part that is not optional must be on the medium: linuxrc stops with an error when it is missing."""
    present = {e['name'] for e in medium.list_dir(basedir) if e['type'] == 'file'}
    missing = [item.name for item in items if not item.optional and item.name not in present]
    if missing:
        raise LinuxrcError('%s not on the medium in %s/; deploy %s first (rescuefleet.media.linuxrc_parts) or mark '
                           '%s optional with a leading ? (such as ?%s); nothing was changed'
                           % (', '.join(missing), basedir, 'them' if len(missing) > 1 else 'it',
                              'them' if len(missing) > 1 else 'it', missing[0]))
