# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of pxe_hosts: the passwords in its arguments are masked in every result (see _mask_secrets)."""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.plugin_utils._mask_secrets import SecretMaskingAction


class ActionModule(SecretMaskingAction):
    pass
