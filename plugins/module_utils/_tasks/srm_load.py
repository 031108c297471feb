# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the srm_load module: SRMs late-loaded into a running rescue system.

The target is the host root (:class:`~.._srm.load.HostRoot`: its lock and a scratch directory in
``staging_dir`` for fetched and opened modules). The plan compares the wanted modules with the record
under ``/run`` and, before anything is copied, fetches, verifies and opens every module to load and
lets rsync say what it would change (a dry run), from which come the space check, the units to start
and the boot files to merge; the apply copies the modules over the root in order, merges the boot
files, records each module and starts the units they added.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import datetime
import os
import shutil

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import round_up
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import load
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.load import (
    BLOCK, LOW_FREE_SHARE, RECORD, HostRoot, LoadError, added_units, boot_files, changes, check_staging_dir,
    is_running_root, live_system_reason, merge_boot_file, opened, read_record, render_record, resolve, rsync_command, space_needed,
    writable_layer)
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.squashfs import SquashfsError, list_content
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import lies_inside
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task


class Prepared:
    """One module ready to copy: its action, local file, listing, opened content and what rsync's dry
    run says it changes (``items``), with the boot files it carries (``boot``)."""

    def __init__(self, act, path, content, tree, items, boot):
        self.act = act
        self.path = path
        self.content = content
        self.tree = tree
        self.items = items
        self.boot = boot

    @property
    def excludes(self):
        """Boot files left to :func:`~.._srm.load.merge_boot_file` instead of the copy."""
        return [b['path'] for b in self.boot if b['handling'] == 'merge']


