# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way this collection runs external tools.

:func:`run` captures output, never reads the caller's stdin, and turns "not installed" and a
non-zero exit into the caller's error class with the tool's last lines and an install hint.
:func:`mtools_env` is the environment every mtools call gets.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import subprocess


def tail(data, lines=5):
    """The last ``lines`` lines of a tool's output, joined on one line."""
    text = data.decode('utf-8', 'replace') if isinstance(data, bytes) else (data or '')
    return ' / '.join(line.strip() for line in text.strip().splitlines()[-lines:])


def run(cmd, error, what=None, hint=None, stdin=None, env=None, allow_fail=False, text=True):
    """Run ``cmd``; return the ``CompletedProcess`` (``stdout`` decoded when ``text``).

    ``stdin`` is bytes or text to feed, or an open file; by default the tool reads nothing.
    ``error`` is the exception class to raise; ``what`` names the step in the message; ``hint``
    says how to install the tool when it is missing. With ``allow_fail`` a non-zero exit is returned
    rather than raised.
    """
    what = what or cmd[0]
    if stdin is None:
        feed = {'stdin': subprocess.DEVNULL}
    elif isinstance(stdin, (bytes, str)):
        feed = {'input': stdin.encode('utf-8') if isinstance(stdin, str) else stdin}
    else:
        feed = {'stdin': stdin}  # an open file
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False, **feed)
    except OSError as exc:
        raise error('cannot run %s: %s%s' % (cmd[0], exc.strerror or exc, '; ' + hint if hint else '')) from exc
    if proc.returncode != 0 and not allow_fail:
        raise error('%s failed (exit %d): %s' % (what, proc.returncode, tail(proc.stderr or proc.stdout)
                                                 or 'no output'))
    if text:
        proc.stdout = proc.stdout.decode('utf-8', 'replace')
    return proc


def mtools_env():
    """mtools without its drive-geometry check, with long names on, and with a fixed C locale."""
    return dict(os.environ, MTOOLS_SKIP_CHECK='1', MTOOLS_NO_VFAT='0', LC_ALL='C')


def find_bin(get_bin_path, *names):
    """The first of ``names`` that ``get_bin_path`` (``AnsibleModule.get_bin_path``) finds, or None.

    Distributions install some tools under other names (``grub-script-check`` on Debian is
    ``grub2-script-check`` on RPM systems); a module lists them all instead of failing on one.
    """
    for name in names:
        path = get_bin_path(name)
        if path:
            return path
    return None
