# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the sysrescue_config module.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os

from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import (
    ConfigError, _read_table, check_name, mask_text, override_warnings, render, render_text)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import CONFIG_DIR
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import MISSING_YAML, compute_effective, reads_name
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import check_effective, validate
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import cmdline_secrets, find_secrets, mask_secrets, plain_secret_keys
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


_FAT_TYPES = ('vfat', 'msdos', 'fat', 'fat12', 'fat16', 'fat32', 'exfat')


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
        check_name(self.name)
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
                    with open(item['src'], 'rb') as handle:
                        text = handle.read()
                except OSError as exc:
                    raise ConfigError('sysrescuecfg[%d].src %s cannot be read: %s' % (index, item['src'], exc.strerror))
                label = item.get('name') or item['src']
            else:
                raise ConfigError('sysrescuecfg[%d] needs content or src' % index)
            self.secrets.extend(find_secrets(_read_table(text)))
            sources.append((label, text))
        return sources

    # -- the run --------------------------------------------------------------------------
    def _open(self):
        if self.on_medium:
            return open_medium(self.params['media'], writable=True), CONFIG_DIR
        return open_medium({'path': self.params['path']}, writable=True), ''

    def run(self):
        self._check()
        new = render(self.config) if self.state == 'present' else None
        extra = self._sysrescuecfg()
        medium, directory = self._open()
        try:
            with medium.locked():
                return self._run(medium, directory, new, extra)
        finally:
            medium.close()

    def _siblings(self, medium, directory):
        """``[(name, bytes)]`` of the other YAML files SystemRescue would look at beside ours."""
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
            files.append((entry_name, medium.read_bytes(_join(directory, entry_name))))
        return files

    def _run(self, medium, directory, new, extra):
        rel = _join(directory, self.name)
        old = medium.read_bytes(rel)
        if old is not None:
            self.secrets.extend(find_secrets(_read_table(old)))
        reads_directory = self.on_medium or self.purpose == 'medium'
        siblings = self._siblings(medium, directory) if reads_directory else []
        mine = [(self.name, new)] if new is not None else []
        if reads_directory:
            effective = compute_effective(siblings + mine, extra, self.cmdline)
        else:
            effective = compute_effective([], extra + mine, self.cmdline)
        for other in siblings:
            self.secrets.extend(find_secrets(_read_table(other[1])))
        if effective.error:
            raise ConfigError('SystemRescue\'s reader would fail on the configuration of this medium, so it would boot '
                              'with no configuration at all: %s. Fix or remove that file (nothing was written)'
                              % effective.error)

        self._warn_context(medium, effective)
        if new is not None:
            self.warnings.extend(override_warnings(_read_table(new), self.name, effective))

        changed = (old != new) if new is not None else old is not None
        if changed and not self.check_mode:
            if new is not None:
                medium.write_bytes(rel, new)
            else:
                medium.remove(rel)
        result = {
            'changed': changed,
            'path': _display_path(medium, rel),
            'effective': mask_secrets(effective.config),
            'files': effective.order,
            'not_applied': effective.skipped,
        }
        if self.want_diff:
            header = result['path']
            before = '' if old is None else mask_text(old.decode('utf-8', 'replace'))
            after = '' if new is None else render_text(mask_secrets(self.config))
            result['diff'] = {'before': before, 'after': after,
                              'before_header': '%s (before)' % header, 'after_header': '%s (after)' % header}
        return result

    def _warn_context(self, medium, effective):
        self.warnings.extend(effective.warnings)
        self.warnings.extend(check_effective(effective.config))
        for item in effective.skipped:
            self.warnings.append('%s: %s' % (item['name'], item['reason']))
        if self.state != 'present':
            return
        if self.on_medium and self.purpose == 'http_pxe':
            self.warnings.append(
                'purpose is http_pxe but the file is written onto a medium: a PXE boot over HTTP (archiso_http_srv=) '
                'reads no sysrescue.d. Put the file in the HTTP tree with path and pass sysrescuecfg=http://server/%s '
                'on the kernel command line' % self.name)
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


def _display_path(medium, rel):
    root = getattr(medium, 'root', None)
    if root:
        return os.path.join(root, rel)
    return rel
