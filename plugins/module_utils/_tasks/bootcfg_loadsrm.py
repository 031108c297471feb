# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the bootcfg_loadsrm module: kernel arguments on or off in the boot configs of a medium.

The options become one edit (:func:`build_changes`); :class:`~.._bootcfg.configs.ConfigsEdit` plans it
for every config and checks the GRUB results; only then are files written (each one atomically, after
its backup). A failure therefore leaves the medium byte-identical.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath
import time

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.configs import ConfigsEdit, open_configs
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.discovery import discover
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError, encode
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import DEFAULT_KERNELS
from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import KernelArgsError, check_key
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import HTTP_PXE_ARG
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import is_true
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import SECRET_KEYS, secret_values
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


def build_changes(state, args):
    """The ordered ``{key: True | str | None}`` edit for ``state`` (of ``loadsrm``) and ``args``,
    and the ``present`` predicates."""
    changes = {}
    present = {}
    args = args or {}
    if 'loadsrm' in args and state != 'keep':
        raise BootCfgError('loadsrm is set with state (present or absent); remove it from args, or set state to keep')
    if state == 'present':
        changes['loadsrm'] = True
        present['loadsrm'] = is_true
    elif state == 'absent':
        changes['loadsrm'] = None
    for key, value in args.items():
        try:
            check_key(key)
        except KernelArgsError as exc:
            raise BootCfgError('args: %s' % exc)
        if value is True:
            changes[key] = True
        elif value is False or value is None:
            changes[key] = None
        elif isinstance(value, (str, int, float)):
            changes[key] = str(value)
        else:
            raise BootCfgError('args: the value of %s must be a string, true (a bare flag) or false/null (remove it), '
                               'not %s' % (key, type(value).__name__))
    return changes, present


def backup_name(path, exists, now=None):
    """A FAT-safe backup name (no ``:``) beside ``path`` that does not exist yet."""
    stamp = time.strftime('%Y%m%dT%H%M%S', time.localtime(now))
    candidate = '%s.%s.bak' % (path, stamp)
    number = 1
    while exists(candidate):
        number += 1
        candidate = '%s.%s-%d.bak' % (path, stamp, number)
    return candidate


class LoadsrmPlan(Plan):
    """The planned edit of each boot config (:class:`~.._bootcfg.edit.FilePlan`)."""

    def __init__(self, files):
        super().__init__([p for p in files if p.changed])
        self.files = files

    def public(self):
        return {'files': [p.result() for p in self.files], 'backups': []}

    def diff(self):
        return [p.diff() for p in self.actions]


def http_pxe_warnings(files):
    """Entries that boot over HTTP PXE, where loadsrm does nothing, among those this run adds it to."""
    warnings = []
    for item in files:
        for entry in item.entries:
            # only where this run adds it: on a stick, the menu's HTTP PXE entries are none of its business
            if '%s=' % HTTP_PXE_ARG in entry['after'] and entry['after'] != entry['before']:
                warnings.append('%s, entry %r boots over HTTP PXE (%s=), where SystemRescue loads no early SRMs: '
                                'loadsrm has no effect there; give global.late_load_srm in a YAML passed with '
                                'sysrescuecfg=' % (item.path, entry['title'] or entry['label'], HTTP_PXE_ARG))
    return warnings


class LoadsrmRun(Task):
    """``params`` are the module options; ``grub_check`` is the path of grub-script-check or None."""

    def __init__(self, params, check_mode=False, want_diff=False, grub_check=None):
        super().__init__(params, check_mode, want_diff)
        self.grub_check = grub_check if params.get('validate_grub', True) else None
        # passwords given as kernel arguments (rootpass=, vncpass=, rootcryptpass=), of whatever type (a wrong
        # one is refused, but not shown): run_task hands them to Ansible, which masks them in every result,
        # diff and failure
        self.secrets = [text for k, v in (params.get('args') or {}).items() if k in SECRET_KEYS
                        for text in secret_values(v)]

    def open(self):
        params = self.params
        self.changes, self.present = build_changes(params.get('state', 'present'), params.get('args'))
        medium, self.named = open_configs(params.get('media'), params.get('path'), params.get('files'),
                                          self.check_mode)
        return medium

    def _files(self, target, warnings):
        """``[(path, named, format)]`` of the configs to edit: those named, or every one found (what discovery
        has to say goes to ``warnings``)."""
        if self.named is None:
            return [(path, False, fmt) for path, fmt in discover(target, warnings)]
        return [(path, True, None) for path, _explicit in self.named]

    def leftover_places(self, target):
        # the directories of the configs (their backups and temporary names are written beside them); the
        # plan finds them again and reports what discovery says
        return sorted({posixpath.dirname(path) for path, _named, _fmt in self._files(target, [])})

    def plan(self, target):
        params = self.params
        edit = ConfigsEdit(target, self.changes, self.present, params.get('kernel') or list(DEFAULT_KERNELS),
                           params.get('titles') or None, params.get('format') or 'auto', self.grub_check,
                           params.get('validate_grub', True))
        plans = edit.plan(self._files(target, self.warnings))
        self.warnings.extend(edit.warnings)
        for item in plans:  # passwords already in the files (masked in their diffs and reports)
            self.secrets.extend(item.secrets)
        if params.get('state', 'present') == 'present':
            self.warnings.extend(http_pxe_warnings(plans))
        self.warnings.extend(edit.unmatched_warnings(plans))
        return LoadsrmPlan(plans)

    def apply(self, target, plan):
        backups = []
        for item in plan.actions:
            if self.params.get('backup'):
                name = backup_name(item.path, target.exists)
                target.write_bytes(name, encode(item.old))
                backups.append(name)
            target.write_bytes(item.path, encode(item.new))
        return {'backups': backups}
