# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the srm_load module: SRMs late-loaded into a running rescue system.

The target is the host root (:class:`~.._srm.load.HostRoot`: its lock and a scratch directory for
fetched modules). The plan compares the wanted modules with the record under ``/run`` and, before
anything is copied, fetches, verifies, lists and space-checks every module to load; the apply copies
them over the root in order, records each and starts what they enable.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import shutil
import tempfile

from ansible.module_utils.urls import open_url

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import round_up
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import load
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.load import (
    BLOCK, LOW_FREE_SHARE, RECORD, HostRoot, LoadError, live_system_reason, new_bytes, read_record, render_record,
    resolve)
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.squashfs import SquashfsError, extract_image, list_content
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


class LoadPlan(Plan):
    """The modules to load (:class:`~.._srm.load.Plan`), each fetched and checked (``ready``)."""

    def __init__(self, planned, ready, root, systemd):
        super().__init__(planned.actions)
        self.planned = planned
        self.ready = ready
        self.root = root
        self.systemd = systemd

    @property
    def record_path(self):
        return os.path.join(self.root, RECORD)

    def public(self):
        return {'actions': self.planned.public_actions(), 'root': self.root, 'record': self.record_path,
                'loaded': self.planned.predicted(), 'systemd': self.systemd}

    def diff(self):
        return self.planned.diff(self.record_path)


class SrmLoad(Task):
    """One ``srm_load`` run on plain parameters."""

    def __init__(self, params, check_mode=False, want_diff=False, host='/'):
        super().__init__(params, check_mode, want_diff)
        self.host = host  # where live-system markers are looked for (a test double in unit tests)
        self.unsquashfs = shutil.which('unsquashfs') or 'unsquashfs'

    def open(self):
        root = os.path.abspath(self.params['root'])
        if not os.path.isdir(root):
            raise LoadError('root %s is not a directory: give the root of the running system (/) or a directory '
                            'tree to test with' % root)
        self._check_live(root)
        self.wanted = resolve(self.params['srms'])
        return HostRoot(root)

    def plan(self, target):
        root = target.root
        planned = load.plan(self.wanted, read_record(os.path.join(root, RECORD)))
        if not planned.actions:
            return LoadPlan(planned, [], root, 'nothing loaded')
        ready = self._prepare(root, planned, target.scratch())
        return LoadPlan(planned, ready, root, self._systemd_plan(root))

    def apply(self, target, plan):
        if not plan.actions:
            return None
        loaded = self._apply(target.root, plan.record_path, plan.planned, plan.ready)
        return {'loaded': loaded, 'systemd': self._systemd(target.root)}

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
        free, size = load.free_space(root)
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
