# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Late-load SRMs into a running rescue system, verified and idempotent (for the srm_load module).

SystemRescue's ``load-srm`` mounts a module read-only and ``rsync -a --checksum``es its content over
``/`` (into the copy-on-write layer), then the boot script runs ``systemctl daemon-reload`` and
queues ``multi-user.target``. srm_load (``_tasks/srm_load.py``) does the same steps itself, with what ``load-srm``
lacks: each module is checked against its sha256, listed as a squashfs and its new content compared
with the free space of the filesystem holding the root, all before anything is copied; a record
(``<root>/run/rescuefleet/srm_load.json``, so it goes away with the boot, as the loaded files do)
says what was loaded, so a second run changes nothing and a new sha256 under a known name loads again.

``load-srm`` itself is not called even when present: it would fetch and check the module again
without a checksum, and a failed copy (exit 104) is indistinguishable from success to a caller that
wants to record it. The copy step is the same command.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import tempfile
from urllib.parse import urlsplit

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import flocked
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import round_up

RECORD = 'run/rescuefleet/srm_load.json'
SHA256 = re.compile(r'^[0-9a-fA-F]{64}$')
# tmpfs and overlay upper layers allocate whole pages: count each file in 4 KiB units
BLOCK = 4096
# below this share of the root filesystem left free after loading, warn: late loading costs RAM
LOW_FREE_SHARE = 0.1


class LoadError(RescueFleetError):
    """A module cannot be late-loaded; the message says what to do. Unless it says otherwise, the
    root was not changed."""


# -- what is asked for -----------------------------------------------------------------------------

def resolve(items, hash_sources=False, locate=None):
    """``[{'name', 'src' or 'url', 'sha256', 'size'}]`` for the entries of ``srms``, in the order given.

    An entry has ``src`` (a local file, resolved by :mod:`.wanted`), or ``url`` with ``sha256`` (the host
    fetches it), or ``name`` with ``sha256`` and ``size`` only (the action plugin's planning pass, which
    sends no file).
    """
    if not isinstance(items, list):
        raise LoadError('srms must be a list of mappings such as {src: files/10-tools.srm}, not %s'
                        % type(items).__name__)
    entries = []
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise LoadError('srms[%d] is %r: each entry must be a mapping such as {src: files/10-tools.srm} or '
                            '{url: https://server/10-tools.srm, sha256: ...}' % (number, item))
        if item.get('url'):
            entry = _resolve_url(item, number)
        elif not item.get('src') and not (item.get('sha256') and item.get('size') is not None):
            raise LoadError('srms[%d] needs src (a module file) or url with sha256' % number)
        else:
            entry = wanted_modules.resolve([{k: v for k, v in item.items() if k != 'url'}],
                                           hash_sources=hash_sources, locate=locate)[0]
        if '/' in entry['name'] or entry['name'] in ('.', '..'):
            raise LoadError('srms[%d]: name %r must be a plain name without /' % (number, entry['name']))
        if entry['sha256']:
            if not SHA256.match(entry['sha256']):
                raise LoadError('%s: sha256 %r is not 64 hexadecimal digits' % (entry['name'], entry['sha256']))
            entry['sha256'] = entry['sha256'].lower()
        if entry['name'] in {e['name'] for e in entries}:
            raise LoadError('%s is listed twice in srms: give each module once' % entry['name'])
        entries.append(entry)
    return entries


def _resolve_url(item, number):
    if item.get('src'):
        raise LoadError('srms[%d] has both src and url: give one' % number)
    url = item['url']
    if urlsplit(url).scheme not in ('http', 'https', 'ftp', 'file'):
        raise LoadError('srms[%d]: url %r is not an http, https, ftp or file URL' % (number, url))
    name = item.get('name') or posixpath.basename(urlsplit(url).path)
    if not name:
        raise LoadError('srms[%d]: cannot take a name from url %s; give name' % (number, url))
    if not item.get('sha256'):
        raise LoadError('%s: a url needs sha256, so that what the host downloads is verified before it is '
                        'loaded' % name)
    return {'name': name, 'url': url, 'sha256': item['sha256'], 'size': item.get('size')}


# -- the host ---------------------------------------------------------------------------------------

