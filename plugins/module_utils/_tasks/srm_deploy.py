# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the srm_deploy module.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.labels import check_label
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import Deploy, DeployError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


class SrmDeploy(Task):
    """One ``srm_deploy`` run on plain parameters."""

    def __init__(self, params, check_mode=False, want_diff=False):
        super().__init__(params, check_mode, want_diff)

    def run(self):
        params = self.params
        wanted = wanted_modules.resolve(params['srms'], params['state'],
                                        allow_non_squashfs=params.get('allow_non_squashfs', False))
        medium = open_medium(params['media'], writable=True)
        try:
            with medium.locked():
                return self._run(medium, wanted)
        finally:
            medium.close()

    def _run(self, medium, wanted):
        params = self.params
        if params.get('label'):
            ok, message = check_label(medium, params['label'])
            if ok is False:
                raise DeployError(message)
            if ok is None:
                self.warnings.append(message)
        deploy = Deploy(medium, params['basedir'], params['verify'])
        # check mode lists what a real run removes, by the same rule and with the same paths
        swept = medium.leftovers(deploy.basedir) if self.check_mode else medium.sweep(deploy.basedir)
        plan = deploy.plan(wanted, params['state'], params['exclusive'])
        deploy.check_space(plan)
        if self.check_mode:
            deploy.fill_source_hashes(plan)
            srms = plan.predicted_inventory()
        else:
            srms = deploy.apply(plan)
        result = {'changed': bool(plan.actions or swept), 'actions': plan.public_actions(), 'srms': srms,
                  'medium': medium.describe(), 'swept': swept}
        if self.want_diff:
            result['diff'] = plan.diff(deploy.basedir, swept)
        return result
