# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the dracut_module module: a dracut module directory declared as data.

:class:`~.._dracut.module.ModuleDir` plans the files, modes and removals and writes them.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._dracut.module import ModuleDir, read_source
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Target, Task


class DirPlan(Plan):
    """The actions on the module directory (mkdir, write, chmod, remove, remove_dir) and their diffs."""

    def __init__(self, directory, actions, diffs):
        super().__init__(actions)
        self.directory = directory
        self.diffs = diffs

    def public(self):
        return {'path': self.directory, 'actions': self.actions}

    def diff(self):
        return self.diffs


class DracutModule(Task):
    """One ``dracut_module`` run on plain parameters. ``bash`` (a path) checks the generated script."""

    def __init__(self, params, check_mode=False, want_diff=False, reader=read_source, bash=None):
        super().__init__(params, check_mode, want_diff)
        self.module_dir = ModuleDir(params, reader, bash, with_diff=want_diff)

    def open(self):
        self.module_dir.modules_d()
        return Target()

    def plan(self, target):
        return DirPlan(*self.module_dir.plan())

    def apply(self, target, plan):
        if plan.actions:
            self.module_dir.apply(plan.actions)
