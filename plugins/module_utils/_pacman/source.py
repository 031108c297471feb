# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``pacman`` source kind of srm_build: packages in, the files of the module's tree out.

Each run reads the repositories' databases (cached) and the base's local database, and resolves
the package set. The manifest keeps, per source, a key over that set (names, versions, sha256 of
each package file), the base and the options, plus the records of the files the set produced.
When the key is unchanged the records are used as they are: nothing is downloaded and pacman
does not run, unless another source changed and the module must be built again, in which case
the packages are installed again (from the cache) and must give the same records. A new key is a
change; check mode reports it (with the package versions) without downloading a package.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import stat

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.base import Base
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.database import parse_desc
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.errors import PacmanError
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.install import install
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.repository import Repositories
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.resolve import (
    describe_changes, package_set, resolve)
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import manifest
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.tree import TreeBuilder, fill_hashes

DEFAULT_CACHE = '.pacman-cache'


class PacmanSources:
    """Every ``pacman`` source of one build."""

    def __init__(self, output, old_manifest=None, check_mode=False, force=False, allow_core_overrides=False,
                 unsquashfs=None, pacman=None):
        self.output = output
        self.old = ((old_manifest or {}).get('pacman') or {}) if not force else {}
        self.check_mode = check_mode
        self.allow_core_overrides = allow_core_overrides
        self.unsquashfs = unsquashfs
        self.pacman = pacman
        self.state = {}      # who -> {key, packages, records}: what the manifest stores
        self.changes = {}    # who -> package changes since the last build
        self.changed = False
        self.plans = {}      # who -> what is needed to install the set when its files are needed
        self.roots = {}      # who -> staging root holding the installed delta
        self.warnings = []
        self.work = []
        self.downloads = 0

    def cache_dirs(self, sources):
        """The download directories of the caches of ``sources`` (srm_build's option): a killed run leaves its
        temporary names there."""
        out = set()
        for source in sources or []:
            spec = source.get('pacman')
            if spec is not None:
                cache = self._cache_dir(spec)
                out.update((os.path.join(cache, 'db'), os.path.join(cache, 'packages')))
        return sorted(out)

    def _cache_dir(self, spec):
        return os.path.abspath(spec.get('cache_dir') or os.path.join(os.path.dirname(self.output), DEFAULT_CACHE))

    # -- collecting ---------------------------------------------------------------------------
    def add(self, tree, spec, dest, mode, exclude, who):
        requested = list(spec.get('packages') or [])
        if not requested:
            raise PacmanError('%s: pacman.packages names no package' % who)
        cache_dir = self._cache_dir(spec)
        repos = Repositories(spec.get('repositories'), cache_dir, spec.get('database_max_age') or 0,
                             persist=not self.check_mode, who=who)
        self.work.append(repos)
        databases = [packages for _repo, _path, packages in repos.databases()]
        base = Base(spec['base'], self.unsquashfs, who) if spec.get('base') else None
        if base:
            self.work.append(base)
        packages = resolve(requested, databases, base.packages if base else [], who)
        signatures = spec.get('signatures') == 'required'
        pset = package_set(packages)
        key = hashlib.sha256(json.dumps({
            'packages': pset, 'requested': sorted(requested), 'base': base.identity() if base else None,
            'signatures': signatures, 'architecture': spec.get('architecture') or 'x86_64',
        }, sort_keys=True).encode('utf-8')).hexdigest()
        old = self.old.get(who) if isinstance(self.old.get(who), dict) else {}
        self.changes[who] = describe_changes(old.get('packages'), pset)
        self.plans[who] = {'repos': repos, 'base': base, 'packages': packages, 'requested': requested,
                           'signatures': signatures, 'keyring': spec.get('keyring'),
                           'arch': spec.get('architecture') or 'x86_64'}
        if old.get('key') == key and isinstance(old.get('records'), dict):
            self.state[who] = old
            tree.add_records(old['records'], dest, mode, exclude, who, lazy=who)
            return
        self.changed = True
        if self.check_mode:
            _check_root(who)  # the real run installs this set: check mode refuses what it would refuse
            # nothing is downloaded or installed in check mode: the paths of the last build stand in
            if isinstance(old.get('records'), dict):
                tree.add_records(old['records'], dest, mode, exclude, who, lazy=who)
            return
        records = self._install(who)
        self.state[who] = {'key': key, 'packages': pset, 'records': records}
        tree.add_records(records, dest, mode, exclude, who, lazy=who)

    # -- installing ---------------------------------------------------------------------------
    def _install(self, who):
        plan = self.plans[who]
        _check_root(who)
        files = [plan['repos'].fetch(pkg, plan['signatures']) for pkg in plan['packages']]
        self.downloads += plan['repos'].downloads
        if not plan['signatures']:
            self.warnings.append('%s: the packages were not verified against signatures (set signatures: required '
                                 'and keyring to verify them); their sha256 from the repository database was '
                                 'checked' % who)
        # a temporary name of the output, so that the next run sweeps what a killed run left
        work = atomic.make_temp_dir(self.output)
        self.work.append(work)
        if not plan['packages']:
            root = os.path.join(work, 'root')
            os.makedirs(root)
            new = []
        else:
            root, new = install(self.pacman, work, plan['base'], files, plan['requested'], plan['signatures'],
                                plan['keyring'], plan['arch'], who)
        records = _scan(root)
        if plan['base']:
            self._check_overwrites(who, root, records, plan['base'], new)
        self.roots[who] = root
        return records

    def _check_overwrites(self, who, root, records, base, new):
        base_paths = base.paths()
        clashes = sorted(p for p, r in records.items() if p != '/' and p in base_paths
                         and (r['type'] != 'dir' or not base_paths[p]))
        if clashes and not self.allow_core_overrides:
            owners = _owners(os.path.join(root, 'var/lib/pacman/local'), new)
            named = ['%s (%s)' % (p, owners.get(p, '?')) for p in clashes[:10]]
            raise PacmanError('%s: packages would overwrite files of the base: %s. The base already has them '
                              '(another package or version of it); remove the package from the list, or set '
                              'allow_core_overrides: true if the module really must replace them' % (who, ', '.join(named)))

    def materialise(self, entries):
        """Give every entry that came from packages a ``source`` file, installing sets not installed yet."""
        for entry in entries.values():
            who = entry.get('lazy')
            if entry['type'] != 'file' or who is None:
                continue
            if who not in self.roots:
                records = self._install(who)
                if records != self.state[who]['records']:
                    raise PacmanError('%s: the packages installed now differ from the last build of the same '
                                      'packages; run with force: true to rebuild from scratch' % who)
            source = os.path.join(self.roots[who], entry['inner'].lstrip('/'))
            st = os.lstat(source)
            entry['source'] = source
            entry['source_mode'] = stat.S_IMODE(st.st_mode)

    def cleanup(self):
        for item in self.work:
            if isinstance(item, str):
                atomic.remove_tree(item)
            else:
                item.cleanup()
        self.work = []


def _check_root(who):
    if os.geteuid() != 0:
        raise PacmanError('%s: installing packages with pacman needs root; run the task with become: true' % who)


def _scan(root):
    scanner = TreeBuilder(preserve_ownership=True)
    scanner.add_directory(root, '/', who='pacman')
    fill_hashes([e for e in scanner.entries.values() if e['type'] == 'file'])
    return manifest.image_records(scanner.entries)


def _owners(local_db, entries):
    owners = {}
    for entry in entries:
        try:
            with open(os.path.join(local_db, entry, 'files'), 'r', encoding='utf-8', errors='replace') as handle:
                files = parse_desc(handle.read()).get('FILES') or []
        except OSError:
            continue
        for path in files:
            owners[posixpath.join('/', path.rstrip('/'))] = entry
    return owners
