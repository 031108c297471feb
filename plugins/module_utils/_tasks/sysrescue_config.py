# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the sysrescue_config module: one SystemRescue YAML file on a medium or in a directory.

The file is rendered and checked (:mod:`.._sysrescue.config`) before the medium is opened; the plan reads
the other YAML files SystemRescue would merge with it and computes the effective configuration as its
reader does (:mod:`.._sysrescue.reader`), each file read once.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os

from ansible_collections.rescuefleet.media.plugins.module_utils._files import read_regular
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import (
    ConfigError, check_yaml_name, mask_text, override_warnings, render_reading, render_text)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import CONFIG_DIR, HTTP_PXE_ARG
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import (
    MISSING_YAML, Reading, compute_effective, reads_name)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import check_effective, validate
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import (
    cmdline_secrets, find_secrets, mask_secrets, plain_secret_keys)
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task

_FAT_TYPES = ('vfat', 'msdos', 'fat', 'fat12', 'fat16', 'fat32', 'exfat')


class ConfigPlan(Plan):
    """The file's old and new bytes (``None``: absent) and the effective configuration with it."""

    def __init__(self, path, rel, old, new, effective, config):
        super().__init__()
        self.path = path          # as shown: the host path on a directory medium, else the medium path
        self.rel = rel
        self.old = old
        self.new = new
        self.effective = effective
        self.config = config

    @property
    def changed(self):
        return (self.old != self.new) if self.new is not None else self.old is not None

    def public(self):
        return {'path': self.path, 'effective': mask_secrets(self.effective.config),
                'files': self.effective.order, 'not_applied': self.effective.skipped}

    def diff(self):
        before = '' if self.old is None else mask_text(self.old.decode('utf-8', 'replace'))
        after = '' if self.new is None else render_text(mask_secrets(self.config))
        return {'before': before, 'after': after,
                'before_header': '%s (before)' % self.path, 'after_header': '%s (after)' % self.path}


def secrets_of(read):
    """The passwords in a YAML text's reading (none when the reader fails on it)."""
    return find_secrets(read.table)


