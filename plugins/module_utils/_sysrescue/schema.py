# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What SystemRescue's YAML readers accept: known scopes, their keys and the types of the values.

``validate(config)`` checks one configuration (the content of one YAML file) and returns
``(errors, warnings)``; an error is a value SystemRescue would ignore or misread, a warning is
something it accepts but that is probably not meant (an unknown key in a known scope).
``check_effective(config)`` looks at the merged configuration for combinations that cannot work.

Types follow the "Configuring SystemRescue" manual page of SystemRescue 12 and its boot scripts.
Where the manual does not pin a type down (``bookmarks``, ``rclone``, ``gui_autostart`` entries,
``autoterminal``), the plausible shapes are accepted and only the container type is checked.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import (
    BASEDIR, BOOTMNT_SYSRESCCD, FALSE_WORDS, TRUE_WORDS)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import is_true, key_text

# Value kinds of known keys.
BOOL = 'bool'
STR = 'str'
INT = 'int'
LATE_LOAD = 'late_load_srm'
STR_MAP = 'mapping of strings'
SCALAR_MAP = 'mapping of scalars'
MAPPING = 'mapping'
MAP_OR_LIST = 'mapping or list'
EXEC = 'exec'
GUI_AUTOSTART = 'gui_autostart'

GLOBAL_KEYS = {
    'copytoram': BOOL,
    'checksum': BOOL,
    'loadsrm': BOOL,
    'late_load_srm': LATE_LOAD,
    'dostartx': BOOL,
    'dovnc': BOOL,
    'noautologin': BOOL,
    'nofirewall': BOOL,
    'rootshell': STR,
    'rootpass': STR,
    'rootcryptpass': STR,
    'setkmap': STR,
    'vncpass': STR,
    'cow_label': STR,
    'cow_directory': STR,
}

AUTORUN_KEYS = {
    'ar_disable': BOOL,
    'ar_nowait': BOOL,
    'ar_nodel': BOOL,
    'ar_ignorefail': BOOL,
    'ar_attempts': INT,
    'ar_source': STR,
    'ar_suffixes': STR,
    'exec': EXEC,
}

EXEC_ENTRY_KEYS = {
    'path': STR,
    'url': STR,
    'shell': STR,
    'parameters': 'parameters',
    'wait': STR,
}
EXEC_TARGETS = ('path', 'url', 'shell')
EXEC_WAIT = ('always', 'on_error', 'never')

SYSCONFIG_KEYS = {
    'timezone': STR,
    'hosts': STR_MAP,
    'sysctl': SCALAR_MAP,
    'authorized_keys': STR_MAP,
    'ca-trust': STR_MAP,
    'bash_history': STR_MAP,
    'bookmarks': MAP_OR_LIST,
    'ssh_known_hosts': STR_MAP,
    'rclone': MAPPING,
}

GUI_AUTOSTART_ENTRY_KEYS = ('desktop', 'exec')

SCOPES = {
    'global': GLOBAL_KEYS,
    'autorun': AUTORUN_KEYS,
    'sysconfig': SYSCONFIG_KEYS,
    'autoterminal': STR_MAP,
    'gui_autostart': GUI_AUTOSTART,
}

_SCHEME = re.compile(r'^([A-Za-z][A-Za-z0-9+.-]*)://(.*)\Z')


def key_path(parts):
    """``global.late_load_srm``; components holding a dot or a space are quoted."""
    out = []
    for part in parts:
        text = key_text(part)
        if text == '' or '.' in text or ' ' in text:
            text = '"%s"' % text
        out.append(text)
    return '.'.join(out)


