# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Turn the declared sources of an SRM into the tree the image will hold.

The tree is a mapping from absolute image path (``/etc/motd``) to an entry dict:

``type``
    ``file``, ``dir`` or ``link``.
``mode``, ``uid``, ``gid``
    what the image stores.
``size``, ``sha256``
    files only; ``sha256`` is filled in by :func:`fill_hashes`.
``target``
    links only.
``source``
    the file on the build host that provides the content, or ``None``.
``content``
    inline content (bytes) of a file that has no ``source``.
``stat``
    ``[size, mtime_ns, ctime_ns, inode, device]`` of ``source``: a file whose stat data
    equal the cached ones is not hashed again.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import posixpath
import re
import stat
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file, stat_key


# Paths that, when an SRM provides them, can make SystemRescue unbootable: the overlay puts
# the module's version above the live root. Checked with fnmatch on the image path.
CORE_PATH_PATTERNS = (
    # On Arch Linux (SystemRescue's base) these are symlinks into /usr; a module that holds
    # anything below them turns the symlink into a directory and hides the whole system.
    '/bin', '/sbin', '/lib', '/lib64', '/usr/sbin',
    # kernel modules must match the kernel booted from the medium
    '/usr/lib/modules', '/usr/lib/modules/*',
    # the C library and dynamic loader
    '/usr/lib/ld-linux*', '/usr/lib64/ld-linux*', '/usr/lib/libc.so*', '/usr/lib/libc-*',
    '/usr/lib/libm.so*', '/usr/lib/libpthread.so*', '/usr/lib/libdl.so*',
    # systemd's core and the init entry points
    '/usr/lib/systemd/systemd', '/usr/lib/systemd/libsystemd-shared*', '/usr/lib/systemd/libsystemd-core*',
    '/usr/lib/libsystemd.so*', '/usr/bin/init', '/usr/lib/systemd/systemd-executor',
    # mounts made at boot
    '/etc/fstab',
)

_CORE_PATHS = re.compile('|'.join('(?:%s)' % fnmatch.translate(p) for p in CORE_PATH_PATTERNS))

SYSTEMD_WANTS_DIR = '/etc/systemd/system/multi-user.target.wants'
UNIT_DIRS = ('/etc/systemd/system', '/usr/lib/systemd/system')
UNIT_SUFFIXES = ('.service', '.socket', '.timer', '.path', '.target', '.mount', '.automount', '.swap')


class TreeError(RescueFleetError):
    """The declared sources cannot make a valid module; the message says what to fix."""


def image_path(dest):
    """Normalise a ``dest`` inside the module to an absolute POSIX path; refuse ``..``."""
    if dest is None or dest == '':
        dest = '/'
    if '\0' in dest:
        raise TreeError('dest %r holds a NUL byte' % (dest,))
    parts = [p for p in dest.split('/') if p not in ('', '.')]
    if '..' in parts:
        raise TreeError('dest %r contains "..": paths inside the module must not climb out of it' % (dest,))
    return '/' + '/'.join(parts)


def _clean_image_path(path):
    """Whether ``path`` is already a clean absolute path inside a module (as :func:`image_path` writes one)."""
    try:
        return isinstance(path, str) and image_path(path) == path
    except TreeError:
        return False


def _readable(st):
    """Whether this process may read a file, from its stat data alone (no extra system call)."""
    euid = os.geteuid()
    if euid == 0:
        return True
    if st.st_uid == euid:
        return bool(st.st_mode & stat.S_IRUSR)
    if st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        return bool(st.st_mode & stat.S_IRGRP)
    return bool(st.st_mode & stat.S_IROTH)


def _dir_entry(mode=0o755, uid=0, gid=0):
    return {'type': 'dir', 'mode': mode, 'uid': uid, 'gid': gid, 'source': None}


def source_stat(who, option, path):
    """``os.stat`` of a source given as ``option`` of ``who``; :class:`TreeError` when it cannot be read."""
    try:
        return os.stat(path)
    except OSError as exc:
        raise TreeError('%s: %s %s cannot be read: %s' % (who, option, path, exc.strerror)) from exc


