# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Where linuxrc finds parts on a medium, which names a part can have, and the collection's index of them.

linuxrc loads a part named ``name`` (in ``extend=``, in ``boot/<arch>/config`` or with the ``extend``
command) from ``boot/<arch>/name`` of the installation source. ``boot/<arch>/`` also holds the
medium's own inst-sys parts (``common``, ``root``, ``bind``, ...), its ``config`` and the ``loader/``
directory, so the collection manages only the parts it put there itself: they are listed in
``boot/<arch>/.rescuefleet-parts.json`` with size and sha256, which linuxrc never reads. Both the
writer (:mod:`.parts`) and the readers (:mod:`.info`) use this module.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import Naming

INDEX_NAME = '.rescuefleet-parts.json'
DEFAULT_ARCH = 'x86_64'
# Names linuxrc or the medium use for other things in boot/<arch>/ (compared case-insensitively, as FAT does).
RESERVED = ('config', 'loader', 'linux', 'initrd', 'checksums', 'checksums.asc', 'efi', 'grub2-efi', 'grub2-ieee1275',
            'parmfile', 'directory.yast')
# FAT's forbidden characters and path separators, whitespace (the command line splits on it), and
# "," "?" "+" which the extend= list syntax gives a meaning.
_BAD_CHARS = re.compile(r'[\x00-\x20"*/:<>?\\|,+]')
_ARCH = re.compile(r'^[A-Za-z0-9_]+\Z')


class LinuxrcError(RescueFleetError):
    """A linuxrc task cannot go ahead; nothing was changed. The message says what to do."""


def part_name_problem(name):
    """Why ``name`` cannot be the file name of a part, or ``None`` when it can."""
    if not isinstance(name, str) or not name:
        return 'is empty; give a plain file name such as fleet-tools'
    if _BAD_CHARS.search(name):
        return ('holds whitespace, a path separator, one of , ? + (which extend= lists give a meaning) or a '
                'character FAT does not allow; give a plain file name such as fleet-tools')
    if name.startswith('-'):
        # extend=-name removes name from the list instead of loading it (slist_assign_values)
        return ('starts with "-", which makes extend=-%s remove parts instead of loading one; give a name that '
                'starts with a letter or digit, such as fleet-tools' % name[1:])
    if name.startswith('.'):
        return 'starts with a dot, which no part name may (the collection keeps its own files there under such names); ' \
               'give a name that starts with a letter or digit, such as fleet%s' % name
    if len(name) > 255:
        return 'is %d characters long; a part name holds at most 255: give a shorter name' % len(name)
    if name.lower() in RESERVED:
        return ('is the name of a file or directory that linuxrc or the medium uses for something else in '
                'boot/<arch>/ (reserved: %s); give the part another name, such as fleet-%s (with linuxrc_parts, '
                'parts[].name renames the file on the medium)' % (', '.join(RESERVED), name))
    return None


def check_arch(arch):
    if not isinstance(arch, str) or not _ARCH.match(arch):
        raise LinuxrcError('arch must be a plain architecture name such as x86_64 or aarch64, not %r' % (arch,))
    return arch


def parts_dir(arch):
    return posixpath.join('boot', check_arch(arch))


def order_key(name):
    return name.encode('utf-8', 'surrogateescape')


def part_naming(managed):
    """The deploy naming policy for linuxrc parts: only the names in ``managed`` are members."""
    managed = frozenset(managed)
    return Naming('linuxrc part', '(parts of this collection)', INDEX_NAME, lambda name: name in managed,
                  part_name_problem, order_key)


def parse_config(text):
    """``{name: [part spec, ...]}`` of a ``boot/<arch>/config`` file (``name: part ?optional-part ...``)."""
    config = {}
    for line in (text or '').splitlines():
        line = line.strip()
        if not line or line.startswith('#') or ':' not in line:
            continue
        name, _sep, rest = line.partition(':')
        config[name.strip()] = rest.split()
    return config


def spec_name(spec):
    """The file name of a config part spec: ``?`` and ``?list=``/``?copy=`` options stripped."""
    return spec.lstrip('?').split('?', 1)[0]
