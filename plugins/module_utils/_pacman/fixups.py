# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make pacman's local database entries of a staging root reproducible.

pacman writes the time of installation into each ``desc`` (``%INSTALLDATE%``); it becomes the
package's own ``%BUILDDATE%`` (so the same package gives the same bytes on any day). Packages are
installed from files with ``pacman -U``, which records every one as explicitly installed; those not
requested get ``%REASON%`` 1 (installed as a dependency), as ``pacman -S`` in a live session would
record them, so ``pacman -Qdt`` there works as usual. File times do not matter: mksquashfs stores 0.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.database import parse_desc


def fix_desc(text, explicit):
    """The ``desc`` text with a fixed install date and the install reason set; the rest byte for byte."""
    fields = parse_desc(text)
    build_date = (fields.get('BUILDDATE') or ['0'])[0]
    text = re.sub(r'(?m)^%INSTALLDATE%\n[^\n]*\n', '%%INSTALLDATE%%\n%s\n' % build_date, text)
    text = re.sub(r'(?m)^%REASON%\n[^\n]*\n\n', '', text)
    if not explicit:
        # where pacman writes it: right after %SIZE%
        match = re.search(r'(?m)^%SIZE%\n[^\n]*\n\n', text)
        at = match.end() if match else len(text)
        text = text[:at] + '%REASON%\n1\n\n' + text[at:]
    return text


def fix_local_db(local_db, entries, requested):
    """Rewrite the ``desc`` of ``entries`` (directory names) below ``local_db``."""
    for entry in entries:
        path = os.path.join(local_db, entry, 'desc')
        if not os.path.isfile(path):  # ALPM_DB_VERSION, which pacman writes into a new database
            continue
        with open(path, 'r', encoding='utf-8', errors='surrogateescape') as handle:
            text = handle.read()
        name = (parse_desc(text).get('NAME') or [''])[0]
        fixed = fix_desc(text, name in requested)
        if fixed != text:
            with open(path, 'w', encoding='utf-8', errors='surrogateescape') as handle:
                handle.write(fixed)
