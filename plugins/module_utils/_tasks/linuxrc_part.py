# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the linuxrc_part module: a linuxrc part, built by srm_build's reproducible builder.

The options become srm_build's (:func:`~.._linuxrc.build.build_params`: the ``init``/``done`` scripts as
the last sources), which :class:`~.._srm.build.Builder` plans and builds; the result also says which
scripts the part holds.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.build import SCRIPTS, build_params
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.build import Builder
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import OutputFiles, Task


class LinuxrcPartBuild(Task):
    """One ``linuxrc_part`` run: srm_build's builder on the translated options."""

    def __init__(self, params, mksquashfs_path, check_mode=False, want_diff=False, unsquashfs_path=None):
        super().__init__(params, check_mode, want_diff)
        self.mksquashfs_path = mksquashfs_path
        self.unsquashfs_path = unsquashfs_path

    def open(self):
        self.builder = Builder(build_params(self.params), self.mksquashfs_path, self.check_mode, self.unsquashfs_path)
        self.builder.check_tools()
        return OutputFiles(os.path.dirname(self.builder.output))

    def leftover_places(self, target):
        return [self.builder.output, self.builder.manifest_file]

    def plan(self, target):
        return self.builder.plan({key: self.params.get(key) is not None for key, _dest in SCRIPTS})

    def apply(self, target, plan):
        return self.builder.apply(plan)

    def close(self, target):
        self.builder.cleanup()
        self.warnings.extend(self.builder.warnings)
