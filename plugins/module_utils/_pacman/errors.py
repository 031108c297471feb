# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The error class of the pacman source kind.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

PACMAN_HINT = ('install pacman (Debian 12: apt-get install pacman-package-manager libarchive-tools; '
               'Arch Linux: it is there already)')


class PacmanError(RescueFleetError):
    """Packages cannot be turned into module content; the message says what to fix. Nothing was changed."""
