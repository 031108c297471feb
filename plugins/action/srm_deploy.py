# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of srm_deploy: hash each module here, send only what the medium lacks.

The flow (resolve, plan in check mode without files, transfer what is missing, run for real) is
shared with srm_load in :mod:`..plugin_utils._send_missing`; this file says what "missing" means
for a medium.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.plugin_utils._send_missing import SendMissingAction


class ActionModule(SendMissingAction):

    MODULE = 'rescuefleet.media.srm_deploy'

    def direct(self, args):
        # removing modules needs no file from the controller
        return super().direct(args) or args.get('state', 'present') == 'absent'

    def resolve(self, srms, hash_sources):
        return wanted_modules.resolve(srms, hash_sources=hash_sources, locate=self._locate)

    def needed(self, plan):
        return {a['name'] for a in plan.get('actions', []) if a['action'] in ('add', 'replace')}
