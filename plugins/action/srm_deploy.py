# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of srm_deploy: hash each module here, send only what the medium lacks.

The flow (resolve, plan in check mode without files, transfer what is missing, run for real) is
shared with srm_load in :mod:`..plugin_utils._send_missing`; this file says what "missing" means
for a medium, and that the planning run trusts the medium's index (``verify: fast``) while a real run
with ``verify: full`` reads every module back once, sending afterwards what it found changed.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.plugin_utils._send_missing import SendMissingAction


class ActionModule(SendMissingAction):

    MODULE = 'rescuefleet.media.srm_deploy'

    def direct(self, args):
        # removing modules needs no file from the controller
        return super().direct(args) or args.get('state', 'present') == 'absent'

    def resolve(self, srms, hash_sources):
        try:
            allow = boolean(self._task.args.get('allow_non_squashfs', False), strict=True)
        except TypeError as exc:
            raise wanted_modules.WantedError('allow_non_squashfs must be a boolean') from exc
        # a file that is not a squashfs is refused here, before anything is sent
        return wanted_modules.resolve(srms, hash_sources=hash_sources, locate=self._locate, allow_non_squashfs=allow)

    def needed(self, plan):
        return {a['name'] for a in plan.get('actions', []) if a['action'] in ('add', 'replace')}

    def planning_args(self, args):
        # the planning run needs only the names to send: with verify: full it would read every module back,
        # and the real run reads them all again; the real run alone verifies
        return dict(args, verify='fast')

    def real_args(self, args, plan):
        # the planning run located the filesystem a moment ago: the real run checks it is still there instead of
        # probing the partition table again (one probe per task)
        media = args.get('media')
        if isinstance(media, dict) and media.get('image') and isinstance(plan.get('medium'), dict):
            return dict(args, _medium=plan['medium'])
        return args

    def must_run(self, args):
        # only the real run reads the modules back: an unchanged plan is no answer to verify: full
        return args.get('verify') == 'full'
