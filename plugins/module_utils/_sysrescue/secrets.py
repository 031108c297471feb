# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Passwords in SystemRescue configurations and command lines: which keys, and how they are masked.

One home for the secret keys and the mask, used by every module that shows a configuration, a
diff or a kernel command line.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import cmdline_tokens, key_text

SECRET_KEYS = ('rootpass', 'vncpass', 'rootcryptpass')
PLAIN_SECRET_KEYS = ('rootpass', 'vncpass')
MASK = '********'


def cmdline_secrets(cmdline):
    """The password values of a kernel command line, as the kernel passes them (a quoted value whole)
    and as SystemRescue's reader splits them (``rootpass="two words"`` gives ``"two``): both are masked."""
    found = []
    for dialect in ('kernel', 'words'):
        found += [value for key, value in cmdline_tokens(cmdline, dialect)
                  if key in SECRET_KEYS and value is not True and value != '' and value not in found]
    return found


def walk_mappings(node, visit):
    """Call ``visit(key, value)`` for every key of every mapping in ``node`` (nested lists and mappings,
    a table shared by an alias once); where ``visit`` returns false, go on into the value."""
    seen = set()

    def walk(item):
        if isinstance(item, (dict, list)):
            if id(item) in seen:
                return
            seen.add(id(item))
        if isinstance(item, dict):
            for key, value in item.items():
                if not visit(key, value):
                    walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)
    walk(node)


def find_secrets(config):
    """Values of secret keys (``rootpass``, ``vncpass``, ``rootcryptpass``) anywhere in ``config``."""
    found = []

    def visit(key, value):
        if key_text(key) in SECRET_KEYS and isinstance(value, (str, int, float)) and not isinstance(value, bool) \
                and str(value) != '':
            found.append(str(value))
            return True
        return False
    walk_mappings(config, visit)
    return found


def plain_secret_keys(config):
    """Names of the plain-text password keys that ``config`` sets to a value."""
    scope = config.get('global') if isinstance(config, dict) else None
    if not isinstance(scope, dict):
        return []
    return [key for key in PLAIN_SECRET_KEYS if scope.get(key) not in (None, '')]


def mask_secrets(node):
    """A copy of ``node`` with the values of secret keys replaced by ``********``."""
    if isinstance(node, dict):
        out = {}
        for key, item in node.items():
            if key_text(key) in SECRET_KEYS and not isinstance(item, (dict, list)) and item not in (None, ''):
                out[key] = MASK
            else:
                out[key] = mask_secrets(item)
        return out
    if isinstance(node, list):
        return [mask_secrets(item) for item in node]
    return node
