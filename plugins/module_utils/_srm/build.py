# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plan and run one SRM build: decide from the manifest, stage, mksquashfs, rename.

Works on plain parameters so that it can be used (and benchmarked) without Ansible. srm_build and
linuxrc_part (``_tasks/``) both build through :class:`Builder`; the options they share are declared by
:func:`sources_argument_spec` and :func:`build_options_argument_spec`.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import threading

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import manifest
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.squashfs import (
    PACKAGE_HINT, Mksquashfs, SquashfsError, check_compression, extract_image, parse_block_size)
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.tree import (
    TreeBuilder, TreeError, fill_hashes, hash_cache, reuse_hashes, source_stat)
from ansible_collections.rescuefleet.media.plugins.module_utils._modes import parse_mode
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.staging import stage
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._files import kind_of
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file, stat_key
from ansible_collections.rescuefleet.media.plugins.module_utils._plan import Plan

DIFF_LINES = 500


class BuildError(RescueFleetError):
    """The build cannot go ahead; the message says what to do. Nothing was changed."""


def collect_tree(params, output, srm_reader=None, pacman=None):
    """Resolve ``sources`` and ``systemd_enable`` into a :class:`TreeBuilder`.

    ``srm_reader`` is a :class:`SrmReader`, needed when a source is an existing module (``srm``);
    ``pacman`` a :class:`PacmanSources`, needed when a source is a set of packages (``pacman``).
    """
    tree = TreeBuilder(preserve_ownership=params.get('ownership') == 'preserve', output=output)
    for index, source in enumerate(params.get('sources') or []):
        # a source made from another option (linuxrc_part's init and done) is named by that option, and is the
        # only one that may put its path into the module
        who = source.get('option') or 'sources[%d]' % index
        mode = parse_mode(source.get('mode'))
        dest = source.get('dest') or '/'
        if source.get('srm') is not None:
            if srm_reader is None:
                raise TreeError('%s: an srm source needs unsquashfs; %s' % (who, PACKAGE_HINT))
            srm = os.path.abspath(source['srm'])
            if srm == tree.output:
                raise TreeError('%s: srm %s is the output itself; a module cannot contain itself' % (who, srm))
            tree.add_records(srm_reader.records(srm, who), dest, mode, source.get('exclude') or (), who, srm)
        elif source.get('pacman') is not None:
            if pacman is None:
                raise TreeError('%s: a pacman source needs pacman and unsquashfs; install pacman (Debian: '
                                'pacman-package-manager and libarchive-tools) and squashfs-tools' % who)
            pacman.add(tree, source['pacman'], dest, mode, source.get('exclude') or (), who)
        elif source.get('src') is not None:
            tree.add_directory(source['src'], dest, mode, source.get('exclude') or (), who)
        elif source.get('path') is not None:
            tree.add_file(source['path'], dest, mode, who)
        elif source.get('content') is not None:
            tree.add_content(source['content'], dest, mode, who, sole=bool(source.get('option')))
        else:
            raise TreeError('%s needs one of src, path, content, srm or pacman' % who)
    tree.enable_units(params.get('systemd_enable') or [])
    tree.direct_source = _direct_source(params, tree)
    return tree


