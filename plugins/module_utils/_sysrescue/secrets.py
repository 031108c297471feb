# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Passwords in SystemRescue configurations and command lines: which keys, and how they are masked.

One home for the secret keys and the mask, used by every module that shows a configuration, a
diff or a kernel command line. Every value under a secret key is secret, whatever its type: a
password given by mistake as a list or a mapping is refused by the schema, but its items must not
show in the refusal, in the invocation Ansible prints at ``-vvv`` or in a diff either.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import WHITESPACE, tokenize
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


def secret_values(value):
    """The texts of a value found under a secret key, whatever its type: a scalar itself, the items of a list
    and the keys and values of a mapping, at any depth. ``None``, booleans and empty strings carry no secret."""
    found = []
    seen = set()

    def walk(item):
        if isinstance(item, (dict, list, tuple)):
            if id(item) in seen:
                return
            seen.add(id(item))
            for element in (list(item.keys()) + list(item.values())) if isinstance(item, dict) else item:
                walk(element)
        elif item is not None and not isinstance(item, bool) and str(item) != '':
            found.append(str(item))
    walk(value)
    return found


def find_secrets(config):
    """Values of secret keys (``rootpass``, ``vncpass``, ``rootcryptpass``) anywhere in ``config``, of any
    type (see :func:`secret_values`)."""
    found = []

    def visit(key, value):
        if key_text(key) in SECRET_KEYS:
            found.extend(secret_values(value))
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
    """A copy of ``node`` with the values of secret keys replaced by ``********``, whatever their type."""
    if isinstance(node, dict):
        out = {}
        for key, item in node.items():
            if key_text(key) in SECRET_KEYS and secret_values(item):
                out[key] = MASK
            else:
                out[key] = mask_secrets(item)
        return out
    if isinstance(node, list):
        return [mask_secrets(item) for item in node]
    return node


# A password argument in the text of a boot config or command line, whatever the language: the key at
# the start of a word, or right after the quote that opens a quoted word ('rootpass=..' in GRUB,
# "rootpass=.." for the kernel, \"rootpass=..\" inside GRUB's eval "...").
_SECRET_ARGUMENT = re.compile(r'(?:(?<=^)|(?<=[%s\'"]))(?:%s)=' % (re.escape(WHITESPACE), '|'.join(SECRET_KEYS)))


def _quoted_end(text, pos, quote, limit):
    """The position after the ``quote`` that closes a quoted stretch starting at ``pos`` (the line's end
    when none does)."""
    end = text.find(quote, pos, limit)
    return limit if end < 0 else end + len(quote)


def mask_cmdline_text(text):
    """``(text with every password argument's value replaced by ********, the values as written)``.

    Works on any boot config or command line (syslinux, GRUB, iPXE, systemd-boot, ``/proc/cmdline``):
    a value runs to the first whitespace outside quotes, single or double, with backslash escapes;
    a value whose word opened with a quote runs at least to the quote that closes it."""
    if not text or not any(key in text for key in SECRET_KEYS):
        return text, []
    out = []
    values = []
    pos = 0
    for match in _SECRET_ARGUMENT.finditer(text):
        if match.start() < pos:
            continue  # inside a value masked already
        start = match.end()
        line_end = text.find('\n', start)
        limit = len(text) if line_end < 0 else line_end
        end = start
        opener = text[match.start() - 1] if match.start() else ''
        quoted = opener in ('"', "'")
        if quoted:
            # the word is quoted whole: the value runs to the closing quote
            inner = '\\"' if opener == '"' and match.start() >= 2 and text[match.start() - 2] == '\\' else opener
            close = text.find(inner, start, limit)
            end = limit if close < 0 else close
        while not quoted and end < limit and text[end] not in WHITESPACE:
            char = text[end]
            if text.startswith('\\"', end):
                end = _quoted_end(text, end + 2, '\\"', limit)
            elif char == '\\':
                end = min(end + 2, limit)
            elif char in '"\'':
                close = text.find(char, end + 1, limit)
                if close < 0 and end > start:
                    break  # a quote closed nowhere after the value started: the value's word ends there
                end = limit if close < 0 else close + 1
            else:
                end += 1
        value = text[start:end]
        if value:
            # as written, and as the boot loaders hand it on (quotes removed, escapes applied)
            whole = ['x=' + value, 'x=' + value.replace('\\"', '"')]
            for spelling in [value] + [token.value for dialect in ('shell', 'shell-dq', 'kernel') for word in whole
                                       for token in tokenize(word, dialect) if token.raw == word]:
                if isinstance(spelling, str) and spelling and spelling not in values:
                    values.append(spelling)
            out.append(text[pos:start])
            out.append(MASK)
            pos = end
    out.append(text[pos:])
    return ''.join(out), values
