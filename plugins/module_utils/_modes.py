# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""File modes given as options, read the way Ansible's own modules read them.

An unquoted ``mode: 0644`` in YAML arrives as the integer 420, which *is* the mode 0o644: an integer is
taken as it is. A string is octal digits (``'0644'``, ``'644'``, ``'0o644'``). Options that take a mode
are declared ``type: raw`` so that Ansible does not turn 420 into the string ``'420'`` (which would then
read as 0o420).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

_OCTAL = re.compile(r'^(?:0o?)?([0-7]{1,4})\Z')


class ModeError(RescueFleetError):
    """A mode option cannot be read; the message names the option and shows what is accepted."""


def parse_mode(mode, who='mode'):
    """The mode as an int, or ``None`` when not given (``None`` or ``''``)."""
    if mode is None or mode == '':
        return None
    if isinstance(mode, bool):
        raise ModeError('%s: %r is not a file mode; give an octal string such as "0644"' % (who, mode))
    if isinstance(mode, int):
        value = mode
    else:
        match = _OCTAL.match(str(mode).strip())
        if not match:
            raise ModeError('%s: %r is not an octal mode such as "0644" or "0755" (quote it in YAML)' % (who, mode))
        value = int(match.group(1), 8)
    if not 0 <= value <= 0o7777:
        raise ModeError('%s: %r is out of range (0000..7777)' % (who, mode))
    return value
