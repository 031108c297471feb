# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Late-load SRMs into a running rescue system, verified and idempotent (for the srm_load module).

SystemRescue's ``load-srm`` downloads a module into ``/tmp`` (curl ``--retry 2 --retry-connrefused``),
mounts it read-only and ``rsync -a --sparse --checksum``es its content over ``/`` (into the
copy-on-write layer); the boot script then runs ``systemctl daemon-reload`` and queues
``multi-user.target``, and only after that appends the YAML configuration's lines to
``/root/.ssh/authorized_keys`` and ``/etc/hosts``. srm_load (``_tasks/srm_load.py``) does the copy
itself, with what loading after boot needs (docs/systemrescue.md section 4a): each module is checked
against its sha256, listed as a squashfs, opened in ``/tmp`` (never beside a module on the read-only
boot medium) and compared with the root by a dry run of the same rsync, so that the space it takes,
copy-ups of lower files included, the units it enables and the boot files it would replace are known
before anything is copied; afterwards only the units it added are started (never
``multi-user.target``, which would start again a firewall the operator stopped), and lines of the boot
files are kept. A record (``<root>/run/rescuefleet/srm_load.json``, so it goes away with the boot, as
the loaded files do) says what was loaded, so a second run changes nothing and a new sha256 under a
known name loads again.

``load-srm`` itself is not called even when present: it would fetch and check the module again
without a checksum, start ``multi-user.target``, and a failed copy (exit 104) is indistinguishable
from success to a caller that wants to record it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
import shutil
import socket
import stat
import tempfile
import time
from urllib.error import HTTPError
from urllib.parse import urlsplit

from ansible.module_utils.urls import open_url

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._files import NotAFileError, read_regular
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import flocked, is_plain_name
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import wanted as wanted_modules
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import round_up
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.squashfs import extract_image