def boolish_error(value):
    """``None`` when ``value`` is clearly true or false for SystemRescue, else why not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if value in (0, 1):
            return None
        return 'is %r, which SystemRescue reads as false (only 1 or 1.0 count as true among numbers)' % (value,)
    if isinstance(value, str):
        word = value.lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return None
        return ('is %r, which SystemRescue reads as false: only %s (in any case) are true' %
                (value, ', '.join(TRUE_WORDS)))
    return 'must be true or false, not a %s' % _kind(value)


def late_load_error(value):
    """``None`` when ``value`` is a usable ``late_load_srm``, else why not."""
    if isinstance(value, (list, tuple)):
        return ('must be one string (a local path or an http(s):// URL); SystemRescue ignores a list, so '
                'no module would be loaded. Give one URL or path, or build one SRM holding everything')
    if isinstance(value, dict):
        return ('must be one string (a local path or an http(s):// URL); SystemRescue ignores a mapping, so '
                'no module would be loaded')
    if not isinstance(value, str):
        return 'must be one string (a local path or an http(s):// URL), not a %s' % _kind(value)
    if value == '':
        return None  # removes the key: nothing is loaded late
    if value != value.strip() or any(ch.isspace() for ch in value):
        return ('is %r, which holds white space; load-srm takes exactly one path or URL (encode spaces in a URL '
                'as %%20)' % (value,))
    match = _SCHEME.match(value)
    if match:
        scheme = match.group(1).lower()
        if scheme not in ('http', 'https'):
            return ('is %r: load-srm downloads only http:// and https:// URLs; serve the module over HTTP(S) or '
                    'give a local path' % (value,))
        if not match.group(2) or match.group(2).startswith('/'):
            return 'is %r, a URL without a host name' % (value,)
        return None
    if not value.startswith('/'):
        return ('is %r, a relative path; give an absolute path on the live system (for example under '
                '/run/archiso/bootmnt/) or an http(s):// URL' % (value,))
    return None


def _kind(value):
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, dict):
        return 'mapping'
    if isinstance(value, (list, tuple)):
        return 'list'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, (int, float)):
        return 'number'
    if value is None:
        return 'null'
    return type(value).__name__


def _scalar(value):
    return isinstance(value, (str, int, float, bool))


class _Checker:
    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, parts, message):
        self.errors.append('%s %s' % (key_path(parts), message))

    def warn(self, parts, message):
        self.warnings.append('%s %s' % (key_path(parts), message))

    # A value of "" removes the key whatever its type; null is refused for known keys because
    # SystemRescue's readers do not define what it means.
    def _special(self, parts, value):
        if isinstance(value, str) and value == '':
            return True
        if value is None:
            self.error(parts, 'is null; give a value, or "" to remove the key set by an earlier file')
            return True
        return False

    def check(self, parts, kind, value):
        if self._special(parts, value):
            return
        if kind == BOOL:
            problem = boolish_error(value)
            if problem:
                self.error(parts, problem + '; write true or false')
        elif kind == STR:
            if not isinstance(value, str):
                self.error(parts, 'must be a string, not a %s; quote it' % _kind(value))
            elif '\n' in value and parts[-1] not in ('shell',):
                self.warn(parts, 'holds a line break; SystemRescue uses it as one value')
        elif kind == INT:
            if isinstance(value, bool) or not isinstance(value, (int, str)) or \
                    (isinstance(value, str) and not value.strip().isdigit()):
                self.error(parts, 'must be a whole number, not %r' % (value,))
        elif kind == LATE_LOAD:
            problem = late_load_error(value)
            if problem:
                self.error(parts, problem)
        elif kind in (STR_MAP, SCALAR_MAP):
            if not isinstance(value, dict):
                self.error(parts, 'must be a %s, not a %s' % (kind, _kind(value)))
                return
            for key, item in value.items():
                sub = parts + (key,)
                if self._special(sub, item):
                    continue
                if kind == STR_MAP and not isinstance(item, str):
                    self.error(sub, 'must be a string, not a %s; quote it' % _kind(item))
                elif kind == SCALAR_MAP and not _scalar(item):
                    self.error(sub, 'must be a single value (string, number or boolean), not a %s' % _kind(item))
        elif kind == MAPPING:
            if not isinstance(value, dict):
                self.error(parts, 'must be a mapping, not a %s' % _kind(value))
        elif kind == MAP_OR_LIST:
            if not isinstance(value, (dict, list)):
                self.error(parts, 'must be a mapping or a list, not a %s' % _kind(value))
        elif kind == EXEC:
            self._exec(parts, value)
        elif kind == GUI_AUTOSTART:
            self._gui_autostart(parts, value)
        elif isinstance(kind, dict):
            self._scope(parts, kind, value)
        elif kind == 'parameters':
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if not _scalar(item):
                        self.error(parts + (index,), 'must be a single value, not a %s' % _kind(item))
            elif not _scalar(value):
                self.error(parts, 'must be a list of arguments, not a %s' % _kind(value))

    def _scope(self, parts, keys, value):
        if not isinstance(value, dict):
            self.error(parts, 'must be a mapping of settings, not a %s' % _kind(value))
            return
        for key, item in value.items():
            sub = parts + (key,)
            if key_text(key) in keys:
                self.check(sub, keys[key_text(key)], item)
            else:
                self.warn(sub, 'is not a key SystemRescue knows in %s (known: %s); check the spelling' %
                          (key_path(parts), ', '.join(sorted(keys))))

    def _named_entries(self, parts, value, example, shape):
        """``(path, entry)`` of each entry of a mapping of named entries that is a mapping itself.

        Everything else is reported: ``value`` not a mapping, an entry that is not a mapping.
        """
        if not isinstance(value, dict):
            self.error(parts, 'must be a mapping of named entries%s, not a %s' % (example, _kind(value)))
            return
        for name, entry in value.items():
            sub = parts + (name,)
            if self._special(sub, entry):
                continue
            if not isinstance(entry, dict):
                self.error(sub, 'must be a mapping with %s, not a %s' % (shape, _kind(entry)))
                continue
            yield sub, entry

    def _entry_keys(self, sub, entry, known, what):
        """Check the keys of one named entry against ``known`` (key -> type); warn about the others."""
        for key, item in entry.items():
            text = key_text(key)
            if text in known:
                self.check(sub + (key,), known[text], item)
            else:
                self.warn(sub + (key,), 'is not a key of %s (known: %s)' % (what, ', '.join(known)))

    def _exec(self, parts, value):
        for sub, entry in self._named_entries(parts, value, ' (for example 100: {path: /usr/bin/tool})',
                                              'one of path, url or shell'):
            self._entry_keys(sub, entry, dict(sorted(EXEC_ENTRY_KEYS.items())), 'an autorun exec entry')
            targets = [k for k in EXEC_TARGETS if entry.get(k) not in (None, '')]
            if len(targets) > 1:
                self.error(sub, 'has %s; an autorun entry runs exactly one of path, url or shell' %
                           ' and '.join(targets))
            wait = entry.get('wait')
            if isinstance(wait, str) and wait and wait not in EXEC_WAIT:
                self.warn(sub + ('wait',), 'is %r; SystemRescue documents %s' % (wait, ', '.join(EXEC_WAIT)))
            url = entry.get('url')
            if isinstance(url, str) and url and not re.match(r'^(https?|ftp|tftp)://', url, re.I):
                self.warn(sub + ('url',), 'is %r, which does not look like a URL' % (url,))

    def _gui_autostart(self, parts, value):
        for sub, entry in self._named_entries(parts, value, '', 'desktop or exec'):
            self._entry_keys(sub, entry, dict((k, STR) for k in GUI_AUTOSTART_ENTRY_KEYS), 'a gui_autostart entry')


def validate(config):
    """``(errors, warnings)`` for one configuration (one YAML document)."""
    checker = _Checker()
    if not isinstance(config, dict):
        checker.errors.append('the configuration must be a mapping of scopes (global, autorun, sysconfig, ...), '
                              'not a %s' % _kind(config))
        return checker.errors, checker.warnings
    for scope, value in config.items():
        if not isinstance(scope, str):
            checker.errors.append('scope %r must be a string' % (scope,))
            continue
        if scope in SCOPES:
            if isinstance(value, str) and value == '':
                continue
            if value is None:
                checker.error((scope,), 'is null; give a mapping of settings, or "" to remove the scope')
                continue
            checker.check((scope,), SCOPES[scope], value)
        elif scope.lower() in SCOPES:
            checker.warn((scope,), 'is not a scope SystemRescue reads; scopes are lower case: %s' % scope.lower())
        # other custom scopes pass: SystemRescue keeps them in the effective configuration for scripts
    return checker.errors, checker.warnings


def check_effective(config):
    """Warnings about the merged configuration: settings that cannot work together."""
    warnings = []
    if not isinstance(config, dict):
        return warnings
    glob = config.get('global') if isinstance(config.get('global'), dict) else {}
    late = glob.get('late_load_srm')
    if isinstance(late, str) and late.startswith('/'):
        normal = posixpath.normpath(late)
        if normal.startswith(BOOTMNT_SYSRESCCD) and is_true(glob.get('copytoram')):
            warnings.append(
                'global.late_load_srm is %s but copytoram is on: with copytoram, /run/archiso/bootmnt is a flat '
                'copy in RAM and %s no longer exists, so nothing would be loaded. Turn copytoram off, or serve '
                'the module over http(s)' % (late, BOOTMNT_SYSRESCCD))
        elif posixpath.dirname(normal) + '/' == BOOTMNT_SYSRESCCD and normal.endswith('.srm') and \
                is_true(glob.get('loadsrm')):
            warnings.append(
                'global.late_load_srm is %s, which loadsrm already loads early (every *.srm directly in '
                '%s/); it would be copied over the live system a second time' % (late, BASEDIR))
    elif late is not None and late != '':
        problem = late_load_error(late)
        if problem:
            warnings.append('global.late_load_srm in the effective configuration %s' % problem)
    autorun = config.get('autorun') if isinstance(config.get('autorun'), dict) else {}
    entries = autorun.get('exec')
    if isinstance(entries, dict):
        for name, entry in entries.items():
            if isinstance(entry, dict) and not any(entry.get(k) not in (None, '') for k in EXEC_TARGETS):
                warnings.append('%s has none of path, url or shell in the effective configuration; autorun '
                                'cannot run it' % key_path(('autorun', 'exec', name)))
    return warnings