class HostRoot:
    """The root modules are loaded into (``/``, or a directory tree in tests): what a run works on.

    ``locked()`` is an flock on the root directory itself (nothing is created, two runs take turns);
    ``scratch()`` a private directory for the modules a run downloads, removed by ``close()``.
    """

    def __init__(self, root):
        self.root = root
        self._scratch = None

    def locked(self):
        return flocked(self.root)

    def scratch(self):
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix='rescuefleet-late-load-')
        return self._scratch

    def close(self):
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def live_system_reason(host='/'):
    """Why ``host`` (``/`` or a test double of it) is a SystemRescue/archiso live system, or ``None``.

    The rule: ``/run/archiso`` exists (archiso's initramfs made it), or ``/etc/os-release`` says
    ``ID=sysrescue``, or the root filesystem is an overlay whose lower layers include ``airootfs``.
    """
    if os.path.isdir(os.path.join(host, 'run/archiso')):
        return '/run/archiso exists'
    try:
        with open(os.path.join(host, 'etc/os-release'), encoding='utf-8', errors='replace') as handle:
            for line in handle:
                key, _sep, value = line.strip().partition('=')
                if key == 'ID' and value.strip('"\'') == 'sysrescue':
                    return '/etc/os-release has ID=sysrescue'
    except OSError:
        pass
    fstype, options = root_mount(os.path.join(host, 'proc/self/mountinfo'))
    if fstype == 'overlay' and 'airootfs' in options:
        return 'the root filesystem is an overlay over airootfs'
    return None


def root_mount(mountinfo):
    """``(fstype, super options)`` of the filesystem mounted on ``/``, from a mountinfo file."""
    found = (None, '')
    try:
        with open(mountinfo, encoding='utf-8', errors='replace') as handle:
            for line in handle:
                fields, _sep, rest = line.partition(' - ')
                parts = fields.split()
                tail = rest.split()
                if len(parts) >= 5 and parts[4] == '/' and tail:
                    found = (tail[0], tail[2] if len(tail) > 2 else '')  # the last mount on / is the visible one
    except OSError:
        pass
    return found


def free_space(root):
    """``(free bytes, size bytes)`` of the filesystem holding ``root``."""
    st = os.statvfs(root)
    return st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize


def new_bytes(root, content):
    """Space the content takes over ``root``: every regular file that is missing there or differs in
    size, in whole blocks (a file of the same size costs no new space when it is replaced)."""
    need = 0
    for path, kind, size in content:
        if kind != '-':
            continue
        try:
            st = os.lstat(os.path.join(root, path.lstrip('/')))
            if st.st_size == size and not os.path.islink(os.path.join(root, path.lstrip('/'))):
                continue
        except OSError:
            pass
        need += round_up(size, BLOCK)
    return need


# -- the record -------------------------------------------------------------------------------------

def read_record(path):
    """``{name: {'name', 'sha256', 'size', 'loaded_at', ...}}`` from the record (empty when there is none
    or it does not parse: loading again is harmless, rsync compares by checksum)."""
    try:
        with open(path, 'rb') as handle:
            data = json.loads(handle.read().decode('utf-8'))
        return {m['name']: m for m in data['modules'] if isinstance(m, dict) and 'name' in m}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def render_record(record):
    return json.dumps({'version': 1, 'modules': list(record.values())}, indent=1, sort_keys=True) + '\n'


# -- planning ---------------------------------------------------------------------------------------

class Plan:
    """``actions``: ``{'action': 'load' or 'update', 'name', 'sha256', 'size', 'src', 'url'}`` (with
    ``old_sha256`` for an update), in the order given; ``record``: what was loaded before."""

    def __init__(self, actions, record):
        self.actions = actions
        self.record = record

    def public_actions(self):
        keys = ('action', 'name', 'sha256', 'size', 'old_sha256')
        out = []
        for act in self.actions:
            public = {k: act[k] for k in keys if act.get(k) is not None}
            public['source'] = 'url' if act.get('url') else 'file'
            out.append(public)
        return out

    def predicted(self):
        after = dict(self.record)
        for act in self.actions:
            after[act['name']] = {'name': act['name'], 'sha256': act['sha256'], 'size': act['size']}
        return list(after.values())

    def diff(self, record_path):
        def lines(modules):
            return ''.join('%s sha256:%s\n' % (m['name'], m.get('sha256') or '?') for m in modules)
        return {'before_header': record_path, 'after_header': record_path,
                'before': lines(self.record.values()), 'after': lines(self.predicted())}


def plan(wanted, record):
    """The modules of ``wanted`` whose sha256 the record does not hold under their name."""
    actions = []
    for item in wanted:
        sha = item['sha256'] or (sha256_file(item['src']) if item.get('src') else None)
        known = record.get(item['name'])
        if known and sha and known.get('sha256') == sha:
            continue
        act = dict(item, sha256=sha, action='update' if known else 'load')
        if known:
            act['old_sha256'] = known.get('sha256')
        actions.append(act)
    return Plan(actions, record)
