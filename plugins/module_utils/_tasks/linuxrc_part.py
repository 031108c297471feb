# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the linuxrc_part module.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.build import build_params
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.build import SrmBuild


class LinuxrcPartBuild(SrmBuild):
    """One ``linuxrc_part`` run: an srm_build run on the translated parameters."""

    def __init__(self, params, mksquashfs_path, check_mode=False, want_diff=False, unsquashfs_path=None):
        self.part_params = params
        super().__init__(dict(params, sources=params.get('sources') or []), mksquashfs_path, check_mode=check_mode,
                         want_diff=want_diff, unsquashfs_path=unsquashfs_path)

    def run(self):
        self.params = build_params(self.part_params)
        result = super().run()
        result['init'] = self.part_params.get('init') is not None
        result['done'] = self.part_params.get('done') is not None
        return result
