# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's one writer of SystemRescue YAML files, and what it tells about them.

``render(config)`` gives the stable bytes of a file (``render_reading`` with their reading);
``override_warnings`` says which values of a file a later source overrides; ``mask_text`` hides
passwords in a diff. sysrescue_config and pxe_hosts write through it. Validation and merging live
in :mod:`.schema`; what SystemRescue reads back in :mod:`.reader`.

Every string is written quoted (single quotes, double quotes when needed, or a literal block), so
that SystemRescue's reader, which turns a plain ``10.0.0.5`` into ``10.0`` and ``123secret`` into
``123.0``, reads exactly the text given; ``null`` and ``~`` are never written; keys that are
decimal numbers are written as numbers, as in the stock ``100-defaults.yaml``. ``render`` reads its
own output back by the reader's rules and refuses anything that would not come back as given.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import math
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import (
    CMDLINE_SOURCE, Reading, ReaderFailure, key_text, load, resolve_plain, table_of, yaml_name_skip_reason)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import key_path
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import (
    MASK, SECRET_KEYS, find_secrets)
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

try:
    import yaml
except ImportError:  # pragma: no cover - reported through the tasks' missing_library
    yaml = None

HEADER = '# Managed by Ansible (rescuefleet.media.sysrescue_config): local changes are overwritten.\n'
RENDER_WIDTH = 1 << 20  # never fold long values such as SSH keys
_DECIMAL = re.compile(r'^(0|[1-9][0-9]{0,14})\Z')
_WORD = re.compile(r'^[A-Za-z_][A-Za-z0-9_-]*\Z')


class ConfigError(RescueFleetError):
    """The task cannot go ahead; the message says what to do. Nothing was changed."""


# -- names and rendering ------------------------------------------------------------------
def check_yaml_name(name):
    """Refuse a file name that SystemRescue would not read as YAML, or that is not a plain file name."""
    if not name or name in ('.', '..') or '/' in name or '\\' in name:
        raise ConfigError('name %r must be a plain file name such as 500-fleet.yaml, without a directory' % (name,))
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ConfigError('name %r holds control characters; use a plain file name such as 500-fleet.yaml' % (name,))
    if name.startswith('.'):
        raise ConfigError('name %r starts with a dot; use a visible name such as 500-fleet.yaml' % (name,))
    reason = yaml_name_skip_reason(name)
    if reason is not None:
        stem = name[:-4] if name.lower().endswith('.yml') else name
        raise ConfigError('name %r: %s. Name it %s.yaml' % (name, reason, stem))


# Integers beyond this are not exact as the float SystemRescue's reader makes of every number.
_EXACT_INT = 2 ** 53


def _yaml_key(key, path):
    """Keys written as decimal numbers become numbers, as in the stock ``100-defaults.yaml``.

    Ansible hands every mapping key over as a string; SystemRescue's merge tells ``100`` from ``'100'``,
    so ``bash_history: {100: ...}`` must stay a number to override the stock entry. Every other key is
    written as a quoted string (``'10.0.0.5'``, ``'yes'``)."""
    if isinstance(key, bool) or key is None:
        raise ConfigError('%s: the key %r is a boolean or null, which SystemRescue cannot write as JSON; use a '
                          'string key' % (key_path(path) or 'the configuration', key))
    if isinstance(key, int):
        if abs(key) >= _EXACT_INT:
            raise ConfigError('%s: the key %d is too large for SystemRescue\'s numbers; quote it as a string'
                              % (key_path(path) or 'the configuration', key))
        return key
    if isinstance(key, float):
        raise ConfigError('%s: the key %r is a fractional number; give it as a string' % (key_path(path), key))
    key = str(key)
    if _DECIMAL.match(key):
        return int(key)
    return _WordKey(key) if _WORD.match(key) and resolve_plain(key) == key else key


class _WordKey(str):
    """A key such as ``global`` or ``ca-trust`` that SystemRescue's reader takes as the same text when
    written plain (starts with a letter, no number prefix, not a boolean word): written unquoted for
    readability, like the stock file. Every other string, and every value, is quoted."""


