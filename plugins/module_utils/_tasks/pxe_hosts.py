# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the pxe_hosts module: every client's files of a PXE tree in one pass.

The clients are checked all at once (:mod:`.._pxe.clients`), their files rendered and compared with
the tree (:mod:`.._pxe.tree`), then only the differing files are written and our stale ones removed,
through the tree's directory media (lock, link guard, temporary name renamed into place).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.grub_check import grub_script_check
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe import reach
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.clients import PxeError, Site, parse_clients
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.tree import PxeTree, compare, scanned_dirs, wanted_files
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import mask_text, override_warnings
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import MISSING_YAML, compute_effective
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import (
    cmdline_secrets, find_secrets, mask_cmdline_text)
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import Task

# Up to this many changed files the diff shows each file; above it, one line per client.
DIFF_FILES = 20
# The same warning for more clients than this is reported once, with a count.
WARN_CLIENTS = 5


class TreePlan(Plan):
    """The files to write (``changes``) and to remove (``stale``), as :func:`.._pxe.tree.compare` gives them."""

    def __init__(self, tree, clients, files, changes, unchanged, stale, boot_urls):
        super().__init__(changes + stale)
        self.tree = tree
        self.clients = clients
        self.files = files
        self.changes = changes
        self.unchanged = unchanged
        self.stale = stale
        self.boot_urls = boot_urls

    def public(self):
        created = sum(1 for change in self.changes if change[2] is None)
        return {
            'clients': len(self.clients),
            'files': len(self.files),
            'created': created,
            'updated': len(self.changes) - created,
            'unchanged': self.unchanged,
            'removed': [self.tree.host_path(*where) for where, _data in self.stale],
            'changed_clients': sorted(set(change[1] for change in self.changes if change[1] is not None)),
            'boot_urls': self.boot_urls,
        }

    def _text(self, path, data):
        """A file's text for the diff, its passwords masked: before-texts (a client's old line with
        ``rootpass=``, a removed client's file) as after-texts."""
        if data is None:
            return ''
        text = data.decode('utf-8', 'replace')
        return mask_text(text) if path.endswith('.yaml') else mask_cmdline_text(text)[0]

    def diff(self):
        if len(self.changes) + len(self.stale) <= DIFF_FILES:
            diffs = []
            for where, _client, old, new in self.changes:
                path = self.tree.host_path(*where)
                diffs.append({'before': self._text(path, old), 'after': self._text(path, new),
                              'before_header': path, 'after_header': path})
            for where, data in self.stale:
                path = self.tree.host_path(*where)
                diffs.append({'before': self._text(path, data), 'after': '', 'before_header': path,
                              'after_header': '%s (removed)' % path})
            return diffs
        per_client = {}
        for where, client, old, _new in self.changes:
            per_client.setdefault(client or '(default menus)', []).append(
                ('+ ' if old is None else '~ ') + os.path.basename(where[1]))
        lines = ['%s: %s\n' % (client, ', '.join(files)) for client, files in sorted(per_client.items())]
        lines.extend('- %s\n' % self.tree.host_path(*where) for where, _data in self.stale)
        return {'before': '', 'after': ''.join(lines),
                'before_header': 'PXE tree', 'after_header': 'PXE tree: %d files written (+ new, ~ changed), %d removed'
                % (len(self.changes), len(self.stale))}


