# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pieces of the ``media_info`` facts: the medium opened read-only, its label, its YAML files.

An ISO image file (or a stick written with ``dd`` from one) opens as an ISO medium read with xorriso;
an ISO9660 filesystem inside a partition is refused with advice (mount it read-only and give
``media.path``: a mounted ISO is reported like any directory, with ``fstype`` ``iso9660``). The run
object, which composes these with the SRM inventory, the boot entries and the linuxrc facts, is
``_tasks/media_info.py``.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.labels import check_label, expected_labels
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import MediumError, clean_path
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._media.partitions import IsoMediumError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import CONFIG_DIR
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

YAML_LIKE = ('.yaml', '.yml')
ISO_HINT = ('media_info reads FAT images through mtools and ISO image files through xorriso, and %s holds an '
            'ISO9660 filesystem in a partition. Mount it read-only (mount -o loop,ro IMAGE /mnt) and give media.path '
            'instead; a mounted ISO is reported like any directory')


class MediaInfoError(RescueFleetError):
    """The facts cannot be gathered; the message says what to do."""


def open_read_only(options):
    """The medium of the ``media`` option, opened without write access."""
    options = options or {}
    image = options.get('image')
    try:
        return open_medium(options, writable=False)
    except IsoMediumError as exc:
        raise MediaInfoError(ISO_HINT % image) from exc


def medium_facts(medium):
    """``describe()`` of the medium, with ``writable`` saying whether a writing module could change it
    (the medium itself is open read-only here)."""
    facts = dict(medium.describe())
    facts.setdefault('table', None)
    facts.setdefault('partition', None)
    facts['writable'] = medium.writable_reason() is None
    facts.pop('read_only', None)
    return facts


def label_facts(medium, actual):
    """The filesystem label, the ``archisolabel`` the menus expect, and whether they agree."""
    expected = expected_labels(medium)
    ok, message = check_label(medium, 'auto')
    return {
        'label': actual,
        'expected': next(iter(expected)) if len(expected) == 1 else None,
        'expected_in': expected,
        'label_ok': ok,
        'message': message,
    }


def read_yaml_files(medium):
    """``(files, extra_skipped)``: ``[(name, bytes)]`` of the regular files of ``sysrescue.d/`` (only
    the YAML-looking ones are read; the others get empty content and are reported as not applied by
    the merge), and ``[{'name', 'reason'}]`` of directories that carry a YAML name."""
    files = []
    skipped = []
    for entry in medium.list_dir(CONFIG_DIR):
        name = entry['name']
        if entry['type'] != 'file':
            if name.lower().endswith(YAML_LIKE):
                skipped.append({'name': name, 'reason': 'is a directory; SystemRescue reads only regular files '
                                                        'directly in sysrescue.d/'})
            continue
        data = medium.read_bytes(posixpath.join(CONFIG_DIR, name)) if name.lower().endswith(YAML_LIKE) else b''
        files.append((name, data if data is not None else b''))
    return files, skipped


def sysrescuecfg_reader(medium):
    """A callable giving the text of a ``sysrescuecfg=`` value that can be read on the medium (a name
    relative to ``sysrescue.d/``), or ``None`` (a URL or a path of the live system)."""
    def read(value):
        if '://' in value or value.startswith('/'):
            return None
        try:
            return medium.read_bytes(posixpath.join(CONFIG_DIR, clean_path(value)))
        except MediumError:
            return None
    return read


def leftovers(medium, basedir):
    """Temporary files of interrupted writing runs in ``basedir`` (reported, never removed here)."""
    return medium.leftovers(basedir)
