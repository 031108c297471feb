# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The SRM names SystemRescue loads and the small index srm_deploy keeps beside them.

SystemRescue early-loads every ``<basedir>/*.srm`` (suffix case-sensitive, directly in basedir, not
hidden) in byte order of the names. ``<basedir>/.rescuefleet-srm.json`` maps each module name to its
size and sha256, so that a module whose size still matches need not be read back to be compared.
The writer (:mod:`.deploy`) and the reader (:mod:`.inventory`) both use this module, and only it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

INDEX_NAME = '.rescuefleet-srm.json'
SUFFIX = '.srm'
# Characters FAT refuses in names, plus the path separators.
_BAD_NAME_CHARS = re.compile(r'[\x00-\x1f"*/:<>?\\|]')


def module_set_key(names):
    """The key of a set of module names: each name once, in sorted order, joined with commas.

    srm_catalog builds one combined module per set a host needs and shares them by this key; a PXE
    client finds its combined module under the key of its own modules."""
    return ','.join(sorted(set(names)))


def combined_module_name(names):
    """The file name of the module combining ``names``: the sorted names without ``.srm``, joined with ``+``."""
    return '+'.join(name[:-len(SUFFIX)] if name.endswith(SUFFIX) else name for name in sorted(set(names))) + SUFFIX


def load_order_key(name):
    """SystemRescue sorts module paths by their bytes."""
    return name.encode('utf-8', 'surrogateescape')


def name_problem(name):
    """Why ``name`` cannot be an SRM file name, or ``None`` when it can."""
    if not name.endswith(SUFFIX):
        return 'must end in %s (lower case): SystemRescue loads only *%s files' % (SUFFIX, SUFFIX)
    if _BAD_NAME_CHARS.search(name):
        return ('holds a path separator or a character FAT does not allow (\\ / : * ? " < > |); give a plain '
                'file name such as 20-tools.srm')
    if name.startswith('.') or name.strip() != name or len(name) > 255 or name == SUFFIX:
        return 'is not usable: no leading dot, no surrounding spaces, at most 255 characters'
    return None


def parse_index(data):
    """The index as ``{name: {'size', 'sha256'}}``; an unreadable index counts as empty."""
    if not data:
        return {}
    try:
        index = json.loads(data.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(index, dict):
        return {}
    return {name: entry for name, entry in index.items()
            if isinstance(entry, dict) and isinstance(entry.get('size'), int) and isinstance(entry.get('sha256'), str)}


def render_index(index):
    return (json.dumps(index, sort_keys=True, indent=1) + '\n').encode('utf-8')


class Naming:
    """The naming rules of one kind of module directory, for the deploy machinery of :mod:`.deploy`.

    ``what`` names the files in messages, ``pattern`` describes them in diff headers, ``index_name``
    is the index kept beside them, ``is_member(name)`` says whether a file of the directory is one of
    them, ``name_problem(name)`` why a name cannot be used (or ``None``), ``order_key`` sorts them in
    load order. SRMs are one kind (:data:`SRM_NAMING`); linuxrc parts another (``_linuxrc/parts.py``).
    """

    def __init__(self, what, pattern, index_name, is_member, name_problem, order_key):
        self.what = what
        self.pattern = pattern
        self.index_name = index_name
        self.is_member = is_member
        self.name_problem = name_problem
        self.order_key = order_key


SRM_NAMING = Naming('SRM', '*' + SUFFIX, INDEX_NAME, lambda name: name.endswith(SUFFIX), name_problem,
                    load_order_key)


class ModuleNameError(RescueFleetError):
    """A module (or linuxrc part) cannot have this file name; the message says why."""


def check_module_name(name, naming=SRM_NAMING):
    """``name`` when it can be the file name of a module of ``naming`` (an SRM unless told otherwise),
    else :class:`ModuleNameError`. This is what SystemRescue loads (or linuxrc takes as a part), not
    what a medium can store: that is :meth:`.._media.base.Medium.check_path`."""
    problem = naming.name_problem(name)
    if problem:
        raise ModuleNameError('%s name %r %s' % (naming.what, name, problem))
    return name
