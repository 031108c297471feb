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
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import MediumError
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._media.partitions import IsoMediumError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import CONFIG_DIR
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import reads_name, sysrescuecfg_medium_path
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

# YAML files are small: those up to this size are read together where reads are costly (an ISO).
MAX_YAML_PRELOAD = 1024 * 1024
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
    """``(files, extra_skipped)``: ``[(name, bytes)]`` of the regular files of ``sysrescue.d/`` that
    SystemRescue's reader takes by their name (:func:`.._sysrescue.reader.reads_name`) with their content,
    and those it does not take with empty content (the merge reports them as not applied, ``.yml`` with
    advice); ``[{'name', 'reason'}]`` of directories that carry a name the reader would take."""
    files = []
    skipped = []
    listing = medium.list_dir(CONFIG_DIR)
    medium.preload([posixpath.join(CONFIG_DIR, e['name']) for e in listing if e['type'] == 'file' and reads_name(e['name'])],
                   MAX_YAML_PRELOAD)
    for entry in listing:
        name = entry['name']
        if entry['type'] != 'file':
            if reads_name(name):
                skipped.append({'name': name, 'reason': 'is a directory; SystemRescue reads only regular files '
                                                        'directly in sysrescue.d/'})
            continue
        data = medium.read_bytes(posixpath.join(CONFIG_DIR, name)) if reads_name(name) else b''
        files.append((name, data if data is not None else b''))
    return files, skipped


def sysrescuecfg_reader(medium):
    """A callable ``read(value, tokens)`` giving the bytes of the file a ``sysrescuecfg=`` value names when it
    is a file of the medium (:func:`.._sysrescue.reader.sysrescuecfg_medium_path`: a name in ``sysrescue.d/``,
    an absolute path under ``/run/archiso/bootmnt/``, a URL under the entry's ``archiso_http_srv=`` URL),
    or ``None`` (a URL elsewhere, a path of the initramfs, a file that is not there)."""
    def read(value, tokens=()):
        path = sysrescuecfg_medium_path(value, tokens)
        if path is None:
            return None
        try:
            return medium.read_bytes(path)
        except MediumError:
            return None
    return read


def leftovers(medium, basedir):
    """Temporary files of interrupted writing runs in ``basedir`` (reported, never removed here)."""
    return medium.leftovers(basedir)
