# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Which packages a module must add: the requested ones and their dependencies, minus what the base has.

This is the set the manifest records (names, versions, sha256 of the package files), so it is
computed from the databases alone, without running pacman: that is what lets a no-op skip pacman.
pacman then installs exactly this set and the installer checks that it did. The order of choice
follows pacman's: a package of that name in the first repository that has it, else the first
package that provides the name, repositories in the order given.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import difflib

from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.database import parse_dep, satisfies
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.errors import PacmanError


def _find(dep, databases):
    name = parse_dep(dep)[0]
    for packages in databases:
        for pkg in packages:
            if pkg['name'] == name and satisfies(pkg, dep):
                return pkg
    for packages in databases:
        for pkg in packages:
            if pkg['name'] != name and satisfies(pkg, dep):
                return pkg
    return None


def _chain(path):
    return ' <- '.join(reversed(path))


def resolve(requested, databases, installed, who='pacman'):
    """The packages to add, sorted by name.

    ``databases`` is a list (repository order) of package lists; ``installed`` the base's packages.
    Raises :class:`PacmanError` naming an unknown package, or the dependency chain that cannot be
    satisfied, or a base package that would have to be upgraded (a module cannot remove the base's
    files, so the live system would hold both versions).
    """
    chosen = {}
    names = [pkg['name'] for packages in databases for pkg in packages]
    for wanted in requested:
        if not any(satisfies(p, wanted) for p in installed) and _find(wanted, databases) is None:
            near = difflib.get_close_matches(parse_dep(wanted)[0], sorted(set(names)), n=5)
            raise PacmanError('%s: package %s is in none of the repositories%s; check its name and the '
                              'repositories' % (who, wanted, ' (similar: %s)' % ', '.join(near) if near else ''))
    stack = [(dep, [dep]) for dep in reversed(list(requested))]
    while stack:
        dep, path = stack.pop()
        if any(satisfies(p, dep) for p in installed) or any(satisfies(p, dep) for p in chosen.values()):
            continue
        pkg = _find(dep, databases)
        if pkg is None:
            raise PacmanError('%s: cannot satisfy dependency %s (needed by %s); add a repository that provides '
                              'it, or install it in the base' % (who, dep, _chain(path[:-1]) or 'the request'))
        old = next((p for p in installed if p['name'] == pkg['name']), None)
        if old is not None:
            raise PacmanError('%s: %s needs %s, but the base has %s %s; a module cannot replace a package of the '
                              'base (its old files and database entry would stay): use a base with a newer %s, '
                              'or a repository snapshot that matches the base'
                              % (who, _chain(path[:-1]) or 'the request', dep, old['name'], old['version'],
                                 old['name']))
        chosen[pkg['name']] = pkg
        for sub in reversed(pkg.get('depends') or []):
            stack.append((sub, path + [sub]))
    return [chosen[name] for name in sorted(chosen)]


def package_set(packages):
    """What the manifest records of a resolved set: ``{name: {version, sha256, filename, repo}}``."""
    return {p['name']: {'version': p['version'], 'sha256': p['sha256'], 'filename': p['filename'],
                        'repo': p['repo']} for p in packages}


def describe_changes(old, new):
    """``{'added': [...], 'removed': [...], 'changed': ['x 1.0-1 -> 1.1-1']}`` between two package sets."""
    old = old or {}
    return {
        'added': ['%s %s' % (n, new[n]['version']) for n in sorted(new) if n not in old],
        'removed': ['%s %s' % (n, old[n]['version']) for n in sorted(old) if n not in new],
        'changed': ['%s %s -> %s' % (n, old[n]['version'], new[n]['version']) for n in sorted(new)
                    if n in old and old[n] != new[n]],
    }
