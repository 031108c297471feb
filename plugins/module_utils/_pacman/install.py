# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Install a resolved package set with pacman into a staging root, and keep only what the base lacks.

The root is seeded with the base's ``var/lib/pacman/local`` only, so pacman sees the base's packages
as installed. pacman's configuration, cache, log, GnuPG and hook directories live in a private
temporary tree: nothing of the controller's pacman (if it has one) is read or changed, and no
hooks run. Install scriptlets do not run (``--noscriptlet``): they are programs of the target
system, the staging root holds none of the base's binaries to run them with, and running them on
the controller would execute the controller's tools instead. pacman installs the verified package
files (``-U``), so it installs exactly the resolved set, checks dependencies and file conflicts
among them, and writes their database entries. Afterwards the seeded entries are removed again:
the result is the delta the module holds.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import shutil

from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.base import LOCAL_DB
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.errors import PACMAN_HINT, PacmanError
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.fixups import fix_local_db
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run

CONFIG = '''[options]
Architecture = {arch}
SigLevel = {siglevel}
LocalFileSigLevel = {siglevel}
'''


def install(pacman, work, base, files, requested, signatures=False, keyring=None, arch='x86_64', who='pacman'):
    """Install ``files`` (verified package paths) into ``work/root``; returns the root, delta only.

    ``base`` is a :class:`Base` or None (then every package goes into the module); ``requested`` the names asked for (recorded as explicitly installed).
    """
    if not pacman:
        raise PacmanError('%s: pacman was not found on the host that runs srm_build; %s' % (who, PACMAN_HINT))
    root = os.path.join(work, 'root')
    private = os.path.join(work, 'pacman')
    for sub in ('cache', 'hooks', 'gnupg'):
        os.makedirs(os.path.join(private, sub))
    local = os.path.join(root, LOCAL_DB)
    if base is not None:
        shutil.copytree(base.local_db, local, symlinks=True)
    else:
        os.makedirs(local)
    seeded = set(os.listdir(local))
    conf = os.path.join(private, 'pacman.conf')
    with open(conf, 'w', encoding='utf-8') as handle:
        handle.write(CONFIG.format(arch=arch, siglevel='Required' if signatures else 'Never'))
    gpgdir = keyring if signatures and keyring else os.path.join(private, 'gnupg')
    cmd = [pacman, '--config', conf, '--root', root, '--dbpath', os.path.join(root, 'var/lib/pacman'),
           '--cachedir', os.path.join(private, 'cache'), '--logfile', os.path.join(private, 'pacman.log'),
           '--gpgdir', gpgdir, '--hookdir', os.path.join(private, 'hooks'), '--noconfirm', '--noprogressbar',
           '--noscriptlet', '-U'] + list(files)
    env = dict(os.environ, LC_ALL='C', LANG='C')
    proc = run(cmd, PacmanError, what='pacman', hint=PACMAN_HINT, env=env, allow_fail=True)
    if proc.returncode != 0:
        raise PacmanError('%s: pacman could not install the packages: %s' % (who, _pacman_tail(proc)))
    new = sorted(set(os.listdir(local)) - seeded)
    for entry in seeded:
        path = os.path.join(local, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    for leftover in ('var/lib/pacman/sync', 'var/lib/pacman/db.lck'):
        path = os.path.join(root, leftover)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.lexists(path):
            os.unlink(path)
    fix_local_db(local, new, set(requested))
    return root, new


def _pacman_tail(proc):
    lines = [line.strip() for line in (proc.stdout + '\n' + proc.stderr.decode('utf-8', 'replace')
                                       if isinstance(proc.stderr, bytes) else proc.stdout + '\n' + (proc.stderr or ''))
             .splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(('error:', 'warning:')) or ':' in line and 'exists' in line]
    return ' / '.join((errors or lines)[-8:]) or 'no output'
