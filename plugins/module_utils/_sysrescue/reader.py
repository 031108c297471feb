# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one model of SystemRescue's configuration reader and of the initramfs early-load test.

SystemRescue 12 reads its YAML with Lua (the lubyk binding over libYAML) and writes the effective
configuration with dkjson; the initramfs hook then reads ``global.loadsrm`` with jq. Their rules
(docs/systemrescue.md sections 3, 3a and 3b) differ from PyYAML's, so PyYAML is used only to get
the node tree (``yaml.compose``: styles and shared anchors) and every plain scalar is resolved here:

- ``true``/``yes``/``false``/``no`` (lower case only) are booleans; a plain scalar that starts with
  a number is that leading number, as a float (``10.0.0.5`` is ``10.0``); an empty plain value is
  ``""``; ``null`` is a string; ``~`` makes the reader fail; every quoted or block scalar is a string.
- YAML mappings and sequences are both Lua tables: a sequence is the table ``{1: a, 2: b}``. So
  tables are modelled as dicts whose keys are ``str``, ``int`` (a float key with an integer value
  is an integer, as in Lua), ``float`` or ``bool``.
- Merge is by key for every table; ``""`` removes a key that exists and is stored otherwise; an
  alias is the same table as its anchor, so a later merge into one shows through the other.
- The kernel command line is read with the collection's one tokenizer (``_kernel_args``):
  the Lua reader splits ``/proc/cmdline`` on whitespace and keeps quotes as characters (dialect
  ``words``), while mkinitcpio, which sets the hook's ``loadsrm``, strips them (dialect ``kernel``).
- :func:`to_json` writes a table as dkjson does; a boolean key makes it fail.

Whenever SystemRescue's reader would produce no JSON at all, :class:`ReaderFailure` carries the
reason; :func:`compute_effective` reports it in ``Effective.error`` instead of a configuration.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import copy
import math
import posixpath
import re

from urllib.parse import unquote

from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import WHITESPACE, tokenize
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import (
    BOOTMNT, CONFIG_DIR, HTTP_PXE_ARG, SYSRESCUECFG_ARG, TRUE_WORDS)

try:
    import yaml
    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None
    HAS_YAML = False
    YAML_IMPORT_ERROR = exc
# what a task that needs PyYAML reports through its ``missing_library`` attribute (see _module_glue)
MISSING_YAML = None if HAS_YAML else ('PyYAML', YAML_IMPORT_ERROR)

# The reader's file name test: the Lua pattern ".[Yy][Aa][Mm][Ll]$" (any one character, then yaml).
_READ_NAME = re.compile(r'.[Yy][Aa][Mm][Ll]\Z', re.S)
# The leading number of a plain scalar (decimal only: 0x10 is 0.0).
_NUMBER = re.compile(r'[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?')

# The options of the kernel command line that override the merged YAML (SystemRescue 12), by scope.
CMDLINE_OVERRIDES = {
    'global': ('copytoram', 'cow_label', 'cow_directory', 'checksum', 'loadsrm', 'dostartx', 'dovnc',
               'noautologin', 'nofirewall', 'rootshell', 'rootpass', 'rootcryptpass', 'setkmap', 'vncpass'),
    'autorun': ('ar_disable', 'ar_nowait', 'ar_nodel', 'ar_ignorefail', 'ar_attempts', 'ar_source',
                'ar_suffixes'),
}
CMDLINE_TRUE = ('y', 'yes', 'true')
CMDLINE_FALSE = ('n', 'no', 'false')
CMDLINE_SOURCE = 'kernel command line'


class ReaderFailure(RescueFleetError):
    """SystemRescue's reader would stop here and write no effective configuration at all."""


# -- values ---------------------------------------------------------------------------------
def resolve_plain(text):
    """The value of a plain (unquoted) scalar as SystemRescue's reader gives it."""
    if text == '~':
        raise ReaderFailure('holds a plain ~, which makes SystemRescue\'s reader fail; write "" to remove a key '
                            'or quote the text')
    if text in ('true', 'yes'):
        return True
    if text in ('false', 'no'):
        return False
    match = _NUMBER.match(text)
    if match:
        return float(match.group(0))
    return text


def lua_key(value):
    """A value used as a table key: floats with an integer value are integer keys in Lua."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 63:
        return int(value)
    return value


def key_text(key):
    """A table key as SystemRescue's JSON spells it (``10`` for the integer key, ``true`` for a boolean)."""
    if isinstance(key, bool):
        return 'true' if key else 'false'
    if key is None:
        return 'null'
    if isinstance(key, float):
        return lua_number(key)
    return str(key)


