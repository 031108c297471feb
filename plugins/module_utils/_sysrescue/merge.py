# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SystemRescue's effective configuration: which YAML files it reads, in which order, how they merge.

Pure functions, no medium and no Ansible:

- ``order_yaml_names(names)``: the names of ``sysrescue.d/`` that SystemRescue reads, in its order,
  and the ones it skips with the reason;
- ``merge(base, new)``: one merge step (mappings recursively, ``""`` removes a key, lists by index,
  anything else replaced);
- ``parse_cmdline(cmdline)`` / ``cmdline_overrides(cmdline)``: the kernel command line and the
  options of it that override the YAML;
- ``effective_config(yaml_files, sysrescuecfg, cmdline)``: all of it, as SystemRescue does at boot.

Mapping keys are compared as SystemRescue's JSON effective configuration writes them: as strings,
so ``100`` and ``'100'`` are the same key.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import copy

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import (
    GLOBAL_KEYS, AUTORUN_KEYS, BOOL, check_effective, key_path, key_text)

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - PyYAML comes with ansible-core
    HAS_YAML = False
    YAML_IMPORT_ERROR = exc
# what a task that needs PyYAML reports through its ``missing_library`` attribute (see _module_glue)
MISSING_YAML = None if HAS_YAML else ('PyYAML', YAML_IMPORT_ERROR)

YAML_SUFFIX = '.yaml'

# The options of the kernel command line that override the merged YAML (SystemRescue 12), by scope.
CMDLINE_OVERRIDES = {
    'global': ('copytoram', 'cow_label', 'cow_directory', 'checksum', 'loadsrm', 'dostartx', 'dovnc',
               'noautologin', 'nofirewall', 'rootshell', 'rootpass', 'rootcryptpass', 'setkmap', 'vncpass'),
    'autorun': ('ar_disable', 'ar_nowait', 'ar_nodel', 'ar_ignorefail', 'ar_attempts', 'ar_source',
                'ar_suffixes'),
}
CMDLINE_SOURCE = 'kernel command line'
HTTP_PXE_ARG = 'archiso_http_srv'


class _Hole:
    """A list slot emptied by ``""``: SystemRescue leaves a hole there (null in its JSON)."""

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return '<hole>'


_REMOVED = _Hole()


def name_order_key(name):
    """Byte order of a file name, as SystemRescue sorts the paths it reads."""
    return name.encode('utf-8', 'surrogateescape')


def yaml_name_skip_reason(name):
    """``None`` when SystemRescue reads ``sysrescue.d/<name>``, else why it does not."""
    lower = name.lower()
    if lower.endswith(YAML_SUFFIX):
        return None
    if lower.endswith('.yml'):
        return 'SystemRescue reads only *.yaml files and ignores .yml; rename it to end in .yaml'
    return 'not a .yaml file'


def order_yaml_names(names):
    """``(read, skipped)``: the names SystemRescue reads in its order, and ``[(name, reason)]``."""
    read = []
    skipped = []
    for name in names:
        reason = yaml_name_skip_reason(name)
        if reason is None:
            read.append(name)
        else:
            skipped.append((name, reason))
    read.sort(key=name_order_key)
    skipped.sort(key=lambda item: name_order_key(item[0]))
    return read, skipped


def parse_yaml(text):
    """``(config, None)`` for a YAML document that is a mapping, else ``(None, reason)``."""
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8')
        except UnicodeDecodeError as exc:
            return None, 'not UTF-8 text (%s)' % exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, 'does not parse as YAML: %s' % ' '.join(str(exc).split())
    if not isinstance(data, dict):
        return None, 'is not a mapping of scopes (it holds %s)' % ('nothing' if data is None else type(data).__name__)
    return data, None


def normalize(node):
    """A deep copy of ``node`` with every mapping key as a string."""
    if isinstance(node, dict):
        return dict((key_text(k), normalize(v)) for k, v in node.items())
    if isinstance(node, list):
        return [normalize(v) for v in node]
    return node


