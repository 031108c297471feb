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


class FilePlan:
    """One file's old and new bytes (``None``: absent) and the configuration it is written from."""

    def __init__(self, path, rel, old, new, config):
        self.path = path          # as shown: the host path on a directory medium, else the medium path
        self.rel = rel
        self.old = old
        self.new = new
        self.config = config

    @property
    def changed(self):
        return (self.old != self.new) if self.new is not None else self.old is not None

    def diff(self):
        before = '' if self.old is None else mask_text(self.old.decode('utf-8', 'replace'))
        after = '' if self.new is None else render_text(mask_secrets(self.config))
        return {'before': before, 'after': after,
                'before_header': '%s (before)' % self.path, 'after_header': '%s (after)' % self.path}


class ConfigPlan(Plan):
    """The plans of the run's files and the effective configuration with all of them.

    ``single``: the run was given one file by ``name`` (the result has ``path`` and a diff of its own) rather
    than a ``files`` list (``paths`` only, and a diff per file).
    """

    def __init__(self, files, effective, single):
        super().__init__()
        self.files = files
        self.effective = effective
        self.single = single

    @property
    def changed(self):
        return any(item.changed for item in self.files)

    def public(self):
        result = {'paths': [item.path for item in self.files], 'effective': mask_secrets(self.effective.config),
                  'files': self.effective.order, 'not_applied': self.effective.skipped}
        if self.single:
            result['path'] = self.files[0].path
        return result

    def diff(self):
        diffs = [item.diff() for item in self.files]
        return diffs[0] if self.single else diffs


class FileWanted:
    """One file the run is asked for: its name, ``present`` or ``absent``, its configuration and, when
    present, its rendering (a :class:`~.._sysrescue.reader.Reading`)."""

    def __init__(self, name, state, config):
        self.name = name
        self.state = state or 'present'
        self.config = config or {}
        self.new = None


def secrets_of(read):
    """The passwords in a YAML text's reading (none when the reader fails on it)."""
    return find_secrets(read.table)