RECORD = 'run/rescuefleet/srm_load.json'
# where module files wait and modules are opened: SystemRescue's /tmp is a tmpfs of its own, not the
# copy-on-write space that late-loaded files fill (load-srm downloads there too)
STAGING_DIR = '/tmp'
SHA256 = re.compile(r'^[0-9a-fA-F]{64}\Z')
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
                                           hash_sources=hash_sources, locate=locate, use='late')[0]
        if not is_plain_name(entry['name']):  # given, or the last component of a URL: joined to the staging dir
            raise LoadError('srms[%d]: name %r must be a plain name without / (give name for a URL that ends in '
                            'a directory)' % (number, entry['name']))
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
    ``scratch()`` a private directory under ``staging_dir`` (``/tmp``: SystemRescue's own tmpfs, not
    the copy-on-write space) for the modules a run downloads and the mount points of the modules it
    opens; ``keep_open(context)`` keeps a module's content open until ``close()``, which closes every
    one (unmounting) and removes the scratch directory.
    """

    def __init__(self, root, staging_dir=STAGING_DIR):
        self.root = root
        self.staging_dir = staging_dir
        self._scratch = None
        self._open = contextlib.ExitStack()

    def locked(self):
        return flocked(self.root)

    def leftovers(self, place):
        """Temporary names an interrupted run left beside ``place`` (the record)."""
        return atomic.leftovers(place)

    def sweep(self, place, found):
        for path in found:
            atomic.remove(path)
        return list(found)

    def scratch(self):
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix='rescuefleet-late-load.', dir=self.staging_dir)
        return self._scratch

    def keep_open(self, context):
        return self._open.enter_context(context)

    def close(self):
        try:
            self._open.close()
        finally:
            if self._scratch is not None:
                atomic.remove_tree(self._scratch)
                self._scratch = None


def check_staging_dir(staging_dir):
    """Fail unless ``staging_dir`` is an absolute path to a directory."""
    if not os.path.isabs(staging_dir) or not os.path.isdir(staging_dir):
        raise LoadError('staging_dir %s is not an existing directory given by its absolute path: give a '
                        'directory on a tmpfs, such as /tmp (the default)' % staging_dir)


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


def _unescape(text):
    """A mountinfo field as written (the kernel writes space, tab, newline, backslash and, in overlayfs
    options, comma and equals sign as octal escapes such as ``\\040``)."""
    return re.sub(r'\\([0-7]{3})', lambda match: chr(int(match.group(1), 8)), text)


def mounts(mountinfo='/proc/self/mountinfo'):
    """``[(mount point, fstype, super options)]`` of a mountinfo file, in its order."""
    found = []
    try:
        with open(mountinfo, encoding='utf-8', errors='replace') as handle:
            for line in handle:
                fields, _sep, rest = line.partition(' - ')
                parts = fields.split()
                tail = rest.split()
                if len(parts) >= 5 and tail:
                    found.append((_unescape(parts[4]), tail[0], tail[2] if len(tail) > 2 else ''))
    except OSError:
        pass
    return found


def is_running_root(root, system_root='/'):
    """Whether ``root`` is the root directory of the running system: the same directory (``(st_dev,
    st_ino)``), however it is spelt (``//``, ``/./``, a link to ``/``, a bind mount of it)."""
    try:
        here, system = os.stat(root), os.stat(system_root)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (system.st_dev, system.st_ino)


def root_mount(mountinfo):
    """``(fstype, super options)`` of the filesystem mounted on ``/``, from a mountinfo file."""
    return mount_of('/', mountinfo)[1:]


def mount_of(path, mountinfo='/proc/self/mountinfo'):
    """``(mount point, fstype, super options)`` of the filesystem that holds the absolute ``path``: the
    longest mount point above it, the last one mounted there when several are (the visible one)."""
    best = ('/', None, '')
    for point, fstype, options in mounts(mountinfo):
        if (path == point or path.startswith(point.rstrip('/') + '/')) and len(point) >= len(best[0]):
            best = (point, fstype, options)
    return best


def writable_layer(root, mountinfo='/proc/self/mountinfo'):
    """Where the files of ``root`` that were already written live, for the copy-up rule.

    ``None``: ``root`` is not on an overlay (every file is already in the one writable filesystem).
    A directory: the overlay's upper directory, seen at ``root``. ``''``: ``root`` is on an overlay whose
    upper directory cannot be seen here; every existing file then counts as one of the lower layers.
    """
    point, fstype, options = mount_of(root, mountinfo)
    if fstype != 'overlay':
        return None
    for option in re.split(r'(?<!\\),', options):
        key, _sep, value = option.partition('=')
        if key == 'upperdir' and value:
            upper = os.path.join(_unescape(value), os.path.relpath(root, point))
            return upper if os.path.isdir(upper) else ''
    return ''


def free_space(root):
    """``(free bytes, size bytes)`` of the filesystem holding ``root``."""
    st = os.statvfs(root)
    return st.f_bavail * st.f_frsize, st.f_blocks * st.f_frsize


def allocated(st):
    """Bytes a file takes in whole blocks: its size, or less for a sparse file (holes take no space,
    and ``rsync --sparse`` keeps them)."""
    return min(round_up(st.st_size, BLOCK), round_up(st.st_blocks * 512, BLOCK))


# -- copying ----------------------------------------------------------------------------------------

def rsync_command(tree, root, excludes=(), dry_run=False):
    """The command that copies a module's content over ``root``, as SystemRescue's ``load-srm`` does
    (``rsync -a --sparse --checksum``), naming each change (``%i %n``, 8-bit names kept as they are).
    ``excludes`` are root-relative paths left alone (files merged separately)."""
    cmd = ['rsync', '-a', '--sparse', '--checksum', '--8-bit-output', '--out-format=%i %n']
    if dry_run:
        cmd.append('--dry-run')
    cmd += ['--exclude=/%s' % path.lstrip('/') for path in excludes]
    return cmd + [tree.rstrip('/') + '/', root.rstrip('/') + '/']


def changes(output):
    """``[(flags, path)]`` from rsync's ``%i %n`` lines (bytes, or text): flags ``YXcstpoguax``
    (``>f+++++++++`` a new file, ``>fcs......`` a file written, ``.f...p.....`` a file whose attributes
    change, ``cL+++++++++`` a new symlink); directories end with ``/``. Names are as on disk: rsync's
    ``\\#ooo`` escapes of unprintable characters undone, bytes that are no UTF-8 kept (surrogateescape)."""
    if isinstance(output, bytes):
        output = output.decode('utf-8', 'surrogateescape')
    found = []
    for line in output.split('\n'):
        flags, sep, path = line.partition(' ')
        if sep and len(flags) >= 11 and flags[0] in '<>ch.*':
            found.append((flags, re.sub(r'\\#([0-7]{3})', lambda match: chr(int(match.group(1), 8)), path)))
    return found


def is_new(flags):
    return flags[2:].startswith('+++')


def space_needed(root, tree, items, writable):
    """Bytes the changes ``items`` (rsync's, of the module content ``tree`` over ``root``) take in the
    writable layer of ``root``; ``writable`` is :func:`writable_layer` of ``root``.

    - a new file: its size (sparse files: what is allocated);
    - a file written anew (rsync writes a temporary file and renames it over the old one): its whole
      new size when the old one lies only in a lower layer, else only what it grows by;
    - a file whose mode, owner or time changes: when it lies only in a lower layer, overlayfs copies it
      up, and that costs its whole size, although its content stays.
    """
    need = 0
    for flags, path in items:
        if flags[1] != 'f':
            continue
        new = allocated(os.lstat(os.path.join(tree, path)))
        if is_new(flags):
            need += new
            continue
        old_path = os.path.join(root, path)
        try:
            old = allocated(os.lstat(old_path))
        except OSError:
            need += new
            continue
        lower_only = writable is not None and (not writable or not os.path.lexists(os.path.join(writable, path)))
        if flags[0] == '>':
            need += new if lower_only else max(0, new - old)
        elif lower_only and flags[2:].strip('.'):
            need += old
    return need


# -- what systemd starts ----------------------------------------------------------------------------

# A unit linked into a .wants/ (or .requires/) directory of a system unit directory is enabled there.
WANTS_LINK = re.compile(r'^(?:etc|run|usr/local/lib|usr/lib|lib)/systemd/system/[^/]+\.(?:wants|requires)/([^/]+)$')


def added_units(items):
    """``(units, targets)``: the units whose links the changes add under a ``.wants/`` (or ``.requires/``)
    directory, in order and once each, and among them the targets, which are not started: a target
    starts everything it wants, possibly units the operator stopped."""
    units, targets = [], []
    for flags, path in items:
        match = WANTS_LINK.match(path)
        if match and flags[1] in 'Lf' and is_new(flags):
            name = match.group(1)
            bucket = targets if name.endswith('.target') else units
            if name not in bucket:
                bucket.append(name)
    return units, targets


# -- files the boot already merged ------------------------------------------------------------------

# Files SystemRescue's boot appends lines to after the modules are in place (sysconfig.authorized_keys,
# sysconfig.hosts of the YAML configuration): a module loaded later must not take those lines away.
BOOT_FILES = ('root/.ssh/authorized_keys', 'etc/hosts')
BOOT_FILE_HANDLING = ('merge', 'replace', 'refuse')


def _regular(path):
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _lines(data):
    return [line.rstrip() for line in data.decode('utf-8', 'surrogateescape').splitlines()]


def missing_lines(current, module):
    """The non-empty lines of ``current`` (bytes) that ``module`` (bytes) lacks, in order and once each."""
    have = set(_lines(module))
    missing = []
    for line in _lines(current):
        if line.strip() and line not in have and line not in missing:
            missing.append(line)
    return missing


def merged(current, module):
    """The module's file followed by the lines of ``current`` it lacks, as the boot appends them."""
    extra = missing_lines(current, module)
    if not extra:
        return module
    head = module if not module or module.endswith(b'\n') else module + b'\n'
    return head + ''.join(line + '\n' for line in extra).encode('utf-8', 'surrogateescape')


def boot_files(root, tree, handling, name):
    """``[{'path', 'handling', 'lines'}]`` for each boot file the module ``tree`` carries while ``root``
    holds lines of it the module's version lacks (``lines``: how many).

    With ``handling`` ``refuse`` that fails before anything is copied; ``merge`` keeps those lines
    (:func:`merge_boot_file` after the copy, which leaves the file alone); ``replace`` lets the copy
    drop them.
    """
    found = []
    for path in BOOT_FILES:
        ours, theirs = os.path.join(root, path), os.path.join(tree, path)
        if not (_regular(ours) and _regular(theirs)):
            continue
        with open(ours, 'rb') as handle:
            current = handle.read()
        with open(theirs, 'rb') as handle:
            lost = missing_lines(current, handle.read())
        if not lost:
            continue
        if handling == 'refuse':
            raise LoadError('%s carries /%s, which would replace %d line(s) of the running system\'s file '
                            '(lines SystemRescue\'s boot added, such as the key Ansible logs in with): set '
                            'boot_files: merge to keep them, or boot_files: replace to drop them; nothing was '
                            'changed' % (name, path, len(lost)))
        found.append({'path': '/' + path, 'handling': handling, 'lines': len(lost)})
    return found


def merge_boot_file(root, tree, path):
    """Write the module's version of ``path`` followed by the lines the running system's file has and it
    lacks, with the module's mode and owner, under a temporary name renamed into place (the key Ansible
    logs in with is never missing, not even for a moment). Returns how many lines were kept."""
    dest = os.path.join(root, path.lstrip('/'))
    source = os.path.join(tree, path.lstrip('/'))
    st = os.lstat(source)
    with open(source, 'rb') as handle:
        module = handle.read()
    with open(dest, 'rb') as handle:
        current = handle.read()

    def fill(temp):
        with open(temp, 'wb') as handle:
            handle.write(merged(current, module))
        if os.geteuid() == 0:
            os.chown(temp, st.st_uid, st.st_gid)
    atomic.write_file(dest, fill, mode=stat.S_IMODE(st.st_mode))
    return len(missing_lines(current, module))


# -- downloading ------------------------------------------------------------------------------------

# What curl --retry counts as transient (plus refused connections, --retry-connrefused)
RETRY_HTTP = (408, 429, 500, 502, 503, 504)


def _transient(exc):
    """Whether a failed download is worth another try, and the delay the server asked for (or None)."""
    if isinstance(exc, HTTPError):
        if exc.code not in RETRY_HTTP:
            return False, None
        after = (exc.headers.get('Retry-After') or '') if exc.headers else ''
        return True, int(after) if after.strip().isdigit() else None
    reason = getattr(exc, 'reason', exc)
    return isinstance(reason, (ConnectionRefusedError, TimeoutError, socket.timeout)), None


def download(url, dest, validate_certs=True, timeout=30, retries=2, name=None, sleep=time.sleep):
    """Fetch ``url`` into ``dest`` as SystemRescue's ``load-srm`` does with curl ``--fail --location
    --retry 2 --retry-connrefused``: redirects followed, HTTP errors fail, and a transient failure
    (timeout, refused connection, HTTP 408, 429, 500, 502, 503, 504) is tried again up to ``retries``
    times, after 1 s, then 2 s, 4 s ... (or the server's ``Retry-After``, at most ``timeout`` seconds)."""
    delay = 1
    for attempt in range(retries + 1):
        try:
            response = open_url(url, validate_certs=validate_certs, timeout=timeout)
            with open(dest, 'wb') as handle:
                shutil.copyfileobj(response, handle)
            return attempt
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors; ssl name errors ValueErrors
            again, asked = _transient(exc)
            if not again or attempt == retries:
                tries = ' (after %d tries)' % (attempt + 1) if attempt else ''
                raise LoadError('cannot download %s%s: %s; check the URL and the network (validate_certs: false '
                                'for a self-signed server); nothing was changed'
                                % ('%s from %s' % (name, url) if name else url, tries, exc)) from exc
            sleep(min(asked, timeout) if asked is not None else delay)
            delay *= 2
    return retries  # not reached


# -- opening a module -------------------------------------------------------------------------------

@contextlib.contextmanager
def opened(image, work, method='auto', unsquashfs='unsquashfs'):
    """The module's content as a directory under ``work`` (never beside ``image``, which may lie on the
    read-only boot medium): a read-only loop mount as ``load-srm`` does (root only), or, with ``method:
    unsquashfs`` or when the mount is refused (as in many containers), extracted."""
    where = tempfile.mkdtemp(prefix='content.', dir=work)
    try:
        if method in ('auto', 'mount') and os.geteuid() == 0:
            proc = run(['mount', '-t', 'squashfs', '-o', 'loop,ro,nodev,nosuid', image, where], LoadError,
                       what='mounting %s' % os.path.basename(image), allow_fail=method == 'auto')
            if proc.returncode == 0:
                try:
                    yield where
                finally:
                    run(['umount', where], LoadError, what='unmounting %s' % where)
                return
        elif method == 'mount':
            raise LoadError('method: mount needs root (become: true); use method: unsquashfs otherwise')
        extract_image(unsquashfs, image, where)
        yield where
    finally:
        atomic.remove_tree(where)


# -- the record -------------------------------------------------------------------------------------

def read_record(path):
    """``{name: {'name', 'sha256', 'size', 'loaded_at', ...}}`` from the record (empty when there is none
    or it does not parse: loading again is harmless, rsync compares by checksum). Anything but a regular file
    there is refused unopened: a FIFO would block the run, and the module never replaces what it did not make."""
    try:
        data = json.loads(read_regular(path, 'the record').decode('utf-8'))
        return {m['name']: m for m in data['modules'] if isinstance(m, dict) and 'name' in m}
    except NotAFileError as exc:
        raise LoadError('%s; srm_load keeps its record there: remove it, then run again' % exc) from exc
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
