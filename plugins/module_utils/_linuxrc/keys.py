# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How linuxrc recognises its option keys (``extend``, ``insecure``, ...), on the command line and in files.

linuxrc's ``file_str2key`` (``file.c``) compares a key with its keyword table through
``strcasecmpignorestrich``: case is ignored, and so are the characters ``-``, ``_`` and ``.`` - except
in a string that starts with ``_``, which is compared as it is. So ``Extend``, ``EXTEND``, ``ex-tend``
and ``e.x_tend`` all name the option ``extend``, while ``_extend`` names none. On the command line
(``file_parse_buffer``) a key ends at the first ``=`` and one trailing ``:`` is dropped.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations


def _folded(text):
    if text.startswith('_'):
        return text.lower()
    return ''.join(char for char in text if char not in '-_.').lower()


def same_key(key, keyword):
    """Whether linuxrc reads ``key`` as its option ``keyword``."""
    return isinstance(key, str) and _folded(key) == _folded(keyword)


def cmdline_key(key):
    """The key of a command-line argument as linuxrc compares it: one trailing ``:`` dropped."""
    return key[:-1] if key.endswith(':') else key


def cmdline_value(value):
    """The value of a command-line argument as linuxrc stores it: a bare ``key`` has the empty value."""
    return '' if value is True or value is None else value


def is_cmdline_option(key, keyword):
    """Whether the command-line argument with ``key`` is linuxrc's option ``keyword``."""
    return same_key(cmdline_key(key), keyword)
