# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The modules an ``srms`` list asks for, with name, size and sha256 resolved.

One resolver for both sides of srm_deploy: the action plugin on the controller (which hashes the
files it may have to send) and the module on the managed host. Each entry is a mapping with ``src``
(a local file), or ``name`` with ``sha256`` and ``size`` of a module that is already on the medium
(as in the action plugin's planning pass, which sends no file).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import stat

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._files import open_regular
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.manifest import cached_sha256


class WantedError(RescueFleetError):
    """An entry of ``srms`` cannot be used; the message names it and says what to give instead."""


# Every squashfs image starts with this magic (little-endian "hsqs"); SystemRescue loop-mounts each
# module, and a file that is not a squashfs is skipped at boot with only a console message.
SQUASHFS_MAGIC = b'hsqs'


def srms_argument_spec(url=False):
    """The ``srms`` option of srm_deploy and srm_load (``url=True``) and the ``parts`` option of linuxrc_parts
    (documented in each module): modules by ``src``, or by ``name`` with ``sha256`` and ``size``."""
    options = dict(
        name=dict(type='str'),
        src=dict(type='path'),
        sha256=dict(type='str'),
        size=dict(type='int'),
    )
    if url:
        options['url'] = dict(type='str')
    return dict(type='list', elements='dict', required=True, options=options)


def resolve(items, state='present', hash_sources=False, locate=None, allow_non_squashfs=None, option='srms',
            use='boot'):
    """``[{'name', 'src', 'sha256', 'size'}]`` for the entries of ``srms``, in the order given.

    ``hash_sources``: compute every missing sha256 now (the controller, before it decides what to
    send); otherwise a sha256 comes only from an srm_build manifest and the rest is hashed when needed.
    ``locate(src)`` maps a ``src`` to the local file to read (the controller's search path).
    ``allow_non_squashfs``: whether a ``src`` that is not a squashfs image is accepted (the caller's option
    of that name, to test how a boot handles a broken module); ``None`` for a caller without that option.
    ``option`` is the name of the option in messages (``parts`` for linuxrc_parts), ``use`` what the modules
    are for (see :func:`check_squashfs`).
    """
    if not isinstance(items, list):
        raise WantedError('%s must be a list of mappings such as {src: /path/10-tools.srm}, not %s'
                          % (option, type(items).__name__))
    return [_resolve_one(item, '%s[%d]' % (option, number), state, hash_sources, locate, allow_non_squashfs, use)
            for number, item in enumerate(items)]


# Why a module that is not a squashfs image is refused, by what the modules are for.
_NOT_SQUASHFS = {
    'boot': 'so SystemRescue would skip it at boot',
    'late': 'and a late-loaded module must be one: it is mounted (or unpacked with unsquashfs) before its files '
            'are copied',
}


def check_squashfs(path, label, use='boot', allow_non_squashfs=None):
    """Whether the regular file ``path`` is a squashfs image: ``True``; ``False`` when it is not and
    ``allow_non_squashfs`` is true; else :class:`WantedError` with advice. ``label`` names it in the message
    (``src X for NAME``); ``use`` is ``boot`` (early-loaded from a medium or an ISO) or ``late`` (srm_load);
    ``allow_non_squashfs`` is ``None`` for a caller that has no option of that name, so none is advised."""
    with open_regular(path, label) as handle:
        magic = handle.read(len(SQUASHFS_MAGIC))
    if magic == SQUASHFS_MAGIC:
        return True
    if allow_non_squashfs:
        return False
    advice = 'build it with rescuefleet.media.srm_build'
    if allow_non_squashfs is not None:
        advice += ', or set allow_non_squashfs: true to deploy a broken module on purpose (to test how the boot ' \
                  'handles one)'
    raise WantedError('%s is not a squashfs image (it does not start with the squashfs magic "hsqs"), %s; %s; '
                      'nothing was changed' % (label, _NOT_SQUASHFS[use], advice))


def _resolve_one(item, where, state, hash_sources, locate, allow_non_squashfs, use):
    if not isinstance(item, dict):
        raise WantedError('%s is %r: each entry must be a mapping such as {src: /path/10-tools.srm} '
                          '(or {name: 10-tools.srm} with state: absent)' % (where, item))
    src = item.get('src')
    name = item.get('name') or (os.path.basename(src) if src else None)
    if not name:
        raise WantedError('%s needs name or src' % where)
    entry = {'name': name, 'src': src, 'sha256': item.get('sha256'), 'size': item.get('size')}
    if state != 'present':
        return entry
    if not src:
        if not (entry['sha256'] and entry['size'] is not None):
            raise WantedError('%s needs src, or sha256 and size of a module already on the medium' % name)
        return entry
    local = locate(src) if locate else src
    try:
        st = os.stat(local)
        if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block the copy, a directory fail late
            raise WantedError('src %s for %s is not a regular file; give the path of an .srm file' % (local, name))
        check_squashfs(local, 'src %s for %s' % (local, name), use, allow_non_squashfs)
        sha = entry['sha256'] or cached_sha256(local)
        if hash_sources and not sha:
            sha = sha256_file(local)
    except OSError as exc:
        raise WantedError('cannot read src %s for %s: %s; check the path and its permissions (or run the task with '
                          'become)' % (local, name, exc.strerror)) from exc
    if item.get('size') is not None and item['size'] != st.st_size:
        raise WantedError('src %s has %d bytes, not the %d given in size' % (local, st.st_size, item['size']))
    entry.update(src=local, sha256=sha, size=st.st_size)
    return entry
