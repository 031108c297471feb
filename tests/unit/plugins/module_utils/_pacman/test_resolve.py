# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.errors import PacmanError
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.resolve import (
    describe_changes, package_set, resolve)


def pkg(name, version='1.0-1', depends=(), provides=(), repo='extra'):
    return {'name': name, 'version': version, 'depends': list(depends), 'provides': list(provides), 'repo': repo,
            'filename': '%s-%s.pkg.tar.zst' % (name, version), 'sha256': name[:2] * 32}


CORE = [pkg('glibc', repo='core'), pkg('ncurses', '6.5-1', ['glibc'], repo='core')]
EXTRA = [pkg('htop', '3.3-1', ['ncurses>=6', 'libnl']), pkg('libnl', '3.9-1', ['glibc']),
         pkg('nmap', '7.9-1', ['lua54', 'sh']), pkg('lua54', provides=['lua=5.4']), pkg('ncurses', '9.9-1')]


def names(packages):
    return [p['name'] for p in packages]


def test_only_what_the_base_lacks_first_repository_wins():
    assert names(resolve(['htop'], [CORE, EXTRA], [CORE[0]])) == ['htop', 'libnl', 'ncurses']
    chosen = resolve(['htop'], [CORE, EXTRA], [CORE[0]])
    assert [p for p in chosen if p['name'] == 'ncurses'][0]['repo'] == 'core'
    assert names(resolve(['htop'], [CORE, EXTRA], CORE)) == ['htop', 'libnl']


def test_provisions_and_base_provisions():
    base = CORE + [pkg('bash', provides=['sh'])]
    assert names(resolve(['nmap'], [CORE, EXTRA], base)) == ['lua54', 'nmap']
    assert resolve(['htop', 'ncurses'], [CORE, EXTRA], CORE + [pkg('htop', '3.3-1'), pkg('libnl', '3.9-1')]) == []


def test_unknown_package_is_named():
    with pytest.raises(PacmanError, match='package htopp is in none of the repositories .similar: htop'):
        resolve(['htopp'], [CORE, EXTRA], [])


def test_unsatisfiable_dependency_gives_the_chain():
    with pytest.raises(PacmanError, match=r'cannot satisfy dependency sh \(needed by nmap\)'):
        resolve(['nmap'], [CORE, EXTRA], CORE)
    deep = [pkg('a', depends=['b']), pkg('b', depends=['c>=2']), pkg('c', '1.0-1')]
    with pytest.raises(PacmanError, match=r'cannot satisfy dependency c>=2 \(needed by b <- a\)'):
        resolve(['a'], [deep], [])


def test_base_package_too_old_is_refused():
    with pytest.raises(PacmanError, match='the base has ncurses 6.5-1'):
        resolve(['x'], [[pkg('x', depends=['ncurses>=9']), pkg('ncurses', '9.9-1')]], CORE)


def test_changes_between_sets():
    old = package_set([pkg('a'), pkg('b')])
    new = package_set([pkg('a', '2.0-1'), pkg('c')])
    assert describe_changes(old, new) == {'added': ['c 1.0-1'], 'removed': ['b 1.0-1'],
                                          'changed': ['a 1.0-1 -> 2.0-1']}
    assert describe_changes(None, old)['added'] == ['a 1.0-1', 'b 1.0-1']