class PxeHosts(Task):
    """One ``pxe_hosts`` invocation on plain parameters."""

    def __init__(self, params, check_mode=False, want_diff=False, grub_check=None):
        super().__init__(params, check_mode, want_diff)
        self.grub_check = grub_check  # grub-script-check (None when it is not installed)
        self.missing_library = MISSING_YAML
        if params.get('verify') and reach.requests is None:
            self.missing_library = ('requests', reach.REQUESTS_IMPORT_ERROR)
        self.site = Site(params)

    def open(self):
        # passwords on the command lines and in every client's configuration, of whatever type, before anything
        # can fail: a refusal must not show them either
        self.secrets.extend(cmdline_secrets(self.params.get('kernel_args') or ''))
        self.secrets.extend(find_secrets(self.params.get('default_config') or {}))
        for item in self.params.get('clients') or []:
            if isinstance(item, dict):
                self.secrets.extend(find_secrets(item.get('config') or {}))
                if isinstance(item.get('kernel_args'), str):
                    self.secrets.extend(cmdline_secrets(item['kernel_args']))
        self.clients = parse_clients(self.site, self.params.get('clients'), self.params.get('default_config') or {})
        self.files, problems, warned = wanted_files(self.site, self.clients, self.params.get('menus', True))
        self._group_warnings(warned)
        if problems:
            raise PxeError('the configuration of these clients would not work as meant: %s. Nothing was written'
                           % '; '.join(problems))
        return PxeTree(self.params['http_root'], self.params.get('tftp_root'))

    def leftover_places(self, target):
        return [place for place, _kind in scanned_dirs(self.site)]

    def plan(self, target):
        changes, unchanged, stale = compare(target, self.site, self.files, bool(self.params.get('adopt_unmarked')))
        target.check_writable(where[0] for where, *_rest in changes + stale)
        for _where, _client, old, _new in changes:  # passwords of the lines a change replaces
            self.secrets.extend(mask_cmdline_text((old or b'').decode('utf-8', 'replace'))[1])
        for _where, data in stale:
            self.secrets.extend(mask_cmdline_text(data.decode('utf-8', 'replace'))[1])
        self._check_grub(target, changes)
        self._effective_warnings(changes)
        return TreePlan(target, self.clients, self.files, changes, unchanged, stale, self._boot_urls())

    def _check_grub(self, tree, changes):
        """The GRUB files to write, checked with grub-script-check as bootcfg_loadsrm checks its results: all
        of them in one run, then one by one to name the file when that fails."""
        grub = [(where, new) for where, _client, _old, new in changes
                if where[0] == 'tftp' and posixpath.dirname(where[1]) == self.site.grub_dir]
        if not grub:
            return
        if not self.grub_check:
            self.warnings.append('grub-script-check is not installed, so the GRUB files were not checked; install '
                                 'grub-common (Debian/Ubuntu) or grub2-tools-minimal (Fedora) to check them')
            return
        if grub_script_check(self.grub_check, b'\n'.join(new for _where, new in grub)) is None:
            return
        for where, new in grub:
            complaint = grub_script_check(self.grub_check, new)
            if complaint is not None:
                raise PxeError('the GRUB file %s would fail grub-script-check (%s), so nothing was written; check '
                               'kernel_args and the paths' % (tree.host_path(*where), complaint))

    def apply(self, target, plan):
        target.write_many([(where, new) for where, _client, _old, new in plan.changes])
        for (kind, rel), _data in plan.stale:
            target.remove(kind, rel)
        if self.params.get('verify'):
            self._verify(plan.boot_urls)

    def _group_warnings(self, warned):
        for warning, names in sorted(warned.items()):
            shown = ', '.join(names[:WARN_CLIENTS])
            more = ' and %d more' % (len(names) - WARN_CLIENTS) if len(names) > WARN_CLIENTS else ''
            self.warnings.append('client %s%s: %s' % (shown, more, warning))

    def _verify(self, urls):
        missing = reach.unreachable(urls, timeout=self.params.get('verify_timeout') or 10)
        if missing:
            shown = ', '.join('%s (%s)' % item for item in missing[:50])
            more = ' and %d more' % (len(missing) - 50) if len(missing) > 50 else ''
            raise PxeError('%d of the %d files the clients request at boot are not served: %s%s. The files were '
                           'written; check that url points at http_root (and that the ISO tree and the modules are '
                           'in place), then run again' % (len(missing), len(urls), shown, more))

    def _boot_urls(self):
        urls = self.site.boot_urls()
        seen = set(urls)
        for client in self.clients:
            for url in self.site.boot_urls(client):
                if url not in seen:
                    seen.add(url)
                    urls.append(url)
        return urls

    def _effective_warnings(self, changes):
        """What SystemRescue's reader makes of each changed client's YAML with its own command line."""
        by_name = dict((client.name, client) for client in self.clients)
        warned = {}
        for where, name, _old, _new in changes:
            read = self.files[where][2]
            if name is None or read is None:
                continue
            effective = compute_effective([], [('the client YAML', read)], self.site.cmdline(by_name[name]))
            # the writer refuses anything the reader would fail on
            for warning in effective.warnings + override_warnings(read.table, 'the client YAML', effective):
                warned.setdefault(warning, []).append(name)
        self._group_warnings(warned)
