# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The run object of the sysrescue_iso module: check, compare with the record, and write ``dest`` only
when an input changed, under a temporary name beside it that is renamed into place.

The plan reads the source once with xorriso (the tree around the additions and its boot records) and
only when the record does not already say dest holds the same inputs. Order of a writing run: every
input is checked and the free space of dest's filesystem is compared with the size the image can reach
before anything is written; the source is hashed in a thread while xorriso reads it (from the page
cache, on the other core); the new image is hashed as xorriso writes it (:func:`.._iso.xorriso.write_image`),
and again only after an MD5 implant changed it; the new image's boot records must be the source's; the
temporary file is renamed over dest, and only then the record is written. A run interrupted anywhere
leaves dest as it was (and at worst a temporary file that the next run removes).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import posixpath
import stat

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._files import kind_of
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import background_sha256, cached_sha256, same_stat, sha256_file, stat_data
from ansible_collections.rescuefleet.media.plugins.module_utils._remaster import loadsrm as isoloadsrm
from ansible_collections.rescuefleet.media.plugins.module_utils._remaster import plan as isoplan
from ansible_collections.rescuefleet.media.plugins.module_utils._remaster.view import RemasterView
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import (
    IsoError, boot_records, has_joliet, listing_and_boot_records, read_volume)
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.xorriso import implant_md5, write_image
from ansible_collections.rescuefleet.media.plugins.module_utils._media.iso import IsoImageMedium
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import render
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR, CONFIG_DIR
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import MISSING_YAML
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import find_secrets
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.base import OutputFiles, Task


def _describe(entries, deleted=()):
    return ''.join('%s %s %d\n' % (e['path'], e['sha256'], e['size']) for e in entries) + \
        ''.join('%s deleted\n' % path for path in deleted)


class IsoPlan(Plan):
    """What the new image is made of. ``actions`` (added, replaced, removed and the new directories) is
    ``None`` when the record says dest already holds it (``refresh``: the record's stat data moved)."""

    NO_ACTIONS = {'added': [], 'replaced': [], 'removed': []}

    def __init__(self, task, actions, record, entries, inputs, src_stat, src_sha, boot=None, refresh=False,
                 derived=None):
        super().__init__()
        self.task = task
        self.actions = actions
        self.record = record
        self.entries = entries  # every addition, those the module adds of itself included
        self.inputs = inputs
        self.src_stat = src_stat
        self.src_sha = src_sha
        self.boot = boot        # the source's boot records
        self.refresh = refresh
        # what follows from the source and the inputs: the boot entries that load the modules, the YAML
        # added to turn loading on, what to warn about (kept in the record for runs that read nothing)
        self.derived = derived or {'loadsrm': [], 'loadsrm_config': None, 'notes': []}

    @property
    def changed(self):
        return self.actions is not None

    def public(self):
        task, record = self.task, self.record
        actions = self.actions if self.changed else self.NO_ACTIONS
        result = {
            'src': task.src,
            'dest': task.dest,
            'record': isoplan.record_path(task.dest),
            'volume_id': task.volume['volume_id'] if self.changed else record.get('volume_id'),
            'src_sha256': self.src_sha,
            'dest_sha256': None if self.changed else record['dest'].get('sha256'),
            'additions': [{k: e[k] for k in ('path', 'kind', 'sha256', 'size')} for e in self.entries],
            'added': actions['added'],
            'replaced': actions['replaced'],
            'removed': actions['removed'],
            'deleted': list(task.removals),
            'loadsrm': self.derived['loadsrm'],
            'loadsrm_config': self.derived['loadsrm_config'],
            'md5': record.get('md5') if record else None,
            'boot': record.get('boot') if record else None,
        }
        return result

    def diff(self):
        deleted = self.task.removals
        if not self.changed:
            text = _describe(self.entries, deleted)
            return {'before': text, 'after': text}
        dest = self.task.dest
        before = ''
        if os.path.exists(dest):
            before = _describe(self.record.get('additions') or [], (self.record.get('inputs') or {}).get('remove') or [])
        return {'before': before, 'after': _describe(self.entries, deleted), 'before_header': dest, 'after_header': dest}


