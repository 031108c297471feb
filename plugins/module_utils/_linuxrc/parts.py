# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The work of the ``linuxrc_parts`` module: a set of parts in ``boot/<arch>/`` of a SUSE medium.

The planning, space check, atomic writes, sweeping and index are srm_deploy's
(:class:`~.._srm.deploy.Deploy`), with the naming policy of :mod:`.names`: only parts this
collection put there count as members, so the medium's own inst-sys parts are never replaced or
removed. ``CHECKSUMS`` is kept correct in two steps (:mod:`.checksums`).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules


def resolve(items, state):
    """The wanted parts, resolved as srm_deploy resolves its ``srms`` (size, sha256 from a manifest)."""
    try:
        # linuxrc loads squashfs parts and unpacks cpio and rpm ones: the content is not checked here
        return wanted_modules.resolve(items, state, allow_non_squashfs=True)
    except wanted_modules.WantedError as exc:
        raise LinuxrcError(str(exc).replace('srms', 'parts', 1)) from exc
