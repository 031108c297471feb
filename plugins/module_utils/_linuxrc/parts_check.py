# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What must hold before ``extend`` lists name a part, and what to tell the user about it.

- A part that is not optional must be in ``boot/<arch>/`` of every architecture whose entries name it:
  linuxrc rejects a medium that lacks one (its repository check fails, the installation cannot start).
- A part that is there must be in a format linuxrc loads (:mod:`.formats`): one it cannot load stops
  the boot even when it is optional.
- A part that holds ``.init``: linuxrc runs ``.init`` only for the shell command ``extend NAME``
  (``auto2_add_extension`` in ``auto2.c``, reached through SIGUSR1); parts loaded at boot are only
  linked into ``/`` (``add_instsys`` in ``install.c`` runs ``util_lndir`` and no script), so the
  script will not run, and nothing else in linuxrc runs code from a part at boot.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import formats
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import layout as layouts
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import parse_wanted
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import (
    LinuxrcError, check_arch, part_name_problem)


def wanted_items(parts):
    """The :class:`~.extend.Wanted` parts of the ``parts`` option, each name checked."""
    items = []
    for spec in parts or []:
        item = parse_wanted(str(spec))
        problem = part_name_problem(item.name)
        if problem:
            raise LinuxrcError('parts: %r %s' % (spec, problem))
        items.append(item)
    if not items:
        raise LinuxrcError('parts is empty; name the parts to turn on or off, such as [fleet-tools, ?extras]')
    return items


def chosen_arch(arch, found):
    """``arch`` checked against the installer directories ``found`` (:func:`.layout.arch_layouts`);
    ``None`` (every architecture the menus boot) stays ``None``."""
    if arch is None:
        return None
    check_arch(arch)
    if arch not in [layout['arch'] for layout in found]:
        raise LinuxrcError('boot/%s/ is not an installer directory on the medium (found: %s); check arch, or leave it '
                           'out to edit the entries of every architecture' % (
                               arch, ', '.join('boot/%s/' % l['arch'] for l in found) or 'none'))
    return arch


def menus_of(medium, found, arch):
    """The menus to edit: all of them, or with ``arch`` those not inside another ``boot/<arch>/``."""
    menus = layouts.menus(medium, found)
    if arch is None:
        return menus
    others = ['boot/%s/' % l['arch'].lower() for l in found if l['arch'] != arch]
    return [(path, fmt) for path, fmt in menus if not any(path.lower().startswith(o) for o in others)]


def entry_arches(plans, found, arch):
    """``{(menu path, entry index): architecture}`` of the selected entries of ``plans`` that start a
    kernel of ``arch`` (every architecture when ``None``)."""
    known = [layout['arch'] for layout in found]
    edited = {}
    for plan in plans:
        for index, entry in enumerate(plan.entries):
            entry_arch = layouts.entry_arch(plan.path, entry['kernel'], known)
            if arch is None or entry_arch == arch:
                edited[(plan.path, index)] = entry_arch
    return edited


def _basedir(found, arch):
    for layout in found:
        if layout['arch'] == arch:
            return layout['basedir']
    return None


def check_entries(medium, plans, edited, found, items):
    """Refuse (before anything is written) a missing required part or a part linuxrc cannot load."""
    by_arch = {}
    for (path, index), arch in edited.items():
        by_arch.setdefault(arch, []).append('%s, entry %r' % (path, _title(plans, path, index)))
    for arch, where in sorted(by_arch.items(), key=lambda kv: str(kv[0])):
        basedir = _basedir(found, arch)
        if basedir is None:
            raise LinuxrcError('cannot tell from which boot/<arch>/ %s load%s parts (the kernel path names no '
                               'architecture the medium has); give arch; nothing was changed'
                               % (', '.join(where), 's' if len(where) == 1 else ''))
        missing = []
        for item in items:
            entry = layouts.lookup(medium, posixpath.join(basedir, item.name))
            if entry is None:
                if not item.optional:
                    missing.append(item.name)
                continue
            fmt = formats.detect_on_medium(medium, posixpath.join(basedir, item.name), entry)
            if not fmt.loadable:
                raise LinuxrcError('%s/%s is %s. linuxrc stops the boot at a part it cannot load, even an optional '
                                   'one; nothing was changed' % (basedir, item.name, fmt.problem))
        if missing:
            raise LinuxrcError('%s not on the medium in %s/; deploy %s first (rescuefleet.media.linuxrc_parts) or mark '
                               '%s optional with a leading ? (such as ?%s): linuxrc rejects a medium that lacks a '
                               'required part; nothing was changed'
                               % (', '.join(missing), basedir, 'them' if len(missing) > 1 else 'it',
                                  'them' if len(missing) > 1 else 'it', missing[0]))


def _title(plans, path, index):
    for plan in plans:
        if plan.path == path:
            entry = plan.entries[index]
            return entry['title'] or entry['label']
    return None


def init_warnings(medium, edited, found, items):
    """Warnings for wanted parts that hold ``.init``, which linuxrc will not run at boot."""
    warnings = []
    seen = set()
    for arch in sorted({a for a in edited.values() if a}):
        basedir = _basedir(found, arch)
        for item in items:
            path = posixpath.join(basedir, item.name)
            entry = layouts.lookup(medium, path)
            if entry is None or path in seen:
                continue
            seen.add(path)
            if _holds_init(medium, path, entry):
                warnings.append(
                    '%s holds .init, which linuxrc will not run: parts loaded at boot through extend= are only linked '
                    'into /, and linuxrc runs a part\'s .init only for the shell command "extend %s" typed in the '
                    'running installer. No linuxrc mechanism runs code from a part at boot; drop init from the part '
                    'or run "extend %s" by hand' % (path, item.name, item.name))
    return warnings


def _holds_init(medium, path, entry):
    local = medium.local_path(path)
    if local is not None:
        return formats.holds_init(local, formats.detect_path(local))
    if entry['type'] != 'file':
        return None
    scratch = tempfile.mkdtemp(prefix='rescuefleet-part-')
    try:
        copy = os.path.join(scratch, 'part')
        medium.copy_out(path, copy)
        return formats.holds_init(copy, formats.detect_path(copy))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def no_entry_message(plans, kernels, titles, arch):
    where = ', '.join(p.path for p in plans) or 'no boot menu'
    return ('no boot entry in %s starts linuxrc\'s kernel%s (kernel patterns %s%s), so no extend= list was edited; '
            'nothing was changed. SUSE media boot boot/<arch>/loader/linux (x86_64) or boot/<arch>/linux (other '
            'architectures); give files and kernel to name the menus and entries'
            % (where, ' for %s' % arch if arch else '', list(kernels), ', titles %s' % titles if titles else ''))