def lua_number(value):
    """Lua's ``tostring`` of a float (``%.14g``, with ``.0`` on whole numbers)."""
    text = '%.14g' % value
    if re.match(r'^-?[0-9]+$', text):
        text += '.0'
    return text


def is_true(value):
    """SystemRescue's truth test: ``value`` (a bare flag or a JSON value), as text in lower case, is one
    of ``y yes t true on 1 1.0``."""
    if value is True or value is False:
        return value
    if isinstance(value, (int, float)):
        return value == 1
    if isinstance(value, str):
        return value.lower() in TRUE_WORDS
    return False


# -- files ----------------------------------------------------------------------------------
def reads_name(name):
    """Does the reader take ``sysrescue.d/<name>`` (a regular file) as YAML?"""
    return bool(_READ_NAME.search(name))


def yaml_name_skip_reason(name):
    """``None`` when SystemRescue reads ``sysrescue.d/<name>``, else why it does not."""
    if reads_name(name):
        return None
    if name.lower().endswith('.yml'):
        return 'SystemRescue reads only names ending in .yaml (any case) and ignores .yml; rename it to end in .yaml'
    return 'not a .yaml file'


def name_order_key(name):
    """Byte order of a file name, as SystemRescue sorts the paths it reads."""
    return name.encode('utf-8', 'surrogateescape')


def order_yaml_names(names):
    """``(read, skipped)``: the names SystemRescue reads in its order, and ``[(name, reason)]``."""
    read = sorted((n for n in names if reads_name(n)), key=name_order_key)
    skipped = sorted(((n, yaml_name_skip_reason(n)) for n in names if not reads_name(n)),
                     key=lambda item: name_order_key(item[0]))
    return read, skipped


def load(text):
    """``(table, None)`` for a file the reader merges, ``(None, reason)`` for one it skips.

    Raises :class:`ReaderFailure` when the reader would fail on it (a plain ``~``)."""
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8')
        except UnicodeDecodeError as exc:
            return None, 'is not UTF-8 text (%s)' % exc
    try:
        # only the first document counts; later ones are not even composed
        node = next(iter(yaml.compose_all(text, Loader=yaml.SafeLoader)), None)
    except yaml.YAMLError as exc:
        return None, 'does not parse as YAML: %s' % ' '.join(str(exc).split())
    # A YAML sequence is a Lua table like a mapping (keys 1..n): the reader merges a top-level list as it
    # merges a mapping; only a file that holds no table at all (one scalar, or nothing) is skipped.
    if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        return None, 'is not a mapping of scopes (it holds %s)' % ('nothing' if node is None else 'a single value')
    return _build(node, {}), None


class Reading:
    """A YAML source read once by the reader's rules: ``data`` as given, and either its ``table`` (``reason``
    ``None``), or why the reader skips it (``reason``), or the :class:`ReaderFailure` it makes the reader fail
    with (``failure``).

    :func:`compute_effective` merges a copy of the table (a merge changes the tables it merges into, as
    SystemRescue's Lua merge does), so one reading serves every merge and every check of the same text.
    """

    def __init__(self, data):
        self.data = data
        self.failure = None
        try:
            self.table, self.reason = load(data)
        except ReaderFailure as exc:
            self.table, self.reason, self.failure = None, None, exc

    def load(self):
        """``(table, reason)`` as :func:`load` returns them (the table a copy), or the failure raised."""
        if self.failure is not None:
            raise ReaderFailure(str(self.failure))
        return copy.deepcopy(self.table), self.reason


def reading(text):
    """``text`` as a :class:`Reading` (read now unless it is one already)."""
    return text if isinstance(text, Reading) else Reading(text)


def _build(node, memo):
    if id(node) in memo:  # an alias: the very table of its anchor
        return memo[id(node)]
    if isinstance(node, yaml.ScalarNode):
        return resolve_plain(node.value) if node.style is None else node.value
    table = {}
    memo[id(node)] = table
    if isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            table[index + 1] = _build(item, memo)
        return table
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise ReaderFailure('uses a list or mapping as a mapping key, which SystemRescue cannot write as JSON')
        table[lua_key(_build(key_node, memo))] = _build(value_node, memo)
    return table