class TreeBuilder:
    """Collect sources in order; later sources override earlier ones at the same path."""

    def __init__(self, preserve_ownership=False, output=None):
        self.preserve = preserve_ownership
        self.output = os.path.realpath(output) if output else None
        # the output's directory as a file, not a spelling: a bind mount inside src reaches it under another path
        try:
            st = os.stat(os.path.dirname(self.output)) if output else None
        except OSError:
            st = None
        self.output_dir = (st.st_dev, st.st_ino) if st else None
        self.entries = {'/': _dir_entry()}
        self.origin = {'/': 'the module root'}
        self.warnings = []

    # -- placing entries ---------------------------------------------------------------
    def _ensure_parents(self, path, who):
        parent = posixpath.dirname(path)
        missing = []
        while parent not in self.entries:
            missing.append(parent)
            parent = posixpath.dirname(parent)
        if self.entries[parent]['type'] != 'dir':
            raise TreeError('%s needs %s to be a directory, but %s put a %s there; change the dest of one of them'
                            % (who, parent, self.origin[parent], self.entries[parent]['type']))
        for p in reversed(missing):
            self.entries[p] = _dir_entry()
            self.origin[p] = who

    def _put(self, path, entry, who):
        try:
            # a name that is not UTF-8 cannot be reported back through Ansible's JSON results, and
            # SystemRescue's tools expect UTF-8: refuse it while collecting, before anything is written
            (path + entry.get('target', '')).encode('utf-8')
        except UnicodeEncodeError:
            raise TreeError('%s: the path %s%s is not valid UTF-8; rename it (for example with convmv) or '
                            'exclude it; nothing was written' % (
                                who, path.encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace'),
                                ' (a symlink to a non-UTF-8 target)' if entry.get('target') else '')) from None
        if path == '/' and entry['type'] != 'dir':
            raise TreeError('%s would replace the module root with a %s; give dest a file name' % (who, entry['type']))
        self._ensure_parents(path, who)
        old = self.entries.get(path)
        if old is not None and (old['type'] == 'dir') != (entry['type'] == 'dir'):
            raise TreeError('%s puts a %s at %s where %s put a %s; a path cannot be both: change the dest of one of '
                            'them (or exclude the path)' % (who, entry['type'], path, self.origin[path], old['type']))
        self.entries[path] = entry
        self.origin[path] = who

    def _owner(self, st):
        return (st.st_uid, st.st_gid) if self.preserve else (0, 0)

    def _entry_from_stat(self, fs_path, st, mode_override, who):
        uid, gid = self._owner(st)
        if stat.S_ISLNK(st.st_mode):
            return {'type': 'link', 'target': os.readlink(fs_path), 'mode': 0o777, 'uid': uid, 'gid': gid,
                    'source': None}
        if stat.S_ISDIR(st.st_mode):
            return {'type': 'dir', 'mode': stat.S_IMODE(st.st_mode), 'uid': uid, 'gid': gid, 'source': None}
        if stat.S_ISREG(st.st_mode):
            if not _readable(st):
                raise TreeError('%s: cannot read %s (permission denied); make it readable or run the task '
                                'with become' % (who, fs_path))
            mode = stat.S_IMODE(st.st_mode) if mode_override is None else mode_override
            return {'type': 'file', 'mode': mode, 'uid': uid, 'gid': gid, 'size': st.st_size,
                    'source': fs_path, 'source_mode': stat.S_IMODE(st.st_mode), 'stat': stat_key(st)}
        self.warnings.append('%s: skipped %s, which is not a regular file, directory or symlink' % (who, fs_path))
        return None

    # -- source kinds ------------------------------------------------------------------
    def add_directory(self, src, dest, mode=None, exclude=(), who='a source'):
        src = os.path.abspath(src)
        st = source_stat(who, 'src', src)
        if not stat.S_ISDIR(st.st_mode):
            raise TreeError('%s: src %s is not a directory; use path for a single file' % (who, src))
        if self.output and (self.output + os.sep).startswith(os.path.realpath(src) + os.sep):
            raise TreeError('%s: the output %s lies inside src %s; put it elsewhere, or the module would '
                            'contain itself' % (who, self.output, src))
        root = image_path(dest)
        if root not in self.entries or self.entries[root]['type'] != 'dir':
            uid, gid = self._owner(st)
            self._put(root, {'type': 'dir', 'mode': stat.S_IMODE(st.st_mode) if root != '/' else 0o755,
                             'uid': uid, 'gid': gid, 'source': None}, who)
        self._walk(src, root, '', mode, tuple(exclude or ()), who)

    def _excluded(self, rel, name, patterns):
        return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in patterns)

    def _walk(self, fs_dir, img_dir, rel_dir, mode, exclude, who):
        try:
            with os.scandir(fs_dir) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise TreeError('%s: cannot read directory %s: %s; make it readable or run the task with become'
                            % (who, fs_dir, exc.strerror))
        for child in children:
            rel = child.name if not rel_dir else rel_dir + '/' + child.name
            if exclude and self._excluded(rel, child.name, exclude):
                continue
            if self.output and child.path == self.output:
                continue
            st = child.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode) and (st.st_dev, st.st_ino) == self.output_dir:
                raise TreeError('%s: the output %s lies inside src (its directory is %s); put it elsewhere, or the '
                                'module would contain itself' % (who, self.output, child.path))
            entry = self._entry_from_stat(child.path, st, mode, who)
            if entry is None:
                continue
            path = posixpath.join(img_dir, child.name)
            self._put(path, entry, who)
            if entry['type'] == 'dir':
                self._walk(child.path, path, rel, mode, exclude, who)

    def add_file(self, path, dest, mode=None, who='a source'):
        path = os.path.abspath(path)
        try:
            st = os.lstat(path)
        except OSError as exc:
            raise TreeError('%s: path %s cannot be read: %s' % (who, path, exc.strerror))
        if stat.S_ISDIR(st.st_mode):
            raise TreeError('%s: path %s is a directory; use src for directories' % (who, path))
        target = image_path(dest)
        if dest in (None, '') or dest.endswith('/') or (target in self.entries and self.entries[target]['type'] == 'dir'):
            target = posixpath.join(target, os.path.basename(path))
        entry = self._entry_from_stat(path, st, mode, who)
        if entry is not None:
            self._put(target, entry, who)

    def add_content(self, content, dest, mode=None, who='a source', sole=False):
        """Inline content at ``dest``; with ``sole``, no earlier source may have put anything there."""
        target = image_path(dest)
        if target == '/' or (dest or '').endswith('/'):
            raise TreeError('%s: inline content needs dest to name a file, such as /etc/motd' % who)
        if sole and target in self.entries:
            raise TreeError('%s also writes %s; give the script either as %s or as a source, not both (a directory or '
                            'SRM source can leave it out with exclude: [%s]); nothing was written'
                            % (self.origin[target], target, who, posixpath.basename(target)))
        data = content.encode('utf-8') if not isinstance(content, bytes) else content
        self._put(target, {'type': 'file', 'mode': 0o644 if mode is None else mode, 'uid': 0, 'gid': 0,
                           'size': len(data), 'sha256': hashlib.sha256(data).hexdigest(),
                           'source': None, 'content': data}, who)

    def add_records(self, records, dest, mode=None, exclude=(), who='a source', srm=None, lazy=None):
        """Place the paths of an existing SRM, described by image records (see :mod:`.manifest`).

        ``records`` maps image paths (``/etc/motd``) to ``{type, mode, uid, gid, size, sha256, target}``
        as srm_build stores them. File entries carry ``srm`` (the module file) and ``inner`` (their path
        inside it) instead of a source: their content is extracted from the module when it is built.
        With ``lazy`` (a pacman source) they carry ``lazy`` instead: the packages are installed when a
        build needs the files.
        """
        root = image_path(dest)
        top = records.get('/') or {}
        if root != '/' and (root not in self.entries or self.entries[root]['type'] != 'dir'):
            self._put(root, _dir_entry(top.get('mode', 0o755)), who)
        patterns = tuple(exclude or ())
        skipped = []
        for inner in sorted(records):
            if inner == '/':
                continue
            if not _clean_image_path(inner):
                # records come from a manifest beside a module: a path climbing out (/../../etc/x) would be
                # staged, extracted and read outside the build's directories
                raise TreeError('%s: %s lists the path %r, which is not a clean absolute path inside a module; '
                                'rebuild that module with srm_build (its manifest is damaged or not its own)'
                                % (who, srm or 'the packages', inner))
            rel = inner.lstrip('/')
            if any(rel == s or rel.startswith(s + '/') for s in skipped):
                continue
            if patterns and self._excluded(rel, posixpath.basename(rel), patterns):
                skipped.append(rel)
                continue
            record = records[inner]
            kind = record.get('type')
            uid, gid = (record.get('uid', 0), record.get('gid', 0)) if self.preserve else (0, 0)
            if kind == 'dir':
                entry = _dir_entry(record.get('mode', 0o755), uid, gid)
            elif kind == 'link':
                entry = {'type': 'link', 'target': record['target'], 'mode': 0o777, 'uid': uid, 'gid': gid,
                         'source': None}
            elif kind == 'file':
                entry = {'type': 'file', 'mode': record.get('mode', 0o644) if mode is None else mode,
                         'uid': uid, 'gid': gid, 'size': record['size'], 'sha256': record['sha256'],
                         'source': None, 'srm': srm, 'inner': inner}
                if lazy is not None:
                    entry['lazy'] = lazy
            else:
                raise TreeError('%s: %s holds %s of unknown type %r' % (who, srm, inner, kind))
            self._put(posixpath.join(root, rel), entry, who)

    def enable_units(self, units):
        for unit in units:
            if '/' in unit or not unit.endswith(UNIT_SUFFIXES):
                raise TreeError('systemd_enable: %r is not a unit name such as sshd.service' % (unit,))
            unit_file = unit
            if '@' in unit and not unit.split('@', 1)[1].startswith('.'):
                base, suffix = unit.split('@', 1)
                unit_file = base + '@' + suffix[suffix.rindex('.'):]
            target = posixpath.join(UNIT_DIRS[-1], unit_file)
            for unit_dir in UNIT_DIRS:
                candidate = posixpath.join(unit_dir, unit_file)
                if candidate in self.entries:
                    target = candidate
                    break
            self._put(posixpath.join(SYSTEMD_WANTS_DIR, unit),
                      {'type': 'link', 'target': target, 'mode': 0o777, 'uid': 0, 'gid': 0, 'source': None},
                      'systemd_enable')

    # -- checks ------------------------------------------------------------------------
    def core_overrides(self):
        return sorted(p for p in self.entries if _CORE_PATHS.match(p))

    def special_bits(self):
        """Files with setuid or setgid set, as ``{path: '4755'}``."""
        return {p: '%04o' % e['mode'] for p, e in sorted(self.entries.items())
                if e['type'] == 'file' and e['mode'] & 0o6000}


def reuse_hashes(entries, cache):
    """Take sha256 values from ``cache`` (source path -> [stat, sha256]) where stat data match.

    Returns the entries that still need hashing.
    """
    pending = []
    for entry in entries.values():
        if entry['type'] != 'file' or 'sha256' in entry:
            continue
        cached = cache.get(entry['source'])
        if cached and cached[0] == entry['stat']:
            entry['sha256'] = cached[1]
        else:
            pending.append(entry)
    return pending


def fill_hashes(pending):
    for entry in pending:
        if 'sha256' in entry:
            continue
        try:
            entry['sha256'] = sha256_file(entry['source'])
        except OSError as exc:
            raise TreeError('cannot read %s: %s' % (entry['source'], exc.strerror))


def hash_cache(entries):
    """The cache to store for the next run: source path -> [stat, sha256]."""
    return {e['source']: [e['stat'], e['sha256']] for e in entries.values()
            if e['type'] == 'file' and e['source'] and 'sha256' in e and not e.get('srm') and not e.get('lazy')}