class SysrescueIso(Task):
    """One ``sysrescue_iso`` invocation on plain parameters."""

    missing_library = MISSING_YAML

    def __init__(self, params, check_mode=False, want_diff=False):
        super().__init__(params, check_mode, want_diff)
        self.src = os.path.abspath(params['src'])
        self.dest = os.path.abspath(params['dest'])
        self.loadsrm = params.get('loadsrm') or 'enable'
        self.options = {'basedir': params.get('basedir') or BASEDIR, 'implant_md5': bool(params.get('implant_md5')),
                        'loadsrm': self.loadsrm}
        self.removals = []
        # passwords in the YAML files it adds, whatever their type: never shown, also when a file is refused
        for item in params.get('configs') or []:
            if isinstance(item, dict):
                self.secrets.extend(find_secrets(item.get('config') or {}))

    # -- checks before anything is read or written ----------------------------------------
    def _check_paths(self):
        if not os.path.isfile(self.src):
            raise IsoError('src %s is not a file; give the path of a SystemRescue ISO' % self.src)
        volume = read_volume(self.src)
        dest_dir = os.path.dirname(self.dest)
        if not os.path.isdir(dest_dir):
            raise IsoError('the directory of dest, %s, does not exist; create it first' % dest_dir)
        same = os.path.realpath(self.src) == os.path.realpath(self.dest)
        if not same and os.path.exists(self.dest):
            same = os.path.samefile(self.src, self.dest)
        if same:
            raise IsoError('dest %s is src: the ISO is never changed in place; give another dest such as %s'
                           % (self.dest, os.path.join(dest_dir, 'fleet-rescue.iso')))
        if os.path.isdir(self.dest):
            raise IsoError('dest %s is a directory; give the path of the ISO file to write' % self.dest)
        if os.path.lexists(self.dest) and not os.path.islink(self.dest) and \
                not stat.S_ISREG(os.lstat(self.dest).st_mode):  # never replaced: the module did not make it
            raise IsoError('dest %s is %s, not an ISO file; remove it or give another dest (nothing was changed)'
                           % (self.dest, kind_of(os.lstat(self.dest).st_mode)))
        return volume

    def _check_space(self, src_size, additions):
        need = isoplan.estimate_size(src_size, additions)
        st = os.statvfs(os.path.dirname(self.dest))
        free = st.f_bavail * st.f_frsize
        if free < need:
            raise IsoError('not enough space for the new ISO beside %s: %d MiB free, up to %d MiB needed (dest is '
                           'written under a temporary name, then renamed); free space or choose another dest. '
                           'Nothing was written' % (self.dest, free // 1048576, -(-need // 1048576)))

    # -- the run --------------------------------------------------------------------------
    def open(self):
        if self.loadsrm not in isoloadsrm.MODES:
            raise IsoError('loadsrm must be one of %s, not %r' % (', '.join(isoloadsrm.MODES), self.loadsrm))
        self.additions, notes = isoplan.collect(self.params)
        self.removals = isoplan.collect_removals(self.params, self.additions)
        self.warnings.extend(notes)
        self.volume = self._check_paths()
        # the source's Joliet tree is written again (an input: an ISO written without it is rewritten once)
        self.options['joliet'] = has_joliet(self.src)
        return OutputFiles(os.path.dirname(self.dest))

    # -- do the modules load? ---------------------------------------------------------------
    def _judge_loading(self):
        """``(derived, auto additions)``: the boot entries of the new ISO that load modules from basedir/,
        and the YAML added to turn loading on (docs/systemrescue.md 2, 3b and 7), judged with the reader
        over the ISO as it will be written."""
        derived = {'loadsrm': [], 'loadsrm_config': None, 'notes': []}
        if not any(item['kind'] == 'srm' for item in self.additions):
            return derived, []
        basedir = self.options['basedir']
        view = RemasterView(IsoImageMedium(self.src), self.additions, self.removals)
        isoloadsrm.preload(view)
        entries, notes = isoloadsrm.loading(view, basedir)
        auto = []
        if entries and not all(e['early_load'] for e in entries):
            path = posixpath.join(CONFIG_DIR, isoloadsrm.LOADSRM_CONFIG)
            taken = path.lower() in set(item['path'].lower() for item in self.additions)
            if self.loadsrm == 'enable' and not isoloadsrm.sets_loadsrm(self.params.get('configs')) and not taken:
                auto = [{'path': path, 'kind': 'config', 'src': None, 'data': render(isoloadsrm.LOADSRM_ON)}]
                view.add(auto[0])
                entries, notes = isoloadsrm.loading(view, basedir)
                derived['loadsrm_config'] = path
        off = isoloadsrm.describe_off(entries)
        if not entries:
            notes.append('no boot entry of %s boots SystemRescue with archisobasedir=%s (other than over HTTP PXE), so '
                         'nothing loads the modules added to %s/; check basedir' % (self.src, basedir, basedir))
        elif off and derived['loadsrm_config']:
            notes.append('the modules in %s/ still do not load from some boot entries after %s turned loading on: %s'
                         % (basedir, derived['loadsrm_config'], off))
        elif off and self.loadsrm == 'warn':
            notes.append('the modules in %s/ do not load from these boot entries: %s. Turn loading on with configs '
                         '[{name: %s, config: {global: {loadsrm: true}}}], or leave loadsrm at enable to let the module '
                         'do it' % (basedir, off, isoloadsrm.LOADSRM_CONFIG))
        elif off:
            notes.append('the modules in %s/ do not load from these boot entries, and configs set global.loadsrm (or '
                         'add %s), which the module leaves as given: %s'
                         % (basedir, posixpath.join(CONFIG_DIR, isoloadsrm.LOADSRM_CONFIG), off))
        derived['loadsrm'] = entries
        derived['notes'] = notes
        return derived, auto

    def leftover_places(self, target):
        return [self.dest, isoplan.record_path(self.dest)]

    def plan(self, target):
        record = isoplan.load_record(self.dest)
        entries = isoplan.fingerprint(self.additions, record.get('additions'))
        inputs = isoplan.inputs_of(entries, self.options, self.removals)

        src_stat = stat_data(self.src)
        src_sha = None
        if record:
            src_sha, src_stat, _read = cached_sha256(self.src, record.get('src'))
        derived = record.get('derived') if isinstance(record.get('derived'), dict) else None
        if record and derived is not None and record.get('inputs') == inputs and \
                record['src'].get('sha256') == src_sha and self._dest_matches(record):
            # the module's own additions follow from the source and the inputs: they are what the record says
            auto = [e for e in record.get('additions') or [] if e.get('path') == derived.get('loadsrm_config')]
            refresh = record.pop('_refresh', False) or record['src'] != dict(src_stat, path=self.src, sha256=src_sha) \
                or record.get('additions') != entries + auto
            self.warnings.extend(derived.get('notes') or [])
            return IsoPlan(self, None, record, entries + auto, inputs, src_stat, src_sha, refresh=refresh,
                           derived=derived)

        derived, auto = self._judge_loading()
        self.warnings.extend(derived['notes'])
        self.additions = self.additions + auto
        entries = entries + isoplan.fingerprint(auto, None)
        isoplan.check_collisions(self.additions)
        # one xorriso load of the source: the tree around the additions and the removals, and what boots it
        found, boot, boot_files = listing_and_boot_records(
            self.src, directories=sorted({os.path.dirname('/' + a['path']) for a in self.additions}
                                         | {os.path.dirname('/' + p) for p in self.removals}),
            paths=sorted(set(self._ancestors(self.additions)) | set(self.removals)))
        isoplan.check_removals(found, self.removals, boot_files)
        previous_paths = [e['path'] for e in record.get('additions') or [] if isinstance(e, dict) and 'path' in e]
        actions = isoplan.compare(found, self.additions, previous_paths if os.path.exists(self.dest) else [])
        # check mode too: it must not promise an ISO that the real run has no room for
        self._check_space(src_stat['size'], self.additions)
        return IsoPlan(self, actions, record, entries, inputs, src_stat, src_sha, boot=boot, derived=derived)

    def apply(self, target, plan):
        if not plan.changed:
            if plan.refresh:
                # stat data moved (a touched but unchanged file): remember them, so the next run reads nothing
                plan.record.update(src=dict(plan.src_stat, path=self.src, sha256=plan.src_sha), additions=plan.entries,
                                   derived=plan.derived)
                atomic.write_text(isoplan.record_path(self.dest), isoplan.render_record(plan.record))
            return None
        hasher = background_sha256(self.src, plan.src_sha)
        stage = atomic.make_temp_dir(self.dest)
        temp = atomic.make_temp_file(self.dest)
        volume = self.volume
        try:
            mapped = []
            for index, item in enumerate(self.additions):
                if item['data'] is None:
                    mapped.append((item['src'], item['path']))
                    continue
                local = os.path.join(stage, '%03d' % index)
                with open(local, 'wb') as handle:
                    handle.write(item['data'])
                mapped.append((local, item['path']))
            # hashed as it is written; the MD5 implant changes the image afterwards, so it is hashed again then
            # the temporary file (created by make_temp_file) is written in place, never unlinked and recreated
            dest_sha = write_image(self.src, temp, volume, mapped, plan.actions['new_dirs'], self.removals,
                                   self.options['joliet'])
            md5 = None
            if self.options['implant_md5']:
                md5 = implant_md5(temp)
                dest_sha = sha256_file(temp)
            written = read_volume(temp)
            if written['volume_id'] != volume['volume_id']:
                raise IsoError('the new image has volume id %r instead of the source\'s %r; nothing was replaced'
                               % (written['volume_id'], volume['volume_id']))
            boot_new = boot_records(temp)
            if plan.boot != boot_new:
                raise IsoError('the new image does not boot like the source (source: %s; new: %s); nothing was '
                               'replaced. Check the xorriso version (1.5 or later is needed)' % (plan.boot, boot_new))
            os.chmod(temp, 0o644)
            hasher.join()
            src_sha = hasher.result()
            atomic.replace(temp, self.dest)
        except BaseException:
            atomic.remove(temp)
            raise
        finally:
            atomic.remove(stage)
        new_record = {'src': dict(plan.src_stat, path=self.src, sha256=src_sha), 'inputs': plan.inputs,
                      'additions': plan.entries, 'dest': dict(stat_data(self.dest), sha256=dest_sha), 'md5': md5,
                      'volume_id': volume['volume_id'], 'boot': boot_new, 'actions': plan.actions,
                      'derived': plan.derived}
        atomic.write_text(isoplan.record_path(self.dest), isoplan.render_record(new_record))
        return {'src_sha256': src_sha, 'dest_sha256': dest_sha, 'md5': md5, 'boot': boot_new}

    @staticmethod
    def _ancestors(additions):
        out = set()
        for item in additions:
            parts = item['path'].split('/')
            out.update('/'.join(parts[:depth]) for depth in range(1, len(parts) + 1))
        return sorted(out)

    def _dest_matches(self, record):
        """Whether dest is still what the record says: by stat data, else by size then sha256."""
        dest = record.get('dest') or {}
        try:
            current = stat_data(self.dest)
        except FileNotFoundError:
            return False
        if same_stat(dict((k, dest.get(k)) for k in current), current):
            return True
        if dest.get('size') != current['size']:
            return False
        if sha256_file(self.dest) != dest.get('sha256'):
            return False
        record['dest'] = dict(current, sha256=dest.get('sha256'))
        record['_refresh'] = True
        return True