class Merger:
    """Merges sources one after the other, remembering which source set each value."""

    def __init__(self):
        self.config = {}
        self.origin = {}  # path tuple -> source name, for every leaf and container replaced whole
        self.notes = []

    def add(self, new, source):
        self.config = self._merge(self.config, normalize(new), source, ())
        return self.config

    def _drop_origin(self, path):
        size = len(path)
        for key in [k for k in self.origin if k[:size] == path]:
            del self.origin[key]

    def _set_origin(self, path, value, source):
        self._drop_origin(path)
        if isinstance(value, dict) and value:
            for key, item in value.items():
                self._set_origin(path + (key,), item, source)
        elif isinstance(value, list) and value:
            for index, item in enumerate(value):
                self._set_origin(path + (index,), item, source)
        else:
            self.origin[path] = source

    def _merge(self, base, new, source, path):
        if isinstance(base, dict) and isinstance(new, dict):
            for key, value in new.items():
                sub = path + (key,)
                if isinstance(value, str) and value == '':
                    base.pop(key, None)
                    self._drop_origin(sub)
                elif key in base:
                    base[key] = self._merge(base[key], value, source, sub)
                else:
                    base[key] = copy.deepcopy(value)
                    self._set_origin(sub, value, source)
            return base
        if isinstance(base, list) and isinstance(new, list):
            for index, value in enumerate(new):
                sub = path + (index,)
                if isinstance(value, str) and value == '':
                    if index < len(base):
                        base[index] = _REMOVED
                    else:
                        base.extend([_REMOVED] * (index + 1 - len(base)))
                    self._drop_origin(sub)
                    self.notes.append('%s: "" inside a list leaves a hole in SystemRescue\'s list (read as null); '
                                      'give the whole list instead' % key_path(sub))
                elif index < len(base) and base[index] is not _REMOVED:
                    base[index] = self._merge(base[index], value, source, sub)
                else:
                    if index >= len(base):
                        base.extend([_REMOVED] * (index + 1 - len(base)))
                    base[index] = copy.deepcopy(value)
                    self._set_origin(sub, value, source)
            return base
        if isinstance(base, (dict, list)) and isinstance(new, (dict, list)) and path:
            self.notes.append('%s: a %s replaces a %s; SystemRescue merges the two as tables, so keep one type' %
                              (key_path(path), type(new).__name__.replace('dict', 'mapping'),
                               type(base).__name__.replace('dict', 'mapping')))
        self._set_origin(path, new, source)
        return copy.deepcopy(new)

    def finish(self):
        self.config = _close_holes(self.config)
        return self.config


def _close_holes(node):
    if isinstance(node, dict):
        return dict((k, _close_holes(v)) for k, v in node.items())
    if isinstance(node, list):
        items = list(node)
        while items and items[-1] is _REMOVED:
            items.pop()
        return [None if v is _REMOVED else _close_holes(v) for v in items]
    return node


def merge(base, new):
    """``base`` with ``new`` merged over it by SystemRescue's rules; neither argument is changed."""
    merger = Merger()
    merger.add(base, 'base')
    merger.add(new, 'new')
    return merger.finish()


def parse_cmdline(cmdline):
    """``[(key, value)]`` for each white-space separated token; ``value`` is ``None`` for a bare ``key``."""
    tokens = []
    for token in (cmdline or '').split():
        key, sep, value = token.partition('=')
        tokens.append((key, value if sep else None))
    return tokens


def cmdline_values(cmdline):
    """``{key: value}`` of a command line, the last occurrence of a key winning."""
    values = {}
    for key, value in parse_cmdline(cmdline):
        values[key] = value
    return values


def cmdline_sysrescuecfg(cmdline):
    """The ``sysrescuecfg=`` sources of a command line, in order (every occurrence counts)."""
    return [value for key, value in parse_cmdline(cmdline) if key == 'sysrescuecfg' and value]


def is_http_pxe(cmdline):
    """Does the command line boot over HTTP PXE, where no ``sysrescue.d`` is read?"""
    return HTTP_PXE_ARG in cmdline_values(cmdline)