class LoadPlan(Plan):
    """The modules to load (:class:`~.._srm.load.Plan`), each fetched and opened (``ready``)."""

    def __init__(self, planned, ready, root, systemd, units):
        super().__init__(planned.actions)
        self.planned = planned
        self.ready = ready
        self.root = root
        self.systemd = systemd
        self.units = units

    @property
    def record_path(self):
        return os.path.join(self.root, RECORD)

    def public(self):
        actions = self.planned.public_actions()
        boot = {p.act['name']: p.boot for p in self.ready}
        for act in actions:
            if boot.get(act['name']):
                act['boot_files'] = boot[act['name']]
        return {'actions': actions, 'root': self.root, 'record': self.record_path,
                'loaded': self.planned.predicted(), 'systemd': self.systemd, 'units': self.units}

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
        staging = self.params.get('staging_dir') or load.STAGING_DIR
        check_staging_dir(staging)
        if self.params.get('retries', 2) < 0:
            raise LoadError('retries must be 0 or more, not %d' % self.params['retries'])
        # the running system is a directory, not a spelling: //, /./ or a link to / are it too
        self.running = is_running_root(root)
        self._check_live(root)
        self._check_record_place(root)
        self.wanted = resolve(self.params['srms'])
        if self.running and os.stat(staging).st_dev == os.stat(root).st_dev:
            self.warnings.append('staging_dir %s lies on the root filesystem: module files waiting there take '
                                 'copy-on-write space (RAM) twice; give a tmpfs of its own such as /tmp' % staging)
        return HostRoot(root, staging)

    def leftover_places(self, target):
        # the record is written under a temporary name beside it
        return [os.path.join(target.root, RECORD)]

    def plan(self, target):
        root = target.root
        planned = load.plan(self.wanted, read_record(os.path.join(root, RECORD)))
        if not planned.actions:
            return LoadPlan(planned, [], root, 'nothing loaded', [])
        ready = self._prepare(target, planned)
        units, targets = added_units([item for p in ready for item in p.items])
        return LoadPlan(planned, ready, root, self._systemd_text(root, units, targets, done=False), units)

    def apply(self, target, plan):
        if not plan.actions:
            return None
        loaded, items = self._apply(target.root, plan.record_path, plan.planned, plan.ready)
        units, targets = added_units(items)
        result = {'loaded': loaded, 'units': units, 'systemd': self._systemd(target.root, units, targets)}
        actions = plan.public()['actions']
        if any(a.get('boot_files') for a in actions):
            result['actions'] = actions  # with the lines each merge kept, counted when it was written
        return result

    def _check_record_place(self, root):
        """Refuse a record (or a directory on its way) that is a link leading out of ``root``: the record is
        read and written there, so a link would make a run read and replace a file elsewhere."""
        record = os.path.join(root, RECORD)
        if not lies_inside(record, root):
            raise LoadError('the record %s leads to %s, outside root %s (through a link); srm_load reads and writes '
                            'its record only inside root: replace the link with a directory; nothing was changed'
                            % (record, os.path.realpath(record), root))

    def _check_live(self, root):
        if not self.running or self.params.get('allow_installed_system'):
            return  # a directory tree given as root is a test bed, and the operator may insist
        if live_system_reason(self.host) is None:
            raise LoadError('this host does not look like a SystemRescue/archiso live system (no /run/archiso, '
                            '/etc/os-release has no ID=sysrescue, the root is no overlay over airootfs): late '
                            'loading would write the modules over an installed system. Boot the host into '
                            'SystemRescue, or set allow_installed_system: true if that is really meant')

    # -- before anything is copied --------------------------------------------------------------------
    def _prepare(self, target, the_plan):
        """Fetch, verify, open and dry-run every module to load, and check the space: all before any copy.

        Returns ``[Prepared]``; in check mode modules that are not on the host (a URL, or the action
        plugin's planning pass) are left out, since only a real run fetches them.
        """
        root = target.root
        ready = []
        for act in the_plan.actions:
            path = act.get('src')
            if act.get('url'):
                if self.check_mode:
                    continue
                path = os.path.join(target.scratch(), act['name'])
                load.download(act['url'], path, validate_certs=self.params.get('validate_certs', True),
                              timeout=self.params.get('timeout', 30), retries=self.params.get('retries', 2),
                              name=act['name'])
            elif not path:
                if self.check_mode:
                    continue
                raise LoadError('%s is not loaded (or has another sha256) and there is no file for it: give src or '
                                'url' % act['name'])
            content = self._verify(act, path)
            tree = target.keep_open(opened(path, target.scratch(), self.params.get('method', 'auto'), self.unsquashfs))
            prepared = Prepared(act, path, content, tree, [],
                                boot_files(root, tree, self.params.get('boot_files', 'merge'), act['name']))
            proc = run(rsync_command(tree, root, prepared.excludes, dry_run=True), LoadError, text=False,
                       what='comparing %s with %s (rsync --dry-run)' % (act['name'], root), hint='install rsync')
            prepared.items = changes(proc.stdout)
            ready.append(prepared)
        self._check_space(root, ready)
        return ready

    def _check_space(self, root, ready):
        writable = writable_layer(root)
        need = sum(space_needed(root, p.tree, p.items, writable) for p in ready)
        total = sum(round_up(size, BLOCK) for p in ready for _path, kind, size in p.content if kind == '-')
        free, size = load.free_space(root)
        if need > free:
            raise LoadError('not enough space: %s needs %d bytes (new files, files written anew and files of the '
                            'lower layers copied up) but the filesystem holding %s (on a live system: the '
                            'copy-on-write space, in RAM) has %d free. Load fewer or smaller modules, or boot with '
                            'more RAM or a cow_label; nothing was changed'
                            % (', '.join(p.act['name'] for p in ready), need, root, free))
        if total > free:
            self.warnings.append('the copy-on-write space of %s (%d bytes free) is smaller than the content of the '
                                 'modules (%d bytes); it fits only because parts of it are already there'
                                 % (root, free, total))
        elif ready and free - need < size * LOW_FREE_SHARE:
            self.warnings.append('after loading, less than %d%% of the filesystem holding %s stays free (%d bytes): '
                                 'late-loaded modules live in RAM on a live system'
                                 % (LOW_FREE_SHARE * 100, root, free - need))

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

    # -- the copy ---------------------------------------------------------------------------------------
    def _apply(self, root, record_path, the_plan, ready):
        """Copy each module over the root in the order given (a later module wins where two overlap), then
        merge its boot files; the record is saved after each, so an interrupted run keeps what was done.
        Returns the record's modules and every change rsync made."""
        record = dict(the_plan.record)
        made = []
        for prepared in ready:
            act = prepared.act
            proc = run(rsync_command(prepared.tree, root, prepared.excludes), LoadError, text=False,
                       what='copying %s over %s with rsync (files may be partly copied; run the task again)'
                            % (act['name'], root),
                       hint='install rsync')
            items = changes(proc.stdout)
            made += items
            for boot in prepared.boot:
                if boot['handling'] == 'merge':
                    boot['lines'] = merge_boot_file(root, prepared.tree, boot['path'])
            record[act['name']] = {
                'name': act['name'], 'sha256': act['sha256'], 'size': act['size'],
                'content_bytes': sum(size for _p, kind, size in prepared.content if kind == '-'),
                'files_changed': len([flags for flags, _path in items if flags[0] in '<>ch']),
                'source': act.get('url') or 'file',
                'loaded_at': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
            }
            os.makedirs(os.path.dirname(record_path), exist_ok=True)
            _atomic.write_text(record_path, render_record(record), mode=0o644)
        return list(record.values()), made

    # -- systemd ------------------------------------------------------------------------------------------
    def _systemd_text(self, root, units, targets, done):
        if not is_running_root(root):
            return 'skipped: root is %s, not the running system' % root
        if not self.params.get('systemd', True):
            return 'skipped: systemd is false'
        text = '%s systemctl daemon-reload' % ('ran' if done else 'would run')
        text += ' and start --no-block %s' % ' '.join(units) if units else '; no unit to start'
        if targets:
            text += ' (not started: %s)' % ' '.join(targets)
        return text

    def _systemd(self, root, units, targets):
        """Make the units the modules brought known, and start the ones they enabled: exactly those, never
        multi-user.target (that would start again every unit it wants that the operator stopped, such as
        SystemRescue's firewall, which then drops every new SSH connection)."""
        text = self._systemd_text(root, units, targets, done=True)
        if text.startswith('skipped'):
            return text
        what = 'systemctl after loading (the files are loaded and recorded)'
        run(['systemctl', 'daemon-reload'], LoadError, what=what, hint='late loading needs systemd')
        if units:
            run(['systemctl', 'start', '--no-block', '--'] + units, LoadError, what=what)
        if targets:
            self.warnings.append('not started: %s: a target starts every unit it wants, including units the '
                                 'operator may have stopped; the units the modules linked into it were started '
                                 'one by one' % ', '.join(targets))
        return text
