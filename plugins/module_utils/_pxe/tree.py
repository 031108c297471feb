# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every client's files of a PXE tree in one pass: plan, compare, write, remove the stale ones.

``PxeHosts(params).run()`` is one invocation of the ``pxe_hosts`` module. The plan is built from
what is on disk (a missing directory counts as empty, so check mode on a first run predicts the
real run), then only differing files are written, each under a temporary name renamed into place.
Stale files are removed only when they are ours: boot files carrying :data:`bootfiles.MARKERS`,
YAML files starting with the header of the collection's YAML writer.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe import bootfiles, reach
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.clients import PxeError, Site, parse_clients
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue import config as yaml_writer
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import MISSING_YAML, compute_effective, load
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import validate
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import find_secrets
from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import Task

# Up to this many changed files the diff shows each file; above it, one line per client.
DIFF_FILES = 20
# The same warning for more clients than this is reported once, with a count.
WARN_CLIENTS = 5
FILE_MODE = 0o644


class PxeHosts(Task):
    """One ``pxe_hosts`` invocation on plain parameters."""

    def __init__(self, params, check_mode=False, want_diff=False):
        super().__init__(params, check_mode, want_diff)
        self.missing_library = MISSING_YAML
        if params.get('verify') and reach.requests is None:
            self.missing_library = ('requests', reach.REQUESTS_IMPORT_ERROR)
        self.secrets = []
        self.http_root = params['http_root']
        self.tftp_root = params.get('tftp_root') or self.http_root
        self.site = Site(params)

    # -- what the tree should hold ----------------------------------------------------------
    def _root(self, kind):
        return self.tftp_root if kind == 'tftp' else self.http_root

    def _desired(self, clients):
        """``{path: (client name or None, bytes)}`` and the clients' YAML problems."""
        desired = {}
        problems = []
        warned = {}
        for client in clients:
            if self.site.writes_yaml:
                self.secrets.extend(find_secrets(client.config))
                errors, warnings = validate(client.config)
                problems.extend('%s: %s' % (client.name, error) for error in errors)
                for warning in warnings:
                    warned.setdefault(warning, []).append(client.name)
                yaml_path = os.path.join(self.http_root, self.site.hosts_dir, client.name + '.yaml')
                desired[yaml_path] = (client.name, yaml_writer.render(client.config))
            for kind, rel, text in bootfiles.host_files(self.site, client):
                desired[os.path.join(self._root(kind), rel)] = (client.name, text.encode('utf-8'))
        if self.params.get('menus', True):
            for kind, rel, text in bootfiles.default_files(self.site):
                desired[os.path.join(self._root(kind), rel)] = (None, text.encode('utf-8'))
        self._group_warnings(warned)
        return desired, problems

    def _group_warnings(self, warned):
        for warning, names in sorted(warned.items()):
            shown = ', '.join(names[:WARN_CLIENTS])
            more = ' and %d more' % (len(names) - WARN_CLIENTS) if len(names) > WARN_CLIENTS else ''
            self.warnings.append('client %s%s: %s' % (shown, more, warning))

    def _scanned_dirs(self):
        """``[(directory, kind)]`` where per-client files live; kind tells the file names apart."""
        return [
            (os.path.join(self.http_root, self.site.hosts_dir), 'yaml'),
            (os.path.join(self.tftp_root, 'pxelinux.cfg'), 'pxelinux'),
            (os.path.join(self.tftp_root, self.site.grub_dir), 'grub'),
            (self.tftp_root, 'ipxe'),
        ]

    @staticmethod
    def _list(directory):
        try:
            return set(os.listdir(directory))
        except FileNotFoundError:
            return set()

    @staticmethod
    def _read(path):
        try:
            with open(path, 'rb') as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise PxeError('%s is a directory where pxe_hosts writes a file: move it away' % path)

    @staticmethod
    def _ours(kind, data):
        head = data[:512]
        if kind == 'yaml':
            return head.startswith(yaml_writer.HEADER.encode('utf-8'))
        return any(marker.encode('utf-8') in head for marker in bootfiles.MARKERS)

    def _plan(self, desired):
        listings = {}
        changes = []      # (path, client, old bytes or None, new bytes)
        unchanged = 0
        for path, (client, new) in desired.items():
            directory, name = os.path.split(path)
            if directory not in listings:
                listings[directory] = self._list(directory)
            old = self._read(path) if name in listings[directory] else None
            if old == new:
                unchanged += 1
            else:
                changes.append((path, client, old, new))
        stale = []
        leftovers = []
        for directory, kind in self._scanned_dirs():
            names = listings[directory] if directory in listings else self._list(directory)
            for name in sorted(names):
                path = os.path.join(directory, name)
                if _atomic.is_temp_name(name):
                    leftovers.append(path)
                    continue
                if path in desired:
                    continue
                if kind == 'yaml':
                    if not name.endswith('.yaml'):
                        continue
                elif not bootfiles.is_host_file_name(kind, name):
                    continue
                if not os.path.isfile(path) or os.path.islink(path):
                    continue
                data = self._read(path)
                if data is not None and self._ours(kind, data):
                    stale.append((path, data))
        return changes, unchanged, stale, leftovers

    # -- the run ----------------------------------------------------------------------------
    def run(self):
        clients = parse_clients(self.site, self.params.get('clients'), self.params.get('default_config') or {})
        desired, problems = self._desired(clients)
        if problems:
            raise PxeError('the configuration of these clients would not work as meant: %s. Nothing was written'
                           % '; '.join(problems))
        by_name = dict((client.name, client) for client in clients)
        changes, unchanged, stale, leftovers = self._plan(desired)
        self._effective_warnings(changes, by_name)
        if not self.check_mode:
            for path in leftovers:
                _atomic.remove(path)
            for path, _client, _old, new in changes:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                _atomic.write_bytes(path, new, mode=FILE_MODE)
            for path, _data in stale:
                os.unlink(path)
        created = sum(1 for change in changes if change[2] is None)
        result = {
            'changed': bool(changes or stale),
            'clients': len(clients),
            'files': len(desired),
            'created': created,
            'updated': len(changes) - created,
            'unchanged': unchanged,
            'removed': [path for path, _data in stale],
            'changed_clients': sorted(set(change[1] for change in changes if change[1] is not None)),
            'boot_urls': self._boot_urls(clients),
        }
        if self.want_diff:
            result['diff'] = self._diff(changes, stale)
        if self.params.get('verify') and not self.check_mode:
            self._verify(result['boot_urls'])
        return result

    def _verify(self, urls):
        missing = reach.unreachable(urls, timeout=self.params.get('verify_timeout') or 10)
        if missing:
            shown = ', '.join('%s (%s)' % item for item in missing[:50])
            more = ' and %d more' % (len(missing) - 50) if len(missing) > 50 else ''
            raise PxeError('%d of the %d files the clients request at boot are not served: %s%s. The files were '
                           'written; check that url points at http_root (and that the ISO tree and the modules are '
                           'in place), then run again' % (len(missing), len(urls), shown, more))

    def _boot_urls(self, clients):
        urls = self.site.boot_urls()
        seen = set(urls)
        for client in clients:
            for url in self.site.boot_urls(client):
                if url not in seen:
                    seen.add(url)
                    urls.append(url)
        return urls

    def _effective_warnings(self, changes, by_name):
        """What SystemRescue's reader makes of each changed client's YAML with its own command line."""
        warned = {}
        for path, name, _old, new in changes:
            if name is None or not path.endswith('.yaml'):
                continue
            client = by_name[name]
            effective = compute_effective([], [('the client YAML', new)], self.site.cmdline(client))
            as_read = load(new)[0]  # the writer refuses anything the reader would fail on
            for warning in effective.warnings + yaml_writer.override_warnings(as_read, 'the client YAML', effective):
                warned.setdefault(warning, []).append(name)
        self._group_warnings(warned)

    def _text(self, path, data):
        if data is None:
            return ''
        text = data.decode('utf-8', 'replace')
        return yaml_writer.mask_text(text) if path.endswith('.yaml') else text

    def _diff(self, changes, stale):
        if len(changes) + len(stale) <= DIFF_FILES:
            diffs = [{'before': self._text(path, old), 'after': self._text(path, new),
                      'before_header': path, 'after_header': path} for path, _client, old, new in changes]
            diffs.extend({'before': self._text(path, data), 'after': '', 'before_header': path,
                          'after_header': '%s (removed)' % path} for path, data in stale)
            return diffs
        per_client = {}
        for path, client, old, _new in changes:
            per_client.setdefault(client or '(default menus)', []).append(
                ('+ ' if old is None else '~ ') + os.path.basename(path))
        lines = ['%s: %s\n' % (client, ', '.join(files)) for client, files in sorted(per_client.items())]
        lines.extend('- %s\n' % path for path, _data in stale)
        return {'before': '', 'after': ''.join(lines),
                'before_header': 'PXE tree', 'after_header': 'PXE tree: %d files written (+ new, ~ changed), %d removed'
                % (len(changes), len(stale))}
