# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Late-load SRMs into a running rescue system, verified and idempotent (the srm_load module).

SystemRescue's ``load-srm`` mounts a module read-only and ``rsync -a --checksum``es its content over
``/`` (into the copy-on-write layer), then the boot script runs ``systemctl daemon-reload`` and
queues ``multi-user.target``. :class:`SrmLoad` does the same steps itself, with what ``load-srm``
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

import contextlib
import datetime
import json
import os
import posixpath
import re
import shutil
import tempfile
from urllib.parse import urlsplit

from ansible.module_utils.urls import open_url

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import flocked
from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import Task
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import round_up
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.squashfs import (
    SquashfsError, extract_image, list_content)

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


# -- one run ----------------------------------------------------------------------------------------

class SrmLoad(Task):
    """One ``srm_load`` run on plain parameters."""

    def __init__(self, params, check_mode=False, want_diff=False, host='/'):
        super().__init__(params, check_mode, want_diff)
        self.host = host  # where live-system markers are looked for (a test double in unit tests)
        self.unsquashfs = shutil.which('unsquashfs') or 'unsquashfs'

    def run(self):
        params = self.params
        root = os.path.abspath(params['root'])
        if not os.path.isdir(root):
            raise LoadError('root %s is not a directory: give the root of the running system (/) or a directory '
                            'tree to test with' % root)
        self._check_live(root)
        wanted = resolve(params['srms'])
        with flocked(root):  # on the root directory itself: nothing is created, two runs take turns
            record_path = os.path.join(root, RECORD)
            the_plan = plan(wanted, read_record(record_path))
            result = {'changed': bool(the_plan.actions), 'actions': the_plan.public_actions(), 'root': root,
                      'record': record_path, 'loaded': the_plan.predicted()}
            if self.want_diff:
                result['diff'] = the_plan.diff(record_path)
            if not the_plan.actions:
                result['systemd'] = 'nothing loaded'
                return result
            with tempfile.TemporaryDirectory(prefix='rescuefleet-srm-load-') as work:
                ready = self._prepare(root, the_plan, work)
                if self.check_mode:
                    result['systemd'] = self._systemd_plan(root)
                    return result
                result['loaded'] = self._apply(root, record_path, the_plan, ready)
            result['systemd'] = self._systemd(root)
        return result

    def _check_live(self, root):
        if root != '/' or self.params.get('allow_installed_system'):
            return  # a directory tree given as root is a test bed, and the operator may insist
        if live_system_reason(self.host) is None:
            raise LoadError('this host does not look like a SystemRescue/archiso live system (no /run/archiso, '
                            '/etc/os-release has no ID=sysrescue, the root is no overlay over airootfs): late '
                            'loading would write the modules over an installed system. Boot the host into '
                            'SystemRescue, or set allow_installed_system: true if that is really meant')

    def _prepare(self, root, the_plan, work):
        """Fetch, verify and list every module to load, and check the space: all before any copy.

        Returns ``[(action, local file, content)]``; in check mode modules that are not on the host
        (a URL, or the action plugin's planning pass) are left out, since only a real run fetches them.
        """
        ready = []
        for act in the_plan.actions:
            path = act.get('src')
            if act.get('url'):
                if self.check_mode:
                    continue
                path = self._fetch(act, work)
            elif not path:
                if self.check_mode:
                    continue
                raise LoadError('%s is not loaded (or has another sha256) and there is no file for it: give src or '
                                'url' % act['name'])
            ready.append((act, path, self._verify(act, path)))
        need = sum(new_bytes(root, content) for _act, _path, content in ready)
        total = sum(round_up(size, BLOCK) for _a, _p, content in ready for _path, kind, size in content if kind == '-')
        free, size = free_space(root)
        if need > free:
            raise LoadError('not enough space: the new content of %s needs %d bytes but the filesystem holding %s '
                            '(on a live system: the copy-on-write space, in RAM) has %d free. Load fewer or smaller '
                            'modules, or boot with more RAM or a cow_label; nothing was changed'
                            % (', '.join(a['name'] for a, _p, _c in ready), need, root, free))
        if total > free:
            self.warnings.append('the copy-on-write space of %s (%d bytes free) is smaller than the content of the '
                                 'modules (%d bytes); it fits only because parts of it are already there'
                                 % (root, free, total))
        elif ready and free - need < size * LOW_FREE_SHARE:
            self.warnings.append('after loading, less than %d%% of the filesystem holding %s stays free (%d bytes): '
                                 'late-loaded modules live in RAM on a live system'
                                 % (LOW_FREE_SHARE * 100, root, free - need))
        return ready

    def _fetch(self, act, work):
        dest = os.path.join(work, act['name'])
        try:
            response = open_url(act['url'], validate_certs=self.params.get('validate_certs', True),
                                timeout=self.params.get('timeout', 30))
            with open(dest, 'wb') as handle:
                shutil.copyfileobj(response, handle)
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors; ssl name errors ValueErrors
            raise LoadError('cannot download %s from %s: %s; check the URL and the network (validate_certs: false '
                            'for a self-signed server); nothing was changed' % (act['name'], act['url'], exc)) from exc
        return dest

    def _verify(self, act, path):
        size = os.path.getsize(path)
        if act.get('size') is not None and act['size'] != size:
            raise LoadError('%s has %d bytes, not the %d expected; nothing was changed' % (act['name'], size, act['size']))
        act['size'] = size
        sha = sha256_file(path)
        if sha != act['sha256']:
            raise LoadError('%s does not match its sha256 (expected %s, got %s): the file is damaged or not the one '
                            'meant; give the right file or sha256; nothing was changed' % (act['name'], act['sha256'], sha))
        try:
            return list_content(self.unsquashfs, path)
        except SquashfsError as exc:
            raise LoadError('%s is not a squashfs image (%s): an SRM is made with mksquashfs (srm_build); nothing '
                            'was changed' % (act['name'], exc)) from exc

    def _apply(self, root, record_path, the_plan, ready):
        """Copy each module over the root in the order given (a later module wins where two overlap);
        the record is saved after each, so an interrupted run keeps what was done."""
        record = dict(the_plan.record)
        for act, path, content in ready:
            with self._opened(path) as tree:
                proc = run(['rsync', '-a', '--checksum', '--itemize-changes', tree + '/', root.rstrip('/') + '/'], LoadError,
                           what='copying %s over %s with rsync (files may be partly copied; run the task again)'
                                % (act['name'], root),
                           hint='install rsync')
            record[act['name']] = {
                'name': act['name'], 'sha256': act['sha256'], 'size': act['size'],
                'content_bytes': sum(size for _p, kind, size in content if kind == '-'),
                'files_changed': len([line for line in proc.stdout.splitlines() if line and line[0] in '<>ch*']),
                'source': act.get('url') or 'file',
                'loaded_at': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
            }
            os.makedirs(os.path.dirname(record_path), exist_ok=True)
            _atomic.write_text(record_path, render_record(record), mode=0o644)
        return list(record.values())

    @contextlib.contextmanager
    def _opened(self, image):
        """The module's content as a directory: a read-only loop mount as load-srm does (root only), else
        (``method: unsquashfs``, or the mount is refused, as in many containers) extracted beside it."""
        method = self.params.get('method', 'auto')
        work = tempfile.mkdtemp(prefix='content.', dir=os.path.dirname(image))
        try:
            if method in ('auto', 'mount') and os.geteuid() == 0:
                proc = run(['mount', '-t', 'squashfs', '-o', 'loop,ro,nodev,nosuid', image, work], LoadError,
                           what='mounting %s' % os.path.basename(image), allow_fail=method == 'auto')
                if proc.returncode == 0:
                    try:
                        yield work
                    finally:
                        run(['umount', work], LoadError, what='unmounting %s' % work)
                    return
            elif method == 'mount':
                raise LoadError('method: mount needs root (become: true); use method: unsquashfs otherwise')
            extract_image(self.unsquashfs, image, work)
            yield work
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _systemd_plan(self, root):
        if root != '/':
            return 'skipped: root is %s, not the running system' % root
        if not self.params.get('systemd', True):
            return 'skipped: systemd is false'
        return 'would run systemctl daemon-reload and start --no-block multi-user.target'

    def _systemd(self, root):
        """Make units the modules brought (and ``Wants=`` of multi-user.target) known and started, as
        SystemRescue's boot does after late loading."""
        plan_text = self._systemd_plan(root)
        if plan_text.startswith('skipped'):
            return plan_text
        what = 'systemctl after loading (the files are loaded and recorded)'
        run(['systemctl', 'daemon-reload'], LoadError, what=what, hint='late loading needs systemd')
        run(['systemctl', 'start', '--no-block', 'multi-user.target'], LoadError, what=what)
        return 'ran systemctl daemon-reload and start --no-block multi-user.target'
