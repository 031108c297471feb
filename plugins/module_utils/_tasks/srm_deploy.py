# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the srm_deploy module: a set of SRMs onto ``<basedir>/`` of a medium.

The wanted modules are resolved (:mod:`.._srm.wanted`) and the label checked before anything on the
medium changes; :class:`~.._srm.deploy.Deploy` plans (size then sha256, through the index), checks the
space and writes.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import Deploy, DeployError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.labels import check_label
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task, closing_on_error


class DeployPlan(Plan):
    """The planned actions of :class:`~.._srm.deploy.Deploy`, with the leftovers swept before them."""

    def __init__(self, deploy, planned, swept):
        super().__init__(planned.actions)
        self.deploy = deploy
        self.planned = planned
        self.swept = swept

    @property
    def changed(self):
        return bool(self.actions or self.swept)

    def public(self):
        return {'actions': self.planned.public_actions(), 'srms': self.planned.predicted_inventory(),
                'medium': self.deploy.medium.describe(), 'swept': self.swept}

    def diff(self):
        return self.planned.diff(self.deploy.basedir, self.swept)


class SrmDeploy(Task):
    """One ``srm_deploy`` run on plain parameters."""

    def open(self):
        params = self.params
        self.wanted = wanted_modules.resolve(params['srms'], params['state'],
                                             allow_non_squashfs=params.get('allow_non_squashfs', False))
        # the action plugin's planning run located the filesystem just before: not probed again when it is still there
        medium = open_medium(params['media'], writable=True, located=params.get('_medium'))
        with closing_on_error(medium):
            if params.get('label'):
                ok, message = check_label(medium, params['label'])
                if ok is False:
                    raise DeployError(message)
                if ok is None:
                    self.warnings.append(message)
        self.deploy = Deploy(medium, params['basedir'], params['verify'])
        return medium

    def leftover_places(self, target):
        return [self.deploy.basedir]

    def plan(self, target):
        planned = self.deploy.plan(self.wanted, self.params['state'], self.params['exclusive'])
        self.deploy.check_space(planned)
        if self.check_mode:
            self.deploy.fill_source_hashes(planned)
        else:
            self.deploy.check_sources(planned)
        return DeployPlan(self.deploy, planned, self.swept)

    def apply(self, target, plan):
        return {'srms': self.deploy.apply(plan.planned)}