def _sort_key(key):
    return (0, key, '') if isinstance(key, int) else (1, 0, key)


def _prepare(node, path=()):
    """The configuration as it is written, or :class:`ConfigError` for a value SystemRescue would misread."""
    where = key_path(path) or 'the configuration'
    if isinstance(node, dict):
        items = [(_yaml_key(k, path + (k,)), _prepare(v, path + (k,))) for k, v in node.items()]
        keys = [k for k, _v in items]
        if len(set(keys)) != len(keys):
            raise ConfigError('the configuration holds the same key twice (once as a number, once as a string): %s'
                              % ', '.join(sorted(set(str(k) for k in keys if keys.count(k) > 1))))
        return dict(sorted(items, key=lambda item: _sort_key(item[0])))
    if isinstance(node, (list, tuple)):
        return [_prepare(v, path + (i + 1,)) for i, v in enumerate(node)]
    if node is None:
        raise ConfigError('%s is null, which SystemRescue\'s reader does not read as null (it reads the text "null", '
                          'or fails on ~); give a value, or "" to remove the key set by an earlier file' % where)
    if isinstance(node, bool) or isinstance(node, str):
        return node
    if isinstance(node, int):
        if abs(node) >= _EXACT_INT:
            raise ConfigError('%s is %d: SystemRescue reads every number as a float, which cannot hold it exactly; '
                              'quote it as a string' % (where, node))
        if tuple(str(p) for p in path[:2]) == ('sysconfig', 'sysctl'):
            # SystemRescue writes sysctl values as the number it read (10 -> "vm.swappiness = 10.0", which
            # sysctl refuses); as text the value reaches sysctl as it was given
            return str(node)
        return node
    if isinstance(node, float):
        if math.isnan(node) or math.isinf(node):
            raise ConfigError('%s is %r, which SystemRescue\'s reader cannot read as a number; quote it as a string'
                              % (where, node))
        return node
    raise ConfigError('%s is a %s; give a string, number, boolean, list or mapping' % (where, type(node).__name__))


def same_value(left, right):
    """Equal as SystemRescue sees them: tables by key text, numbers by value, booleans apart from numbers."""
    if isinstance(left, dict) and isinstance(right, dict):
        lmap = dict((key_text(k), v) for k, v in left.items())
        rmap = dict((key_text(k), v) for k, v in right.items())
        return set(lmap) == set(rmap) and all(same_value(lmap[k], rmap[k]) for k in lmap)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    return type(left) is type(right) and left == right


if yaml is not None:
    class _Dumper(yaml.SafeDumper):
        """Safe dumper that indents list items under their key (yamllint's default style)."""

        def increase_indent(self, flow=False, indentless=False):
            return super().increase_indent(flow, False)

    def _represent_str(dumper, value):
        # Several lines read best as a literal block; the emitter falls back to quotes when a block cannot
        # hold the value exactly (trailing spaces, special characters).
        # Never plain: a plain scalar is resolved by SystemRescue's rules (section 3a), quoted ones never.
        # NEL and the Unicode line separators would be folded inside single quotes: escape them.
        style = '"' if any(c in value for c in '\x85\u2028\u2029') else '|' if '\n' in value else "'"
        return dumper.represent_scalar('tag:yaml.org,2002:str', value, style=style)

    def _represent_word(dumper, value):
        return dumper.represent_scalar('tag:yaml.org,2002:str', str(value), style=None)

    _Dumper.add_representer(str, _represent_str)
    _Dumper.add_representer(_WordKey, _represent_word)
else:  # pragma: no cover
    _Dumper = None


def render_text(config):
    """Stable YAML text: comment header, ``---``, sorted keys, block style, safe quoting."""
    body = yaml.dump(_prepare(config), Dumper=_Dumper, sort_keys=False, explicit_start=True,
                     default_flow_style=False, allow_unicode=True, width=RENDER_WIDTH, indent=2)
    return HEADER + body