class SrmReader:
    """The content of existing SRMs used as ``srm`` sources, as image records.

    A module built by srm_build has a manifest beside it; when the manifest describes the module as
    it is (same sha256), its records are taken as they are and nothing is extracted until a build
    needs the files. Any other module is extracted into a temporary directory and hashed.
    Either way a file's record carries its own sha256, so the fingerprint of the combined module
    changes exactly when the content it takes from a module changes.
    """

    def __init__(self, unsquashfs):
        self.unsquashfs = unsquashfs
        self.extracted = {}  # module path -> directory holding its extracted content

    def records(self, srm, who):
        st = source_stat(who, 'srm', srm)
        if not stat.S_ISREG(st.st_mode):
            raise TreeError('%s: srm %s is not a file; give the path of an existing .srm' % (who, srm))
        try:
            sha, _size = manifest.known_sha256(srm)
        except OSError as exc:
            raise TreeError('%s: srm %s cannot be read: %s; check the path and its permissions (or run the task '
                            'with become)' % (who, srm, exc.strerror))
        stored = manifest.load(manifest.manifest_path(srm)) or {}
        if (stored.get('output') or {}).get('sha256') == sha and isinstance(stored.get('records'), dict):
            return stored['records']
        return self._scan(srm, who)

    def _scan(self, srm, who):
        directory = self.extracted.get(srm)
        if directory is None:
            directory = tempfile.mkdtemp(prefix='rescuefleet-srm-')
            self.extracted[srm] = directory
            try:
                extract_image(self.unsquashfs, srm, directory)
            except SquashfsError as exc:
                raise TreeError('%s: srm %s cannot be read as a squashfs image: %s; give a module made with mksquashfs '
                                '(rescuefleet.media.srm_build)' % (who, srm, exc))
        scanner = TreeBuilder(preserve_ownership=True)
        scanner.add_directory(directory, '/', who=who)
        fill_hashes([e for e in scanner.entries.values() if e['type'] == 'file'])
        return manifest.image_records(scanner.entries)

    def materialise(self, entries, output):
        """Give every entry taken from a module a ``source`` file, extracting modules not extracted yet."""
        for entry in entries.values():
            if entry['type'] != 'file' or not entry.get('srm'):
                continue
            directory = self.extracted.get(entry['srm'])
            if directory is None:
                directory = atomic.make_temp_dir(output)  # beside the output: staging can hard-link
                extract_image(self.unsquashfs, entry['srm'], directory)
                self.extracted[entry['srm']] = directory
            source = os.path.join(directory, entry['inner'].lstrip('/'))
            st = os.lstat(source)
            if not stat.S_ISREG(st.st_mode) or st.st_size != entry['size']:
                raise TreeError('%s changed while it was read (%s differs); run again' % (entry['srm'], entry['inner']))
            entry['source'] = source
            entry['source_mode'] = stat.S_IMODE(st.st_mode)

    def cleanup(self):
        for directory in self.extracted.values():
            atomic.remove_tree(directory)
        self.extracted = {}


def _direct_source(params, tree):
    """The directory mksquashfs can read as it is, when the module is exactly one plain ``src``.

    Then no staging tree is needed. The image is the same either way (tested), because both
    paths run with the same flags on the same entries.
    """
    sources = params.get('sources') or []
    if len(sources) != 1 or params.get('systemd_enable') or tree.warnings:
        return None
    only = sources[0]
    if only.get('src') is None or only.get('mode') is not None or only.get('exclude'):
        return None
    if (only.get('dest') or '/').strip('/.') != '':
        return None
    return os.path.abspath(only['src'])


def _restat_sources(entries):
    """Refresh cached stat data after staging.

    A hard link changes a file's ctime (its link count changed) but not its content; keep the new
    stat data only where size, mtime, inode and device are as scanned, so that the next run does not
    hash every file again, and a file that really changed meanwhile is still hashed again.
    """
    for entry in entries.values():
        if entry['type'] != 'file' or not entry['source'] or entry.get('srm') or entry.get('lazy'):
            continue
        try:
            fresh = stat_key(os.lstat(entry['source']))
        except OSError:
            continue
        old = entry['stat']
        if fresh[0] == old[0] and fresh[1] == old[1] and fresh[3:] == old[3:]:
            entry['stat'] = fresh


def _output_state(output, recorded):
    """``(intact, record)``: does ``output`` still hold what the manifest says was built?"""
    try:
        st = os.stat(output)
    except FileNotFoundError:
        return False, None
    if not recorded:
        return False, None
    if recorded.get('stat') == stat_key(st):
        return True, recorded
    if recorded.get('size') != st.st_size:
        return False, None
    sha = sha256_file(output)
    if sha != recorded.get('sha256'):
        return False, None
    return True, {'sha256': sha, 'size': st.st_size, 'stat': stat_key(st)}


