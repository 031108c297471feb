# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the media_info module: read-only facts about a medium, an ISO image or a PXE tree.

The medium is opened with ``writable=False``: nothing is written, no temporary file is swept, no index is
refreshed, in check mode or not. The task driver takes the medium's lock, so the facts are never taken
half-way through another module's write. The plan holds the facts; there is nothing to apply.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._info import boot_entries as boot
from ansible_collections.rescuefleet.media.plugins.module_utils._info.media_info import (
    MediaInfoError, label_facts, leftovers, medium_facts, open_read_only, read_yaml_files, sysrescuecfg_reader)
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import info as linuxrc_info
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import MediumError, clean_path
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import inventory as srm_inventory
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR, CONFIG_DIR
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import (
    MISSING_YAML, Reading, cmdline_tokens, compute_effective)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import check_effective
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import cmdline_secrets, mask_secrets
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


class Facts(Plan):
    """The facts gathered; a read-only run changes nothing."""

    def __init__(self, facts):
        super().__init__()
        self.facts = facts

    def public(self):
        return self.facts


class MediaInfo(Task):
    """One ``media_info`` run on plain parameters. ``unsquashfs``: path of the binary, or ``None``.

    ``secrets`` holds the password values of the ``cmdline`` option, which Ansible would otherwise
    show with the task's arguments; passwords of YAML files and boot entries are masked in the facts.
    """

    missing_library = MISSING_YAML

    def __init__(self, params, unsquashfs=None, tmpdir=None):
        super().__init__(params)
        self.basedir = params.get('basedir') or BASEDIR
        self.verify = params.get('verify') or 'fast'
        self.cmdline = params.get('cmdline') or ''
        self.unsquashfs = unsquashfs
        self.tmpdir = tmpdir
        self.secrets = cmdline_secrets(self.cmdline)

    def _warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def open(self):
        try:
            self.basedir = clean_path(self.basedir)
        except MediumError as exc:
            raise MediaInfoError('basedir: %s; give the directory relative to the root of the medium, such as '
                                 '%s' % (exc, BASEDIR))
        if self.verify not in ('fast', 'full'):
            raise MediaInfoError('verify must be fast or full, not %r' % (self.verify,))
        return open_read_only(self.params.get('media'))

    def plan(self, target):
        return Facts(self._gather(target))

    def apply(self, target, plan):
        return None

    def _gather(self, medium):
        facts = medium_facts(medium)
        label = label_facts(medium, facts.get('label'))
        if label['label_ok'] is False:
            self._warn(label['message'])

        srms, ignored = srm_inventory.inventory(medium, self.basedir, self.verify)
        if self.basedir and not medium.exists(self.basedir):
            self._warn('%s/ does not exist on the medium, so it holds no SRMs; check basedir (the archisobasedir= '
                       'of the boot entries)' % self.basedir)
        for item in ignored:
            self._warn('%s/%s is not loaded: %s' % (self.basedir, item['name'], item['reason']))
        for path in leftovers(medium, self.basedir):
            self._warn('%s is a temporary file left by an interrupted run; the next srm_deploy run on this medium '
                       'removes it' % path)

        yaml_files, dir_skipped = read_yaml_files(medium)
        # read once: the effective configuration of the medium and of every boot entry merge them all
        yaml_files = [(name, Reading(data)) for name, data in yaml_files]
        reader = sysrescuecfg_reader(medium)
        extra_sources = []
        tokens = cmdline_tokens(self.cmdline)  # as the Lua reader splits the command line
        for key, value in tokens:
            if key == 'sysrescuecfg' and value not in (True, ''):
                text = reader(value, tokens)
                if text is not None:
                    extra_sources.append((value, text))
        effective = compute_effective(yaml_files, extra_sources, self.cmdline)
        not_applied = effective.skipped + dir_skipped
        for item in not_applied:
            self._warn('%s/%s is not applied: %s' % (CONFIG_DIR, item['name'], item['reason']))
        for note in effective.warnings + check_effective(effective.config):
            self._warn(note)
        if effective.error:
            self._warn('SystemRescue\'s reader fails on this configuration and boots with none at all: %s'
                       % effective.error)

        entries, problems, notes = boot.boot_entries(medium, yaml_files, self.cmdline, reader)
        for problem in problems:
            self._warn('boot config %s cannot be read: %s' % (problem['file'], problem['reason']))
        for note in notes:
            self._warn(note)
        for note in boot.basedir_mismatches(entries, self.basedir):
            self._warn(note)

        result = {
            'medium': facts,
            'label': label,
            'srms': [{k: v for k, v in s.items() if k != 'path'} for s in srms],
            'boot_entries': entries,
            'loadsrm': boot.summary(entries),
            'yaml': {
                'directory': CONFIG_DIR,
                'applied': [name for name in effective.order if name in dict(yaml_files)],
                'sources': effective.order,
                'not_applied': not_applied,
            },
            'config_error': effective.error,
        }
        if effective.error is None:
            result['effective'] = mask_secrets(effective.config)
        linuxrc = linuxrc_info.linuxrc_facts(medium)  # None unless the medium has boot/<arch>/ of SUSE media
        if linuxrc is not None:
            result['linuxrc'] = linuxrc
            self.warnings.extend(linuxrc_info.warnings(linuxrc))
        if self.params.get('conflicts'):
            found, counts, unreadable = srm_inventory.conflicts(medium, srms, self.unsquashfs, self.tmpdir)
            for srm in result['srms']:
                srm['paths'] = counts.get(srm['name'])
            for item in unreadable:
                self._warn('%s/%s: %s' % (self.basedir, item['name'], item['reason']))
            result['conflicts'] = found
        return result