def cmdline_overrides(cmdline):
    """``({scope: {key: value}}, warnings)``: what the command line sets over the YAML.

    A bare option means ``True``; ``key=value`` gives the string ``value`` (SystemRescue's readers
    then interpret it, e.g. ``loadsrm=0`` is false)."""
    values = cmdline_values(cmdline)
    overrides = {}
    warnings = []
    for scope, keys in CMDLINE_OVERRIDES.items():
        kinds = GLOBAL_KEYS if scope == 'global' else AUTORUN_KEYS
        for key in keys:
            if key not in values:
                continue
            value = values[key]
            if value is None:
                value = True
                if kinds.get(key) != BOOL:
                    warnings.append('the kernel command line has a bare %s without a value; SystemRescue sets it '
                                    'to true, which is not a usable %s' % (key, key))
            overrides.setdefault(scope, {})[key] = value
    return overrides, warnings


def apply_cmdline(config, cmdline):
    """``(config, warnings)``: ``config`` with the command-line overrides applied (a new object)."""
    merger = Merger()
    merger.add(config, 'yaml')
    overrides, warnings = cmdline_overrides(cmdline)
    _apply_overrides(merger, overrides)
    return merger.finish(), warnings


def _apply_overrides(merger, overrides):
    for scope, values in overrides.items():
        if not isinstance(merger.config.get(scope), dict):
            merger.config[scope] = {}
        for key, value in values.items():
            merger.config[scope][key] = value
            merger._set_origin((scope, key), value, CMDLINE_SOURCE)


class Effective:
    """The outcome of :func:`compute_effective`."""

    def __init__(self, config, origin, warnings, skipped, order):
        self.config = config
        self.origin = origin      # {path tuple: source name}
        self.warnings = warnings
        self.skipped = skipped    # [{'name', 'reason'}]
        self.order = order        # source names in the order they were applied


def compute_effective(yaml_files, sysrescuecfg=(), cmdline=''):
    """Merge like SystemRescue at boot.

    ``yaml_files``: ``[(name, text)]`` of the regular files of ``sysrescue.d/`` (any order; names
    that SystemRescue ignores are reported in ``skipped``). ``sysrescuecfg``: texts, or
    ``(name, text)`` pairs, of the ``sysrescuecfg=`` sources in kernel-argument order. ``cmdline``:
    the kernel command line whose override list applies last. Texts may be ``str`` or ``bytes``.
    """
    merger = Merger()
    warnings = []
    skipped = []
    order = []
    files = dict(yaml_files or ())
    if files and is_http_pxe(cmdline):
        skipped.extend({'name': name, 'reason': 'the command line boots over HTTP PXE (%s=), which reads no '
                                                'sysrescue.d; give it with sysrescuecfg= instead' % HTTP_PXE_ARG}
                       for name in sorted(files, key=name_order_key))
        files = {}
    read, ignored = order_yaml_names(list(files))
    skipped.extend({'name': name, 'reason': reason} for name, reason in ignored)
    sources = [(name, files[name]) for name in read]
    for index, item in enumerate(sysrescuecfg or ()):
        if isinstance(item, (tuple, list)):
            sources.append((item[0], item[1]))
        else:
            sources.append(('sysrescuecfg[%d]' % index, item))
    for name, text in sources:
        data, reason = parse_yaml(text)
        if reason:
            skipped.append({'name': name, 'reason': 'SystemRescue skips it (and pauses the boot 20 s): it %s' % reason})
            continue
        merger.add(data, name)
        order.append(name)
    referenced = cmdline_sysrescuecfg(cmdline)
    if referenced and len(referenced) != len(sysrescuecfg or ()):
        warnings.append('the command line names %d sysrescuecfg= source(s) (%s) but %d were given to merge; the '
                        'effective configuration may be incomplete' %
                        (len(referenced), ', '.join(referenced) or 'none', len(sysrescuecfg or ())))
    overrides, cmd_warnings = cmdline_overrides(cmdline)
    warnings.extend(cmd_warnings)
    if overrides:
        _apply_overrides(merger, overrides)
        order.append(CMDLINE_SOURCE)
    config = merger.finish()
    warnings.extend(merger.notes)
    warnings.extend(check_effective(config))
    return Effective(config, merger.origin, warnings, skipped, order)


def effective_config(yaml_files, sysrescuecfg=(), cmdline=''):
    """``(config, warnings, skipped)``; see :func:`compute_effective`."""
    result = compute_effective(yaml_files, sysrescuecfg, cmdline)
    return result.config, result.warnings, result.skipped