class _Hasher(threading.Thread):
    """Hash sources while mksquashfs compresses: the two overlap on a multi-core host."""

    def __init__(self, pending):
        super().__init__(daemon=True)
        self.pending = pending
        self.error = None

    def run(self):
        try:
            fill_hashes(self.pending)
        except Exception as exc:  # re-raised in the caller's thread
            self.error = exc

    def finish(self):
        self.join()
        if self.error is not None:
            raise self.error


class Build(Plan):
    """What a build decided: ``rebuild`` or not, the image's ``entries``, the ``old`` manifest (``None``
    for a first build or ``force``), the ``options``, the hashes still ``pending``, the record of the
    output as it is (``output_record``, when intact), the collected ``tree``; ``facts`` the caller adds
    to the result. The module result of srm_build (and linuxrc_part) is :meth:`public`."""

    def __init__(self, builder, rebuild, entries, old, options, pending, output_record, tree, facts=None):
        super().__init__()
        self.builder = builder
        self.rebuild = rebuild
        self.entries = entries
        self.old = old
        self.options = options
        self.pending = pending
        self.output_record = output_record
        self.tree = tree
        self.facts = facts or {}

    @property
    def changed(self):
        return self.rebuild

    def changes(self):
        if not self.rebuild and self.old is not None:
            # the fingerprint of the options and every path's record equals the old one: nothing changed (and
            # the records of tens of thousands of paths need no comparing)
            return {'added': [], 'removed': [], 'changed': []}
        return manifest.diff_records(self.old_records(), manifest.image_records(self.entries))

    def old_records(self):
        return (self.old or {}).get('records') or {}

    def public(self):
        """The module's result: the output's sha256 and size are those of the intact output (``None``
        before a rebuild; the build returns the new ones)."""
        builder = self.builder
        record = None if self.rebuild else self.output_record
        result = {
            'dest': builder.output,
            'manifest': builder.manifest_file,
            'sha256': (record or {}).get('sha256'),
            'size': (record or {}).get('size'),
            'files': sum(1 for e in self.entries.values() if e['type'] != 'dir'),
            'paths': self.changes(),
            'setuid': self.tree.special_bits(),
        }
        if builder.pacman:
            result['packages'] = builder.pacman.changes
        result.update(self.facts)
        return result

    def diff(self):
        """Ansible's diff of the image's paths, when it is rebuilt."""
        if not self.rebuild:
            return None
        options_changed = self.old is not None and self.old.get('options') != self.options
        output = self.builder.output
        changes = self.changes()
        return manifest.ansible_diff(self.old_records(), manifest.image_records(self.entries), _truncate(changes),
                                     '%s (before)' % output, '%s (after)' % output, options_changed)