class SysrescueConfig(Task):
    """One ``sysrescue_config`` invocation on plain parameters."""

    missing_library = MISSING_YAML

    def __init__(self, params, check_mode=False, want_diff=False):
        super().__init__(params, check_mode, want_diff)
        self.name = params['name']
        self.state = params.get('state') or 'present'
        self.config = params.get('config') or {}
        self.cmdline = params.get('cmdline') or ''
        self.on_medium = params.get('media') is not None
        self.purpose = params.get('purpose') or ('medium' if self.on_medium else 'http_pxe')
        self.secrets = find_secrets(self.config)
        self.secrets.extend(cmdline_secrets(self.cmdline))

    # -- checks before the medium is touched ----------------------------------------------
    def _check(self):
        check_yaml_name(self.name)
        if self.on_medium == (self.params.get('path') is not None):
            raise ConfigError('give either media (a medium: the file goes to sysrescue.d/) or path (a directory '
                              'such as a PXE HTTP tree), not both and not neither')
        if self.state == 'present':
            errors, warnings = validate(self.config)
            if errors:
                raise ConfigError('the configuration would not work as meant: %s. Nothing was written'
                                  % '; '.join(errors))
            self.warnings.extend(warnings)

    def _sysrescuecfg(self):
        sources = []
        for index, item in enumerate(self.params.get('sysrescuecfg') or []):
            if item.get('content') is not None:
                text = item['content']
                label = item.get('name') or 'sysrescuecfg[%d]' % index
            elif item.get('src'):
                try:
                    # a FIFO given here would block the run until something writes to it: refused unopened
                    text = read_regular(item['src'], 'sysrescuecfg[%d].src' % index)
                except OSError as exc:
                    raise ConfigError('sysrescuecfg[%d].src %s cannot be read: %s; check the path (or give the text '
                                      'as content)' % (index, item['src'], exc.strerror))
                label = item.get('name') or item['src']
            else:
                raise ConfigError('sysrescuecfg[%d] needs content or src' % index)
            read = Reading(text)
            self.secrets.extend(secrets_of(read))
            sources.append((label, read))
        return sources

    # -- the run --------------------------------------------------------------------------
    def open(self):
        self._check()
        self.new = render_reading(self.config) if self.state == 'present' else None
        self.extra = self._sysrescuecfg()
        if self.on_medium:
            self.directory = CONFIG_DIR
            return open_medium(self.params['media'], writable=True)
        self.directory = ''
        return open_medium({'path': self.params['path']}, writable=True)

    def leftover_places(self, target):
        return [self.directory]

    def _siblings(self, medium, directory):
        """``[(name, reading)]`` of the other YAML files SystemRescue would look at beside ours."""
        try:
            info = medium.describe()
        except Exception:  # pylint: disable=broad-except
            info = {}
        folds_case = medium.kind != 'directory' or (info.get('fstype') or '').lower() in _FAT_TYPES
        files = []
        for entry in medium.list_dir(directory):
            entry_name = entry['name']
            if entry['type'] != 'file' or entry_name == self.name:
                continue
            if folds_case and entry_name.lower() == self.name.lower():
                continue
            if not (reads_name(entry_name) or entry_name.lower().endswith('.yml')):
                continue
            files.append((entry_name, Reading(medium.read_bytes(_join(directory, entry_name)))))
        return files

    def plan(self, target):
        rel = _join(self.directory, self.name)
        old = target.read_bytes(rel)
        if old is not None:
            self.secrets.extend(secrets_of(Reading(old)))
        reads_directory = self.on_medium or self.purpose == 'medium'
        siblings = self._siblings(target, self.directory) if reads_directory else []
        mine = [(self.name, self.new)] if self.new is not None else []
        if reads_directory:
            effective = compute_effective(siblings + mine, self.extra, self.cmdline)
        else:
            effective = compute_effective([], self.extra + mine, self.cmdline)
        for _name, other in siblings:
            self.secrets.extend(secrets_of(other))
        if effective.error:
            raise ConfigError('SystemRescue\'s reader would fail on the configuration of this medium, so it would boot '
                              'with no configuration at all: %s. Fix or remove that file (nothing was written)'
                              % effective.error)
        self._warn_context(effective)
        if self.new is not None:
            self.warnings.extend(override_warnings(self.new.table, self.name, effective))
        return ConfigPlan(target.local_path(rel) or rel, rel, old, self.new and self.new.data, effective, self.config)

    def apply(self, target, plan):
        if not plan.changed:
            return
        if plan.new is not None:
            target.write_bytes(plan.rel, plan.new)
        else:
            target.remove(plan.rel)

    def _warn_context(self, effective):
        self.warnings.extend(effective.warnings)
        self.warnings.extend(check_effective(effective.config))
        for item in effective.skipped:
            self.warnings.append('%s: %s' % (item['name'], item['reason']))
        if self.state != 'present':
            return
        if self.on_medium and self.purpose == 'http_pxe':
            self.warnings.append(
                'purpose is http_pxe but the file is written onto a medium: a PXE boot over HTTP (%s=) reads no '
                'sysrescue.d. Put the file in the HTTP tree with path and pass sysrescuecfg=http://server/%s on the '
                'kernel command line' % (HTTP_PXE_ARG, self.name))
        if not self.on_medium and self.purpose == 'medium' and \
                os.path.basename(os.path.normpath(self.params['path'])) != CONFIG_DIR:
            self.warnings.append(
                'purpose is medium but path %s is not a sysrescue.d directory: SystemRescue reads YAML from a medium '
                'only in sysrescue.d/ at its root. Use media, or point path at that directory'
                % self.params['path'])
        plain = plain_secret_keys(self.config)
        if plain:
            if self.on_medium:
                where = ('files on a FAT medium have no permissions: anyone holding the medium, or booting from '
                         'it, can read them')
            else:
                where = 'anyone who can fetch files from %s can read it' % self.params['path']
            self.warnings.append(
                'global.%s is stored as plain text in %s; %s. Prefer global.rootcryptpass with a crypt hash '
                '(for example from "openssl passwd -6")' % (' and global.'.join(plain), self.name, where))


def _join(directory, name):
    return '%s/%s' % (directory, name) if directory else name
