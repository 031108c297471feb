# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a module run changes, worked out before anything is written: the one Plan type.

A task's ``plan()`` returns one (see ``_tasks/base.py``); a library planner whose decision is a whole
module result (the SRM builder that srm_build and linuxrc_part share) returns one itself, so that the
tasks need no wrapper of their own.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations


class Plan:
    """What a run changes, worked out before anything is written.

    ``actions`` lists the changes; ``changed`` says whether a real run changes anything; :meth:`public`
    is the module's result without ``changed`` and ``diff`` (the prediction, in check mode);
    :meth:`diff` is Ansible's before/after, or ``None`` for no diff.
    """

    def __init__(self, actions=()):
        self.actions = list(actions)

    @property
    def changed(self):
        return bool(self.actions)

    def public(self):
        return {}

    def diff(self):
        return None
