# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every run object of a module starts with.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations


class Task:
    """What every task object starts with: the module's parameters, its modes, and warnings to hand on."""

    def __init__(self, params, check_mode=False, want_diff=False):
        self.params = params
        self.check_mode = check_mode
        self.want_diff = want_diff
        self.warnings = []

    def run(self):
        raise NotImplementedError
