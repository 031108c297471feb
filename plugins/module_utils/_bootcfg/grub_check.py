# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""GRUB results checked with grub-script-check before they are written.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import subprocess
import tempfile


def grub_script_check(binary, data):
    """``None`` when ``grub-script-check`` accepts ``data``, else its complaint."""
    fd, temp = tempfile.mkstemp(prefix='rescuefleet-grub-', suffix='.cfg')
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
        proc = subprocess.run([binary, temp], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
    finally:
        os.unlink(temp)
    if proc.returncode == 0:
        return None
    message = proc.stdout.decode('utf-8', 'replace').replace(temp, '<result>').strip()
    return message or 'grub-script-check exited with %d' % proc.returncode