def render_reading(config):
    """The YAML file for ``config`` as a :class:`~.reader.Reading`: its bytes, checked by reading them back
    as SystemRescue does, and that reading (so nobody reads them again)."""
    read = Reading(render_text(config).encode('utf-8'))
    if read.failure is not None:  # pragma: no cover - _prepare refuses what could cause it
        raise ConfigError('internal error: the written file %s' % read.failure) from read.failure
    if read.reason is None and not same_value(read.table, table_of(_prepare(config))):
        raise ConfigError('internal error: SystemRescue would read the written file differently from the '
                          'configuration given; nothing was written')  # pragma: no cover
    return read


def render(config):
    """The bytes of the YAML file for ``config``, checked by reading them back as SystemRescue does."""
    return render_reading(config).data


_SECRET_LINE = re.compile(r'^(\s*(?:-\s+)?)(["\']?)(%s)\2(\s*:)([ \t]+)(\S.*)$' % '|'.join(SECRET_KEYS))


def mask_text(text):
    """A YAML text with the values of secret keys replaced by ``********`` for a diff.

    Single-line values are masked on their line; the parsed secret values (also multi-line ones)
    are masked wherever they occur. A text that does not parse but names a secret key is hidden."""
    if not text:
        return text
    try:
        data, reason = load(text)
    except ReaderFailure as exc:
        data, reason = None, str(exc)
    secrets = find_secrets(data) if reason is None else []
    if reason is not None and any(key in text for key in SECRET_KEYS):
        return '# (content hidden: the file does not parse and may hold a password)\n'
    lines = []
    for line in text.splitlines(True):
        ending = '\n' if line.endswith('\n') else ''
        match = _SECRET_LINE.match(line.rstrip('\n'))
        if match and match.group(6) not in ("''", '""'):
            line = ''.join((match.group(1), match.group(2), match.group(3), match.group(2), match.group(4),
                            match.group(5), "'%s'" % MASK, ending))
        lines.append(line)
    text = ''.join(lines)
    for secret in sorted(secrets, key=len, reverse=True):
        for piece in [secret] + secret.splitlines():
            piece = piece.strip()
            if piece:
                text = text.replace(piece, MASK)
    return text


# -- one module run -----------------------------------------------------------------------
def _leaves(node, path=(), seen=()):
    """``[(path, value)]`` of the values a table sets (``""`` included: it removes a key); paths of key texts."""
    if isinstance(node, dict) and node and id(node) not in seen:
        out = []
        for key, value in node.items():
            out.extend(_leaves(value, path + (key_text(key),), seen + (id(node),)))
        return out
    return [(path, node)]


def _lookup(table, path):
    node = table
    for part in path:
        keys = [k for k in node if key_text(k) == part] if isinstance(node, dict) else []
        if not keys:
            return False, None
        node = node[keys[-1]]
    return True, node


def override_warnings(table, label, effective):
    """Warnings for the values of ``table`` (the file ``label`` as read) that do not survive into ``effective``."""
    warnings = []
    for path, value in _leaves(table or {}):
        if not path:
            continue
        size = len(path)
        owners = sorted(set(src for key, src in effective.origin.items()
                            if key[:size] == path or path[:len(key)] == key))
        where = key_path(path)
        if isinstance(value, str) and value == '':
            present, _value = _lookup(effective.table, path)
            if present:
                warnings.append('%s: %s is removed here ("") but set again by %s, which SystemRescue reads later'
                                % (label, where, ', '.join(owners) or 'a later source'))
            continue
        if label in owners:
            continue
        if owners:
            warnings.append('%s: %s is overridden by %s, which SystemRescue applies later; the value set here has no '
                            'effect%s' % (label, where, ', '.join(owners), _order_hint(owners)))
        else:
            warnings.append('%s: %s is removed by a later file (a "" value), so the value set here has no effect'
                            % (label, where))
    return warnings


def _order_hint(owners):
    if owners == [CMDLINE_SOURCE]:
        return ' (the kernel command line always wins)'
    return ' (files apply in byte order of their names: pick a name that sorts later, e.g. a higher number)'