def table_of(value):
    """A Python value (lists, dicts with any keys) as the reader's table model: lists become
    ``{1: ..., n: ...}``, keys as written (no resolution)."""
    if isinstance(value, dict):
        return dict((k, table_of(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return dict((i + 1, table_of(v)) for i, v in enumerate(value))
    return value


# -- merge ----------------------------------------------------------------------------------
class Merger:
    """Merges tables one after the other, remembering which source set each value last."""

    def __init__(self):
        self.config = {}
        self.origin = {}  # path of key texts -> source name

    def add(self, table, source):
        self._merge(self.config, table, source, ())

    def _drop(self, path):
        size = len(path)
        for key in [k for k in self.origin if k[:size] == path]:
            del self.origin[key]

    def _mark(self, path, value, source, seen=()):
        if isinstance(value, dict) and value and id(value) not in seen:
            for key, item in value.items():
                self._mark(path + (key_text(key),), item, source, seen + (id(value),))
        else:
            self.origin[path] = source

    def _merge(self, base, new, source, path):
        for key, value in list(new.items()):
            sub = path + (key_text(key),)
            if isinstance(value, str) and value == '' and key in base:
                del base[key]
                self._drop(sub)
            elif isinstance(value, dict) and isinstance(base.get(key), dict) and base[key] is not value:
                self._merge(base[key], value, source, sub)
            else:
                base[key] = value
                self._drop(sub)
                self._mark(sub, value, source)

    def set(self, scope, key, value, source):
        """A command-line override (a scope that is not a table is replaced by one)."""
        if not isinstance(self.config.get(scope), dict):
            self.config[scope] = {}
        self.config[scope][key] = value
        self._drop((scope, key))
        self.origin[(scope, key)] = source


def merge(*tables):
    """The merge of ``tables`` (reader model) in order, as a new table (the inputs may be shared)."""
    merger = Merger()
    for index, table in enumerate(tables):
        merger.add(table, str(index))
    return merger.config


# -- kernel command line --------------------------------------------------------------------
def cmdline_tokens(cmdline, dialect='words'):
    """``[(key, value)]`` of a kernel command line; ``value`` is ``True`` for a bare ``key``.

    ``words`` is how SystemRescue's Lua reader sees it (whitespace-separated, quotes kept);
    ``kernel`` is how the kernel and mkinitcpio pass it (double quotes group words and are removed).
    ``cmdline`` is the text of ``/proc/cmdline``, or ``[(key, value)]`` as the kernel received the
    arguments (a boot loader's entry, already decoded), which is first written back as the kernel
    shows it in ``/proc/cmdline`` (values with whitespace in double quotes).
    """
    if isinstance(cmdline, (list, tuple)):
        if dialect == 'kernel':
            return list(cmdline)
        cmdline = ' '.join(_proc_word(key, value) for key, value in cmdline)
    return [(t.key, t.value) for t in tokenize(cmdline or '', dialect)]


def _proc_word(key, value):
    """One argument as ``/proc/cmdline`` shows it: boot loaders put a value holding whitespace in double
    quotes when they build the command line."""
    if value is True:
        return key
    if any(c in WHITESPACE for c in value):
        return '%s="%s"' % (key, value)
    return '%s=%s' % (key, value)


def cmdline_sysrescuecfg(tokens):
    """The ``sysrescuecfg=`` values in order; a bare ``sysrescuecfg`` makes the reader fail."""
    out = []
    for key, value in cmdline_tokens(tokens):
        if key != SYSRESCUECFG_ARG:
            continue
        if value is True:
            raise ReaderFailure('the kernel command line has a bare sysrescuecfg without =, which makes '
                                'SystemRescue\'s reader fail; give sysrescuecfg=NAME-or-URL or remove it')
        if value != '':
            out.append(value)
    return out


def _inside(path):
    """``path`` normalised and relative, or ``None`` when it leaves the root it is relative to."""
    normal = posixpath.normpath('/' + path).lstrip('/')
    if not normal or normal == '.' or posixpath.normpath(path).startswith('..'):
        return None
    return normal


def sysrescuecfg_medium_path(value, tokens=()):
    """The path on the medium (or PXE HTTP tree) of the file a ``sysrescuecfg=`` value names, or ``None``
    when it is not a file of the medium.

    SystemRescue's reader runs in the initramfs with the medium mounted at ``/run/archiso/bootmnt``: a name
    is relative to ``sysrescue.d/`` there; an absolute path is a path of the initramfs, which is a file of the
    medium only under ``/run/archiso/bootmnt/``; an ``http(s)://`` URL is downloaded. A URL under the
    ``archiso_http_srv=`` URL of the same command line (``tokens``) is a file of the tree that URL serves,
    the PXE HTTP tree the entry boots from."""
    if value is True or not value:
        return None
    if '://' in value:
        servers = [v for k, v in cmdline_tokens(tokens, 'kernel') if k == HTTP_PXE_ARG and isinstance(v, str) and v]
        if not servers or '?' in value or '#' in value:
            return None
        base = servers[-1] if servers[-1].endswith('/') else servers[-1] + '/'
        if not value.startswith(base):
            return None
        return _inside(unquote(value[len(base):]))
    if value.startswith('/'):
        prefix = BOOTMNT + '/'
        return _inside(value[len(prefix):]) if value.startswith(prefix) else None
    return _inside(posixpath.join(CONFIG_DIR, value))


def cmdline_overrides(tokens):
    """``{(scope, key): value}``: what the command line sets over the YAML, by the reader's rules
    (``opt`` or ``opt=y|yes|true`` is true, ``opt=n|no|false`` false, ``opt=`` ignored, other text
    kept as a string, the last token that gave a value wins)."""
    scope_of = dict((key, scope) for scope, keys in CMDLINE_OVERRIDES.items() for key in keys)
    out = {}
    for key, value in cmdline_tokens(tokens):
        if key not in scope_of:
            continue
        if value is True or value in CMDLINE_TRUE:
            value = True
        elif value in CMDLINE_FALSE:
            value = False
        elif value == '':
            continue
        out[(scope_of[key], key)] = value
    return out


def is_http_pxe(tokens):
    """Does the command line boot over HTTP PXE, where no ``sysrescue.d`` and no early SRM is read?"""
    return any(key == HTTP_PXE_ARG for key, _value in cmdline_tokens(tokens))


def hook_loadsrm(tokens):
    """The initramfs variable ``loadsrm`` after mkinitcpio's command-line parsing: a bare or empty
    ``loadsrm`` is ``y``, quotes are stripped, the last occurrence wins; ``None`` when absent."""
    found = None
    for key, value in cmdline_tokens(tokens, 'kernel'):
        if key == 'loadsrm':
            found = 'y' if value is True or value == '' else value
    return found


def early_load(json_config, tokens):
    """``(on, why)``: does the initramfs load the SRMs (section 3b)? ``json_config`` is the
    effective JSON, or ``None`` when the reader wrote none. ``why`` is ``json`` (on by the JSON value),
    ``cmdline`` (on by the hook's own ``loadsrm`` being ``y``), ``off`` or ``no-json`` (off)."""
    hook = hook_loadsrm(tokens)
    if json_config is not None:
        glob = json_config.get('global') if isinstance(json_config, dict) else None
        value = glob.get('loadsrm') if isinstance(glob, dict) else None
        if is_true(value):
            return True, 'json'
    if hook == 'y':
        return True, 'cmdline'
    return False, 'off' if json_config is not None else 'no-json'


# -- JSON (dkjson) --------------------------------------------------------------------------
# Longer arrays are not modelled: dkjson would write that many nulls (a key n: 1e12 hangs the boot).
MAX_ARRAY = 1000000


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def dkjson_array_length(table):
    """dkjson's ``isarray``: the length of the array it writes for ``table``, or ``None`` for an object.

    Every key must be a positive whole number, except a key ``n`` whose value is a number: dkjson takes that
    as the array's length (and does not write it). The highest of those is the length, unless the array
    would be sparse: highest > 10, > the ``n`` value and > twice the number of whole-number keys."""
    highest, count, arraylen = 0, 0, 0
    for key, item in table.items():
        if key == 'n' and _is_number(item):
            arraylen = item
            highest = max(highest, item)
            continue
        if not _is_number(key) or key < 1 or math.floor(key) != key:
            return None
        highest = max(highest, key)
        count += 1
    if highest > 10 and highest > arraylen and highest > count * 2:
        return None
    if highest > MAX_ARRAY:
        raise ReaderFailure('holds a table that dkjson writes as an array of %s elements (a key n with a number value '
                            'is taken as the length of an array), which SystemRescue cannot write; rename the key or '
                            'quote the number' % lua_number(float(highest)))
    return int(math.floor(highest))


def to_json(value, _stack=()):
    """A table as dkjson writes it: an array when :func:`dkjson_array_length` says so (holes are null, an
    empty table is ``[]``), otherwise an object; an infinite number is ``null``.
    Raises :class:`ReaderFailure` for a boolean key or a table that holds itself."""
    if not isinstance(value, dict):
        if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
            return None
        return value
    if id(value) in _stack:
        raise ReaderFailure('holds a table that contains itself (a recursive alias), which SystemRescue cannot '
                            'write as JSON')
    stack = _stack + (id(value),)
    length = dkjson_array_length(value)
    if length is not None:
        return [to_json(value.get(i), stack) for i in range(1, length + 1)]
    out = {}
    for key, item in value.items():
        if isinstance(key, bool):
            raise ReaderFailure('has the mapping key %s (a plain yes/no/true/false is a boolean), which makes '
                                'SystemRescue fail to write its JSON; quote the key' % key_text(key))
        out[key_text(key)] = to_json(item, stack)
    return out


# -- all of it ------------------------------------------------------------------------------
class Effective:
    """The outcome of :func:`compute_effective`.

    ``config``: the effective JSON (``None`` when ``error`` is set); ``table``: the merged tables
    before JSON; ``origin``: {path of key texts: source}; ``skipped``: [{'name', 'reason'}];
    ``order``: sources applied; ``error``: why SystemRescue's reader writes no JSON, or ``None``."""

    def __init__(self):
        self.config = None
        self.table = {}
        self.origin = {}
        self.warnings = []
        self.skipped = []
        self.order = []
        self.error = None


def _has_bool_key(read):
    table = read.table

    def walk(node, seen):
        if not isinstance(node, dict) or id(node) in seen:
            return False
        seen.add(id(node))
        return any(isinstance(k, bool) or walk(v, seen) for k, v in node.items())
    return walk(table, set())


def compute_effective(yaml_files, sysrescuecfg=(), cmdline=''):
    """Read like SystemRescue at boot.

    ``yaml_files``: ``[(name, text)]`` of the regular files of ``sysrescue.d/`` (any order).
    ``sysrescuecfg``: ``(name, text)`` pairs (or texts) of the ``sysrescuecfg=`` sources in order.
    A text is bytes, a string or a :class:`Reading` of one (then it is not read again).
    ``cmdline``: the kernel command line (text or ``[(key, value)]`` tokens).
    """
    result = Effective()
    merger = Merger()
    try:
        tokens = cmdline_tokens(cmdline)  # as the Lua reader splits /proc/cmdline
        referenced = cmdline_sysrescuecfg(tokens)
        files = dict(yaml_files or ())
        if files and is_http_pxe(tokens):
            result.skipped.extend({'name': name, 'reason': 'the command line boots over HTTP PXE (%s=), which reads '
                                   'no sysrescue.d; give it with sysrescuecfg= instead' % HTTP_PXE_ARG}
                                  for name in sorted(files, key=name_order_key))
            files = {}
        read, ignored = order_yaml_names(list(files))
        result.skipped.extend({'name': name, 'reason': reason} for name, reason in ignored)
        sources = [(name, reading(files[name])) for name in read]
        for index, item in enumerate(sysrescuecfg or ()):
            name, text = tuple(item) if isinstance(item, (tuple, list)) else ('sysrescuecfg[%d]' % index, item)
            sources.append((name, reading(text)))
        for name, read_source in sources:
            try:
                table, reason = read_source.load()
            except ReaderFailure as exc:
                raise ReaderFailure('%s %s' % (name, exc)) from exc
            if reason:
                result.skipped.append({'name': name, 'reason': 'SystemRescue skips it (and pauses the boot 20 s): '
                                                               'it %s' % reason})
                continue
            merger.add(table, name)
            result.order.append(name)
        if referenced and len(referenced) != len(sysrescuecfg or ()):
            result.warnings.append('the command line names %d sysrescuecfg= source(s) (%s) but %d were given to '
                                   'merge; the effective configuration may be incomplete'
                                   % (len(referenced), ', '.join(referenced), len(sysrescuecfg or ())))
        overrides = cmdline_overrides(tokens)
        for (scope, key), value in overrides.items():
            merger.set(scope, key, value, CMDLINE_SOURCE)
        if overrides:
            result.order.append(CMDLINE_SOURCE)
        result.table = merger.config
        result.origin = merger.origin
        try:
            result.config = to_json(merger.config)
        except ReaderFailure as exc:
            culprits = [name for name, read_source in sources if _has_bool_key(read_source)]
            raise ReaderFailure('%s %s' % (', '.join(culprits) or 'the effective configuration', exc)) from exc
    except ReaderFailure as exc:
        result.error = str(exc)
        result.config = None
    return result
