# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The base a module is built against: a root directory or a squashfs image (``airootfs.sfs``).

Only its pacman local database is read on every run (what is installed, and an identity of it for
the manifest); its full path list is read only when packages are installed, to refuse a package
that would overwrite a file of the base.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.database import read_local_db
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.errors import PacmanError
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run

LOCAL_DB = 'var/lib/pacman/local'


class Base:
    """A base image; ``local_db`` is a directory holding its ``var/lib/pacman/local``."""

    def __init__(self, path, unsquashfs=None, who='pacman'):
        self.path = os.path.abspath(path)
        self.unsquashfs = unsquashfs
        self.who = who
        self.scratch = None
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise PacmanError('%s: base %s cannot be read: %s' % (who, self.path, exc.strerror)) from exc
        self.is_dir = stat.S_ISDIR(st.st_mode)
        if self.is_dir:
            self.local_db = os.path.join(self.path, LOCAL_DB)
        else:
            if not unsquashfs:
                raise PacmanError('%s: a squashfs base needs unsquashfs; install squashfs-tools' % who)
            self.scratch = tempfile.mkdtemp(prefix='rescuefleet-pacman-base-')
            target = os.path.join(self.scratch, 'root')
            proc = run([unsquashfs, '-q', '-n', '-d', target, self.path, LOCAL_DB], PacmanError,
                       what='unsquashfs', allow_fail=True)
            if proc.returncode != 0:
                self.cleanup()
                raise PacmanError('%s: base %s is neither a directory nor a squashfs image (%s); give the root '
                                  'filesystem image such as sysresccd/x86_64/airootfs.sfs'
                                  % (who, self.path, proc.stdout.strip()[-200:] or 'unsquashfs failed'))
            self.local_db = os.path.join(target, LOCAL_DB)
        if not os.path.isdir(self.local_db):
            self.cleanup()
            raise PacmanError('%s: base %s has no pacman database (%s); give a SystemRescue root filesystem '
                              '(airootfs.sfs) or a directory with pacman packages installed'
                              % (who, self.path, '/' + LOCAL_DB))
        self.packages = read_local_db(self.local_db)

    def identity(self):
        """sha256 over the base's database entries (names and ``desc``): changes when its packages do."""
        digest = hashlib.sha256()
        for entry in sorted(os.listdir(self.local_db)):
            digest.update(entry.encode('utf-8', 'surrogateescape') + b'\0')
            desc = os.path.join(self.local_db, entry, 'desc')
            if os.path.isfile(desc):
                with open(desc, 'rb') as handle:
                    digest.update(handle.read())
        return digest.hexdigest()

    def entries(self):
        return sorted(os.listdir(self.local_db))

    def paths(self):
        """``{'/usr/bin/x': is_dir}`` for every path of the base."""
        if self.is_dir:
            out = {}
            for top, dirs, files in os.walk(self.path):
                rel = '/' + os.path.relpath(top, self.path).lstrip('.').lstrip('/')
                rel = rel.rstrip('/') or ''
                for name in dirs:
                    full = os.path.join(top, name)
                    out[rel + '/' + name] = os.path.isdir(full) and not os.path.islink(full)
                for name in files:
                    out[rel + '/' + name] = False
            return out
        proc = run([self.unsquashfs, '-lln', '-d', '', self.path], PacmanError, what='unsquashfs -lln')
        out = {}
        for line in proc.stdout.splitlines():
            parts = line.split(None, 5)
            if len(parts) < 6 or not parts[5].startswith('/'):
                continue
            path = parts[5]
            if parts[0].startswith('l') and ' -> ' in path:
                path = path.split(' -> ', 1)[0]
            out[path] = parts[0].startswith('d')
        return out

    def cleanup(self):
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None
