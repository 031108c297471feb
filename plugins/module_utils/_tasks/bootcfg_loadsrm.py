# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The work of the ``bootcfg_loadsrm`` module, testable without Ansible running.

Every file is read and planned first, GRUB results are checked, and only when all of that
succeeded are files written (each one atomically, after its backup). A failure therefore leaves
the medium byte-identical.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import time

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.discovery import MAX_CONFIG_SIZE, detect_format, discover
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.edit import plan_config
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import decode, encode
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.grub_check import grub_script_check
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import DEFAULT_KERNELS
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError
from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import KernelArgsError, check_key
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import clean_path
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import is_true
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import SECRET_KEYS, cmdline_secrets
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


class LoadsrmRun(Task):
    """``params`` are the module options; ``grub_check`` is the path of grub-script-check or None."""

    def __init__(self, params, check_mode=False, want_diff=False, grub_check=None):
        super().__init__(params, check_mode, want_diff)
        self.grub_check = grub_check if params.get('validate_grub', True) else None
        # passwords given as kernel arguments (rootpass=, vncpass=, rootcryptpass=): run_task hands them to
        # Ansible, which masks them in every result, diff and failure
        self.secrets = [str(v) for k, v in (params.get('args') or {}).items()
                        if k in SECRET_KEYS and v not in (True, False, None, '')]

    def _target(self):
        params = self.params
        writable = not self.check_mode
        if params.get('path'):
            full = os.path.abspath(params['path'])
            if not os.path.isfile(full):
                raise BootCfgError('path %s is not a file; give the boot config to edit, or use media for a whole '
                                   'medium' % full)
            medium = DirectoryMedium(os.path.dirname(full), writable=writable)
            files = [(os.path.basename(full), True)]
        else:
            medium = open_medium(params['media'], writable=writable)
            files = None
            if params.get('files') is not None:
                if not params['files']:
                    raise BootCfgError('files is an empty list, which would mean "no file" here, not "every '
                                       'file": leave files out to edit every boot config found on the medium, or '
                                       'name the ones to edit')
                files = [(clean_path(f), True) for f in params['files']]
        if self.check_mode:
            medium.check_writable()  # a real run would refuse it: so does check mode
        return medium, files

    def run(self):
        params = self.params
        changes, present = build_changes(params.get('state', 'present'), params.get('args'))
        kernels = params.get('kernel') or list(DEFAULT_KERNELS)
        titles = params.get('titles') or None
        forced = params.get('format') or 'auto'
        medium, files = self._target()
        try:
            with medium.locked():
                found = {}
                if files is None:
                    discovered = discover(medium)
                    files = [(path, False) for path, _fmt in discovered]
                    found = dict(discovered)
                plans = []
                for path, explicit in files:
                    plans.append(self._plan(medium, path, explicit, found.get(path), forced, changes, present,
                                            kernels, titles))
                plans = [p for p in plans if p is not None]
                self._validate(plans)
                backups = []
                if not self.check_mode:
                    for item in plans:
                        if not item.changed:
                            continue
                        if params.get('backup'):
                            name = backup_name(item.path, medium.exists)
                            medium.write_bytes(name, encode(item.old))
                            backups.append(name)
                        medium.write_bytes(item.path, encode(item.new))
        finally:
            medium.close()
        for item in plans:  # passwords already on the command lines of the edited entries
            for entry in item.entries:
                self.secrets.extend(cmdline_secrets(entry['before']) + cmdline_secrets(entry['after']))
        result = {
            'changed': any(p.changed for p in plans),
            'files': [p.result() for p in plans],
            'backups': backups,
        }
        if params.get('state', 'present') == 'present':
            for item in plans:
                for entry in item.entries:
                    # only where this run adds it: on a stick, the menu's HTTP PXE entries are none of its business
                    if 'archiso_http_srv=' in entry['after'] and entry['after'] != entry['before']:
                        self.warnings.append(
                            '%s, entry %r boots over HTTP PXE (archiso_http_srv=), where SystemRescue loads no early '
                            'SRMs: loadsrm has no effect there; give global.late_load_srm in a YAML passed with '
                            'sysrescuecfg=' % (item.path, entry['title'] or entry['label']))
        self._warn_unmatched(plans, kernels, titles)
        if self.want_diff:
            result['diff'] = [{
                'before_header': p.path, 'after_header': p.path,
                'before': p.old.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace'),
                'after': p.new.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace'),
            } for p in plans if p.changed]
        return result

    def _warn_unmatched(self, plans, kernels, titles):
        if not plans:
            self.warnings.append('no boot config was found on the medium; give files to name them')
        elif not any(p.entries for p in plans):
            self.warnings.append('no boot entry matched kernel %s%s; nothing was edited'
                                 % (kernels, ' and titles %s' % titles if titles else ''))

    def _plan(self, medium, path, explicit, discovered_format, forced, changes, present, kernels, titles):
        data = medium.read_bytes(path)
        if data is None:
            if explicit:
                raise BootCfgError('%s does not exist on the medium; check files (paths are relative to the root of '
                                   'the medium)' % path)
            return None
        if len(data) > MAX_CONFIG_SIZE:
            message = '%s is larger than %d bytes and is not a boot config' % (path, MAX_CONFIG_SIZE)
            if explicit:
                raise BootCfgError(message)
            self.warnings.append(message + '; skipped')
            return None
        text = decode(data)
        fmt = forced if forced != 'auto' else (discovered_format or detect_format(path, text))
        return plan_config(text, fmt, changes, present, kernels, titles, path)

    def _validate(self, plans):
        if not self.params.get('validate_grub', True):
            return
        changed = [p for p in plans if p.changed and p.format == 'grub']
        if changed and not self.grub_check:
            self.warnings.append('grub-script-check is not installed, so the GRUB result was not checked; install '
                                 'grub-common (Debian/Ubuntu) or grub2-tools (Fedora) to check it')
            return
        for item in changed:
            complaint = grub_script_check(self.grub_check, encode(item.new))
            if complaint is None:
                continue
            before = grub_script_check(self.grub_check, encode(item.old))
            hint = ' (the file already fails the check before the edit)' if before else ''
            raise BootCfgError('the edited %s fails grub-script-check, so nothing was written%s: %s. Check the values '
                               'in args, or set validate_grub to false if the check is wrong'
                               % (item.path, hint, complaint))
