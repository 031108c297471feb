# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the srm_build module: one reproducible SRM, rebuilt only when an input changed.

:class:`~.._srm.build.Builder` decides from the manifest (its :class:`~.._srm.build.Build` is the plan)
and builds; a build with ``pacman`` sources gets their :class:`~.._pacman.source.PacmanSources` from here.
The output and its leftovers are the target.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os

from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.source import PacmanSources
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import manifest
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.build import Builder
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Inside, OutputFiles, Task


class SrmBuild(Task):
    """One ``srm_build`` invocation."""

    def __init__(self, params, mksquashfs_path, check_mode=False, want_diff=False, unsquashfs_path=None,
                 pacman_path=None):
        super().__init__(params, check_mode, want_diff)
        self.builder = Builder(params, mksquashfs_path, check_mode, unsquashfs_path)
        self.pacman_path = pacman_path

    def open(self):
        builder = self.builder
        builder.check_tools()
        if builder.has_pacman_sources():
            params = self.params
            builder.pacman = PacmanSources(builder.output, manifest.load(builder.manifest_file), self.check_mode,
                                           bool(params.get('force')), bool(params.get('allow_core_overrides')),
                                           builder.unsquashfs, self.pacman_path)
        return OutputFiles(os.path.dirname(builder.output))

    def leftover_places(self, target):
        places = [self.builder.output, self.builder.manifest_file]
        if self.builder.pacman:
            places.extend(Inside(path) for path in self.builder.pacman.cache_dirs(self.params['sources']))
        return places

    def plan(self, target):
        return self.builder.plan()

    def apply(self, target, plan):
        return self.builder.apply(plan)

    def close(self, target):
        self.builder.cleanup()
        self.warnings.extend(self.builder.warnings)