class Builder:
    """One SRM build from srm_build's options: decide from the manifest, stage, mksquashfs, rename.

    ``pacman`` is the :class:`.._pacman.source.PacmanSources` of a build with ``pacman`` sources, made by
    the caller (the builder does not know pacman); :meth:`cleanup` removes what the build extracted.
    """

    def __init__(self, params, mksquashfs_path, check_mode=False, unsquashfs_path=None):
        self.params = params
        self.mksquashfs = mksquashfs_path
        self.unsquashfs = unsquashfs_path or (_sibling_tool(mksquashfs_path, 'unsquashfs') if mksquashfs_path else None)
        self.output = os.path.abspath(params['dest'])
        self.manifest_file = manifest.manifest_path(self.output)
        self.tool = Mksquashfs(mksquashfs_path)
        self.check_mode = check_mode
        self.pacman = None
        self.reader = None
        self.warnings = []

    # -- checks before anything is read or written --------------------------------------
    def check_tools(self):
        """Refuse a build whose tools are missing; then the builder can read ``srm`` sources."""
        if not self.mksquashfs:
            raise BuildError('mksquashfs was not found on the target; %s' % PACKAGE_HINT)
        if not self.unsquashfs and any(s.get('srm') for s in self.params['sources']):
            raise BuildError('unsquashfs was not found on the target, and srm sources need it; %s' % PACKAGE_HINT)
        self.reader = SrmReader(self.unsquashfs) if self.unsquashfs else None

    def has_pacman_sources(self):
        return any(s.get('pacman') is not None for s in self.params['sources'])

    def _options(self):
        params = self.params
        block_size = parse_block_size(params.get('block_size') or '128K')
        check_compression(params['compression'], params.get('compression_level'))
        self.tool.require_compression(params['compression'])
        return {
            'compression': params['compression'],
            'compression_level': params.get('compression_level'),
            'block_size': block_size,
            'ownership': params.get('ownership') or 'root',
            'mksquashfs': self.tool.version(),
        }

    def _check_dest(self):
        directory = os.path.dirname(self.output)
        if not os.path.isdir(directory):
            raise BuildError('the directory of dest, %s, does not exist; create it first' % directory)
        if os.path.isdir(self.output):
            raise BuildError('dest %s is a directory; give the path of the .srm file to write' % self.output)
        if os.path.lexists(self.output) and not os.path.islink(self.output):
            mode = os.lstat(self.output).st_mode
            if not stat.S_ISREG(mode):  # never replaced: the module did not make it
                raise BuildError('dest %s is %s, not a module file; remove it or give another dest (nothing was '
                                 'changed)' % (self.output, kind_of(mode)))
        # check mode too: it must not promise a build that the real run cannot write
        if not os.access(directory, os.W_OK):
            raise BuildError('cannot write to %s (%s); choose a writable dest or run the task with become'
                             % (directory, 'a read-only filesystem' if _read_only(directory) else 'permission denied'))

    # -- the decision and the build ------------------------------------------------------
    def plan(self, facts=None):
        """The :class:`Build`: the sources collected, the manifest compared; in check mode every hash a
        precise list of changed paths needs. ``facts`` join the result."""
        self._check_dest()
        options = self._options()
        tree = collect_tree(self.params, self.output, self.reader, self.pacman)
        self.warnings.extend(tree.warnings)
        core = tree.core_overrides()
        if core and not self.params.get('allow_core_overrides'):
            raise BuildError('the module would override paths that SystemRescue needs to boot: %s. Move them '
                             '(e.g. /usr/bin instead of /bin or /sbin), or set allow_core_overrides: true if '
                             'you really mean it' % ', '.join(core[:10]))
        entries = tree.entries

        old = None if self.params.get('force') else manifest.load(self.manifest_file)
        pending = reuse_hashes(entries, (old or {}).get('hash_cache') or {})
        intact, output_record = _output_state(self.output, (old or {}).get('output'))
        rebuild = old is None or old.get('options') != options or not intact
        if self.pacman and (self.pacman.changed or (old or {}).get('pacman') != self.pacman.state):
            rebuild = True  # another package set, or one fewer/more pacman source
        if not rebuild:
            self._hash(pending)
            rebuild = manifest.fingerprint(options, manifest.image_records(entries)) != old.get('fingerprint')
        elif self.check_mode and old is not None:
            self._hash(pending)  # a precise list of changed paths; a real run hashes while it builds
        return Build(self, rebuild, entries, old, options, pending, output_record, tree, facts)

    def apply(self, build):
        """Build the image when ``build`` says so (returns the new output's sha256 and size for the
        result), else refresh the manifest's stat data (returns ``None``)."""
        if not build.rebuild:
            self._refresh_manifest(build.old, build.options, build.entries, build.output_record)
            return None
        record = self._build(build.entries, build.options, build.pending, build.tree.direct_source, self.reader)
        return {'sha256': record['sha256'], 'size': record['size']}

    def cleanup(self):
        """Remove what the build extracted; the pacman sources' warnings join the builder's."""
        if self.reader:
            self.reader.cleanup()
        if self.pacman:
            self.warnings.extend(self.pacman.warnings)
            self.pacman.cleanup()

    def _hash(self, pending):
        fill_hashes(pending)

    def _build(self, entries, options, pending, direct_source=None, reader=None):
        stage_dir = None if direct_source else atomic.make_temp_dir(self.output)
        temp_output = atomic.make_temp_file(self.output)
        hasher = _Hasher(pending)
        try:
            preserve = options['ownership'] == 'preserve'
            if reader is not None and any(e.get('srm') for e in entries.values()):
                reader.materialise(entries, self.output)
            if self.pacman:
                self.pacman.materialise(entries)
            if stage_dir:
                stage(entries, stage_dir, set_owner=preserve and os.geteuid() == 0)
            hasher.start()
            try:
                self.tool.build(direct_source or stage_dir, temp_output, compression=options['compression'],
                                level=options['compression_level'], block_size=options['block_size'],
                                all_root=not preserve)
            finally:
                hasher.finish()
            cleaner = None
            if stage_dir:  # unlink the staging tree while the output is hashed
                cleaner = threading.Thread(target=atomic.remove, args=(stage_dir,), daemon=True)
                cleaner.start()
            os.chmod(temp_output, 0o644)
            sha = sha256_file(temp_output)
            if cleaner:
                cleaner.join()
                stage_dir = None
                _restat_sources(entries)
            atomic.replace(temp_output, self.output)
            st = os.stat(self.output)
            record = {'sha256': sha, 'size': st.st_size, 'stat': stat_key(st)}
            atomic.write_text(self.manifest_file, manifest.dumps(
                options, manifest.image_records(entries), record, hash_cache(entries), self._pacman_state()))
            return record
        except (SquashfsError, TreeError) as exc:
            raise BuildError('%s; %s was left as it was' % (exc, self.output))
        finally:
            if stage_dir:
                atomic.remove(stage_dir)
            atomic.remove(temp_output)

    def _refresh_manifest(self, old, options, entries, output_record):
        """Store new stat data so that touched-but-unchanged files are not hashed again."""
        cache = hash_cache(entries)
        if cache != old.get('hash_cache') or output_record != old.get('output'):
            atomic.write_text(self.manifest_file, manifest.dumps(
                options, manifest.image_records(entries), output_record, cache, self._pacman_state()))

    def _pacman_state(self):
        return self.pacman.state if self.pacman else None


