# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of srm_load: hash each module here, send only what the host has not loaded.

The flow (resolve, plan in check mode without files, transfer what is missing, run for real) is
shared with srm_deploy in :mod:`..plugin_utils._send_missing`. The planning run reads the host's
record under ``/run``; a module whose sha256 it holds is not sent. A module that is sent waits in a
private directory in ``staging_dir`` (``/tmp``: SystemRescue's own tmpfs, where ``load-srm`` downloads
too, not Ansible's ``~/.ansible/tmp`` in the copy-on-write space the loaded files fill). URL entries
are fetched by the host and never pass through the controller.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._srm import load
from ansible_collections.rescuefleet.media.plugins.plugin_utils._send_missing import SendMissingAction


class ActionModule(SendMissingAction):

    MODULE = 'rescuefleet.media.srm_load'

    def resolve(self, srms, hash_sources):
        return load.resolve(srms, hash_sources=hash_sources, locate=self._locate)

    def needed(self, plan):
        return {a['name'] for a in plan.get('actions', [])}

    def staging_dir(self, args):
        return args.get('staging_dir') or '/tmp'