class SysrescueConfig(Task):
    """One ``sysrescue_config`` invocation on plain parameters."""

    missing_library = MISSING_YAML

    def __init__(self, params, check_mode=False, want_diff=False):
        super().__init__(params, check_mode, want_diff)
        self.single = params.get('files') is None
        if self.single:
            self.wanted = [FileWanted(params.get('name'), params.get('state'), params.get('config'))]
        else:
            self.wanted = [FileWanted(item.get('name'), item.get('state'), item.get('config'))
                           for item in params['files']]
        self.cmdline = params.get('cmdline') or ''
        self.on_medium = params.get('media') is not None
        self.purpose = params.get('purpose') or ('medium' if self.on_medium else 'http_pxe')
        self.secrets = []
        for wanted in self.wanted:
            self.secrets.extend(find_secrets(wanted.config))
        self.secrets.extend(cmdline_secrets(self.cmdline))

    # -- checks before the medium is touched ----------------------------------------------
    def _check(self):
        if self.single and self.params.get('name') is None:
            raise ConfigError('give name (with config or state), or files (a list of name, config and state)')
        if not self.wanted:
            raise ConfigError('files is empty: give at least one file (name, config, state)')
        seen = set()
        for wanted in self.wanted:
            check_yaml_name(wanted.name)
            if wanted.name in seen:
                raise ConfigError('%s is given twice in files: give each file once' % wanted.name)
            seen.add(wanted.name)
        if self.on_medium == (self.params.get('path') is not None):
            raise ConfigError('give either media (a medium: the file goes to sysrescue.d/) or path (a directory '
                              'such as a PXE HTTP tree), not both and not neither')
        for wanted in self.wanted:
            if wanted.state != 'present':
                continue
            errors, warnings = validate(wanted.config)
            if errors:
                raise ConfigError('the configuration %swould not work as meant: %s. Nothing was written'
                                  % ('' if self.single else 'of %s ' % wanted.name, '; '.join(errors)))
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
        for wanted in self.wanted:
            wanted.new = render_reading(wanted.config) if wanted.state == 'present' else None
        self.extra = self._sysrescuecfg()
        if self.on_medium:
            self.directory = CONFIG_DIR
            return open_medium(self.params['media'], writable=True)
        self.directory = ''
        return open_medium({'path': self.params['path']}, writable=True)

    def leftover_places(self, target):
        return [self.directory]

    def _folds_case(self, medium):
        """Whether the medium takes names that differ only in case for the same file (FAT does)."""
        try:
            info = medium.describe()
        except Exception:  # pylint: disable=broad-except
            info = {}
        return medium.kind != 'directory' or (info.get('fstype') or '').lower() in _FAT_TYPES

    def _siblings(self, medium, directory, folds_case):
        """``[(name, reading)]`` of the other YAML files SystemRescue would look at beside ours."""
        ours = {wanted.name.lower() if folds_case else wanted.name for wanted in self.wanted}
        files = []
        for entry in medium.list_dir(directory):
            entry_name = entry['name']
            if entry['type'] != 'file' or (entry_name.lower() if folds_case else entry_name) in ours:
                continue
            if not (reads_name(entry_name) or entry_name.lower().endswith('.yml')):
                continue
            files.append((entry_name, Reading(medium.read_bytes(_join(directory, entry_name)))))
        return files

    def plan(self, target):
        reads_directory = self.on_medium or self.purpose == 'medium'
        folds_case = self._folds_case(target) if reads_directory or not self.single else False
        if folds_case and len({wanted.name.lower() for wanted in self.wanted}) < len(self.wanted):
            raise ConfigError('files names the same file twice: this medium does not tell upper from lower case '
                              'in names; give each file once')
        files, mine = [], []
        for wanted in self.wanted:
            rel = _join(self.directory, wanted.name)
            old = target.read_bytes(rel)
            if old is not None:
                self.secrets.extend(secrets_of(Reading(old)))
            files.append(FilePlan(target.local_path(rel) or rel, rel, old, wanted.new and wanted.new.data,
                                  wanted.config))
            if wanted.new is not None:
                mine.append((wanted.name, wanted.new))
        siblings = self._siblings(target, self.directory, folds_case) if reads_directory else []
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
        for wanted in self.wanted:
            if wanted.new is not None:
                self.warnings.extend(override_warnings(wanted.new.table, wanted.name, effective))
        return ConfigPlan(files, effective, self.single)

    def apply(self, target, plan):
        for item in plan.files:
            if not item.changed:
                continue
            if item.new is not None:
                target.write_bytes(item.rel, item.new)
            else:
                target.remove(item.rel)

    def _warn_context(self, effective):
        self.warnings.extend(effective.warnings)
        self.warnings.extend(check_effective(effective.config))
        for item in effective.skipped:
            self.warnings.append('%s: %s' % (item['name'], item['reason']))
        present = [wanted for wanted in self.wanted if wanted.state == 'present']
        if not present:
            return
        if self.on_medium and self.purpose == 'http_pxe':
            fetch = ' '.join('sysrescuecfg=http://server/%s' % wanted.name for wanted in present)
            self.warnings.append(
                'purpose is http_pxe but the file is written onto a medium: a PXE boot over HTTP (%s=) reads no '
                'sysrescue.d. Put the file in the HTTP tree with path and pass %s on the '
                'kernel command line' % (HTTP_PXE_ARG, fetch))
        if not self.on_medium and self.purpose == 'medium' and \
                os.path.basename(os.path.normpath(self.params['path'])) != CONFIG_DIR:
            self.warnings.append(
                'purpose is medium but path %s is not a sysrescue.d directory: SystemRescue reads YAML from a medium '
                'only in sysrescue.d/ at its root. Use media, or point path at that directory'
                % self.params['path'])
        for wanted in present:
            self._warn_plain_secrets(wanted)

    def _warn_plain_secrets(self, wanted):
        plain = plain_secret_keys(wanted.config)
        if plain:
            if self.on_medium:
                where = ('files on a FAT medium have no permissions: anyone holding the medium, or booting from '
                         'it, can read them')
            else:
                where = 'anyone who can fetch files from %s can read it' % self.params['path']
            self.warnings.append(
                'global.%s is stored as plain text in %s; %s. Prefer global.rootcryptpass with a crypt hash '
                '(for example from "openssl passwd -6")' % (' and global.'.join(plain), wanted.name, where))


def _join(directory, name):
    return '%s/%s' % (directory, name) if directory else name