def _read_only(directory):
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _sibling_tool(path, name):
    """``name`` from the directory of ``path`` (the same squashfs-tools), else from PATH."""
    candidate = os.path.join(os.path.dirname(path or ''), name)
    if path and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which(name)


def _truncate(changes):
    out = {}
    budget = DIFF_LINES
    for key in ('added', 'removed', 'changed'):
        out[key] = changes[key][:max(budget, 0)]
        budget -= len(out[key])
    return out


def sources_argument_spec(pacman=False):
    """The ``sources`` option of srm_build (``pacman=True``) and linuxrc_part (documented in each module)."""
    options = dict(
        src=dict(type='path'),
        path=dict(type='path'),
        content=dict(type='str'),
        srm=dict(type='path'),
        dest=dict(type='str', default='/'),
        mode=dict(type='raw'),
        exclude=dict(type='list', elements='str', default=[]),
    )
    kinds = ['src', 'path', 'content', 'srm']
    if pacman:
        options['pacman'] = dict(type='dict', options=dict(
            packages=dict(type='list', elements='str', required=True),
            repositories=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                url=dict(type='str', required=True),
            )),
            base=dict(type='path'),
            cache_dir=dict(type='path'),
            database_max_age=dict(type='int', default=0),
            signatures=dict(type='str', default='never', choices=['never', 'required']),
            keyring=dict(type='path'),
            architecture=dict(type='str', default='x86_64'),
        ), required_if=[('signatures', 'required', ('keyring',))])
        kinds.append('pacman')
    return dict(type='list', elements='dict', default=[], options=options,
                mutually_exclusive=[tuple(kinds)], required_one_of=[tuple(kinds)])


def build_options_argument_spec(compression='zstd'):
    """The squashfs options of srm_build and linuxrc_part (documented in each module)."""
    return dict(
        compression=dict(type='str', default=compression, choices=['zstd', 'xz', 'gzip', 'lz4', 'lzo']),
        compression_level=dict(type='int'),
        block_size=dict(type='str', default='128K'),
        ownership=dict(type='str', default='root', choices=['root', 'preserve']),
        allow_core_overrides=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
    )
