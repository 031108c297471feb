# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The work of the ``linuxrc_part`` module: a linuxrc part, built by srm_build's reproducible builder.

A part is a squashfs image like an SRM; linuxrc mounts it and links its files into the running
system. After loading a part linuxrc runs ``<mountpoint>/.init <mountpoint>`` when the part holds a
regular file ``.init`` at its root, and ``<mountpoint>/.done <mountpoint>`` before it removes the
part again (``auto2_add_extension``/``auto2_remove_extension`` in linuxrc's ``auto2.c``). ``init`` and
``done`` therefore become ``/.init`` and ``/.done`` inside the image, mode 0755.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError

SCRIPTS = (('init', '/.init'), ('done', '/.done'))


def build_params(params):
    """srm_build parameters for the ``linuxrc_part`` parameters: the scripts as the last sources."""
    sources = list(params.get('sources') or [])
    for key, dest in SCRIPTS:
        script = params.get(key)
        if script is None:
            continue
        if not isinstance(script, str) or not script.strip():
            raise LinuxrcError('%s is empty; give the script text (linuxrc runs it as <mountpoint>/%s <mountpoint>), '
                               'or leave %s out' % (key, dest.lstrip('/'), key))
        # the script is the one source that may put this path into the part: another one that brings it (by its
        # dest, inside a directory, from another SRM) is refused when the tree is collected (TreeBuilder.add_content)
        sources.append({'content': script, 'dest': dest, 'mode': '0755', 'exclude': [], 'option': key})
    built = dict(params)
    built.update(sources=sources, systemd_enable=[])
    built.pop('init', None)
    built.pop('done', None)
    return built
