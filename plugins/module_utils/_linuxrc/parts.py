# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The parts of a SUSE medium that linuxrc_parts manages: the wanted ones resolved, the medium's own refused.

The planning, space check, atomic writes and index are srm_deploy's (:class:`~.._srm.deploy.Deploy`),
with the naming policy of :mod:`.names`: only parts this collection put there count as members, so the
medium's own inst-sys parts are never replaced or removed. Each part's format is checked as linuxrc
checks it (:mod:`.formats`). The run object, which also keeps the digest list linuxrc reads
(``CHECKSUMS`` or ``/content``, :mod:`.digests`) correct and refuses, re-signs or knowingly
invalidates a signed one (:mod:`.signing`), is ``_tasks/linuxrc_parts.py``.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import formats
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError, part_naming
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import parse_index


def resolve(items, state):
    """The wanted parts, resolved as srm_deploy resolves its ``srms`` (size, sha256 from a manifest), each
    local part checked as linuxrc checks its format."""
    # linuxrc mounts filesystem images and unpacks cpio, tar and rpm archives: formats.check_part decides
    wanted = wanted_modules.resolve(items, state, allow_non_squashfs=True, option='parts')
    if state == 'present':
        for number, item in enumerate(wanted):
            if item.get('src') and os.path.isfile(item['src']):
                formats.check_part(item['src'], 'parts[%d].src %s' % (number, item['src']))
    return wanted


def managed_parts(medium, basedir, wanted, state):
    """The names of the parts this collection manages in ``basedir``, after refusing to touch the medium's own."""
    if not any(e['type'] == 'dir' for e in medium.list_dir('boot') if e['name'] == posixpath.basename(basedir)):
        raise LinuxrcError('%s/ does not exist on the medium, so it is not a SUSE installation medium for this '
                           'architecture; check media and arch (linuxrc loads parts from boot/<arch>/)' % basedir)
    index = parse_index(medium.read_bytes(posixpath.join(basedir, part_naming(()).index_name)))
    existing = {e['name'].lower(): e for e in medium.list_dir(basedir)}
    for item in wanted:
        entry = existing.get(item['name'].lower())
        if entry is None or entry['name'] in index:
            continue
        raise LinuxrcError('%s/%s is already on the medium and was not put there by this collection (one of '
                           'the medium\'s own parts, or another file), so it is neither replaced nor removed; '
                           'choose another name for the part, nothing was changed' % (basedir, entry['name']))
    if state == 'absent':
        return set(index)
    return set(index) | {item['name'] for item in wanted}
