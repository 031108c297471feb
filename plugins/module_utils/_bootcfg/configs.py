# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The boot configs a task edits on a medium: which files, and the edit of each, planned and checked.

Every file is read and planned, and GRUB results checked, before the task writes anything, so a
failure leaves the medium byte-identical. bootcfg_loadsrm and linuxrc_extend both edit through it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.discovery import MAX_CONFIG_SIZE, detect_format
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.edit import plan_config
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError, decode, encode
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.grub_check import grub_script_check
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import DEFAULT_KERNELS
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import clean_path
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium


def open_configs(media=None, path=None, files=None, check_mode=False):
    """``(medium, files)``: the medium to edit (the directory of ``path`` for a single file) and
    ``[(path, True)]`` of the files named, or ``None`` when they are to be found on the medium."""
    writable = not check_mode
    if path:
        full = os.path.abspath(path)
        if not os.path.isfile(full):
            raise BootCfgError('path %s is not a file; give the boot config to edit, or use media for a whole '
                               'medium' % full)
        medium = DirectoryMedium(os.path.dirname(full), writable=writable)
        named = [(os.path.basename(full), True)]
    else:
        medium = open_medium(media, writable=writable)
        named = None
        if files is not None:
            if not files:
                raise BootCfgError('files is an empty list, which would mean "no file" here, not "every '
                                   'file": leave files out to edit every boot config found on the medium, or '
                                   'name the ones to edit')
            named = [(clean_path(f), True) for f in files]
    if check_mode:
        medium.check_writable()  # a real run would refuse it: so does check mode
    return medium, named


class ConfigsEdit:
    """The edit of the boot configs of ``medium``.

    ``changes``/``present`` are the edit of :func:`.edit.plan_config`; ``kernels``/``titles`` select the
    entries; ``forced`` is a format or ``auto``; ``grub_check`` the path of grub-script-check (``None``
    when it is not installed), used when ``validate_grub``. ``warnings`` collects what the task hands on.
    """

    def __init__(self, medium, changes, present=None, kernels=DEFAULT_KERNELS, titles=None, forced='auto',
                 grub_check=None, validate_grub=True):
        self.medium = medium
        self.changes = changes
        self.present = present
        self.kernels = kernels
        self.titles = titles
        self.forced = forced
        self.grub_check = grub_check
        self.validate_grub = validate_grub
        self.warnings = []

    def plan(self, files):
        """The :class:`.edit.FilePlan` of each of ``files`` (``[(path, explicit, discovered format or None)]``)
        that is a boot config, the GRUB results checked."""
        plans = [self._plan_file(path, explicit, fmt) for path, explicit, fmt in files]
        plans = [p for p in plans if p is not None]
        self._check_grub(plans)
        return plans

    def _plan_file(self, path, explicit, discovered_format):
        data = self.medium.read_bytes(path)
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
        fmt = self.forced if self.forced != 'auto' else (discovered_format or detect_format(path, text))
        return plan_config(text, fmt, self.changes, self.present, self.kernels, self.titles, path)

    def _check_grub(self, plans):
        if not self.validate_grub:
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

    def unmatched_warnings(self, plans):
        """What to say when nothing was found or no entry matched."""
        if not plans:
            return ['no boot config was found on the medium; give files to name them']
        if not any(p.entries for p in plans):
            return ['no boot entry matched kernel %s%s; nothing was edited'
                    % (self.kernels, ' and titles %s' % self.titles if self.titles else '')]
        return []
