# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every medium offers, however it is reached.

A :class:`Medium` is a boot filesystem: a mounted stick or PXE tree (:mod:`.directory`) or a FAT
partition of a disk image or block device edited with mtools (:mod:`.fatimage`). :mod:`.options`
turns the modules' ``media`` option into one.

Paths on a medium are relative POSIX paths such as ``sysresccd/10-tools.srm``. Every write goes to a
temporary name that no boot loader or glob picks up and is renamed into place; what an interrupted
run leaves behind is found by :meth:`Medium.leftovers` and removed by :meth:`Medium.sweep`.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError


class MediumError(RescueFleetError):
    """The medium cannot be used as asked; the message says why and what to do."""


def clean_path(path):
    """Normalise a medium path; refuse absolute escapes and ``..``."""
    parts = [p for p in str(path).replace('\\', '/').split('/') if p not in ('', '.')]
    if '..' in parts:
        raise MediumError('path %r on the medium contains ".."' % (path,))
    return '/'.join(parts)


def is_plain_name(name):
    """Whether ``name`` is one plain file name, which stays in the directory it is joined to: a string, not
    empty, not ``.`` or ``..``, without ``/`` or NUL. Every name that comes from outside (a repository
    database, an ISO listing, an archive member, the last component of a URL) is checked with it before it
    touches a path."""
    return isinstance(name, str) and name not in ('', '.', '..') and '/' not in name and '\0' not in name


def lies_inside(path, directory):
    """Whether ``path`` is ``directory`` or lies below it, decided on the directories themselves (``(st_dev,
    st_ino)`` of each parent of where ``path`` really is, its links followed), not on how the paths are spelt:
    ``//srv``, a link or a bind mount name the same directory differently. ``False`` when ``directory`` does not
    exist."""
    try:
        st = os.stat(directory)
    except OSError:
        return False
    wanted = (st.st_dev, st.st_ino)
    current = os.path.realpath(path)
    while True:
        try:
            here = os.stat(current)
            if (here.st_dev, here.st_ino) == wanted:
                return True
        except OSError:
            pass
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


def file_path(value, where, error, advice):
    """``value`` (an option naming a file inside a tree or image) as a clean relative path, or ``error``
    with ``where`` (the option) and ``advice`` when it climbs out with ``..`` or names the root itself."""
    try:
        path = clean_path(value)
    except MediumError as exc:
        raise error('%s: %s; %s' % (where, exc, advice)) from exc
    if not path:
        raise error('%s: %r is the root, not a file; %s' % (where, value, advice))
    return path


def in_the_way(path, kind='a directory'):
    """The :class:`MediumError` for a write to ``path`` where the medium holds ``kind`` instead of a file: a
    writer replaces only files, never what it did not create in their place."""
    return MediumError('%s on the medium is %s, so no file can be written there; remove or rename it (nothing was '
                       'changed)' % (clean_path(path), kind))


def check_writable_file(medium, path):
    """Refuse (:func:`in_the_way`) a path of ``medium`` that holds something other than a file; planners call
    it for every file they mean to write, before the first write of a run."""
    parent, name = posixpath.split(clean_path(path))
    for entry in medium.list_dir(parent) if name else ():
        same = entry['name'].lower() == name.lower() if medium.folds_case else entry['name'] == name
        if same and entry['type'] != 'file':
            raise in_the_way(posixpath.join(parent, entry['name']), 'a directory' if entry['type'] == 'dir'
                             else 'a special file (FIFO, socket or device)')


@contextlib.contextmanager
def flocked(path, exclusive=True):
    """An advisory ``flock`` on the file at ``path`` itself, so that nothing is left beside it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


class Medium:
    """What every medium offers. Paths are relative to the filesystem root."""

    kind = 'abstract'
    # whether names that differ only in case are the same file (FAT)
    folds_case = False

    def describe(self):
        """``{'kind', 'fstype', 'label', 'size', 'free', ...}``; what cannot change during a run (the
        filesystem type and label) is probed once per run, the free space every time."""
        raise NotImplementedError

    def label(self):
        """The filesystem label, or ``None`` when it cannot be read; no other probe for it."""
        return self.describe().get('label')

    def check_path(self, path):
        """Refuse (:class:`MediumError`) a path this medium cannot hold, before anything is written.

        Each backend checks its filesystem's real limits, counting the temporary name it writes
        through; returns the cleaned path. Every writer calls it first. (Whether a name is one
        SystemRescue loads or reads is another contract: ``_srm.index.check_module_name``,
        ``_sysrescue.config.check_yaml_name``.)
        """
        return clean_path(path)

    def list_dir(self, path):
        """``[{'name', 'type': 'file'|'dir'|'other', 'size'}]`` of a directory, or ``[]`` when it is missing;
        ``other`` is a FIFO, socket or device (only a directory tree holds them; symlinks are not listed)."""
        raise NotImplementedError

    def prefetch_listings(self, root, depth):
        """A hint before many :meth:`list_dir` calls under ``root`` (at most ``depth`` levels below it): a
        medium whose every listing costs a process (FAT through mtools, an ISO through xorriso) lists the
        whole tree in one; a directory tree has nothing to gain."""

    def preload(self, paths, size):
        """A hint before :meth:`read_bytes` of each of ``paths`` (files of at most ``size`` bytes are kept):
        a medium whose every read costs a process reads them together; others have nothing to gain."""

    def read_heads(self, paths, size):
        """``{path: the first size bytes}`` of each of ``paths`` that is a readable file (the others are left
        out). Media whose every read costs a process read them together where they can."""
        out = {}
        for path in paths:
            try:
                data = self.read_head(path, size)
            except MediumError:
                continue
            if data is not None:
                out[path] = data
        return out

    def entry(self, path):
        """The listing entry of ``path`` (the root is a directory), or ``None``: one listing of its parent."""
        parent, name = posixpath.split(clean_path(path))
        if not name:
            return {'name': '', 'type': 'dir', 'size': 0}
        for entry in self.list_dir(parent):
            if entry['name'] == name:
                return entry
        return None

    def exists(self, path):
        return self.entry(path) is not None

    def read_bytes(self, path):
        """Content of a file, or ``None`` when it does not exist."""
        raise NotImplementedError

    def read_head(self, path, size):
        """The first ``size`` bytes of a file (all of a shorter one; all of it for ``size`` -1), or ``None``
        when it does not exist; backends that can stop early override it, so that a large file is not read whole."""
        data = self.read_bytes(path)
        if data is None or size < 0:
            return data
        return data[:size]

    def write_bytes(self, path, data, mode=None):
        """Atomically create or replace a file with ``data``; parent directories are created.

        ``mode`` is the file's mode where the medium stores modes (a directory tree; ``None`` keeps the
        mode of the file it replaces, 0644 for a new one); FAT stores none and ignores it."""
        raise NotImplementedError

    def put_file(self, path, local_file, sha256=None):
        """Atomically create or replace ``path`` with a copy of a local file, streamed.

        Returns the sha256 of the file: ``sha256`` when the caller already knows it, otherwise
        computed while the copy runs.
        """
        raise NotImplementedError

    def remove(self, path):
        raise NotImplementedError

    def sha256(self, path):
        raise NotImplementedError

    def copy_out(self, path, local_file):
        """Copy file ``path`` of the medium to ``local_file`` on this host (created or replaced)."""
        data = self.read_bytes(path)
        if data is None:
            raise MediumError('%s does not exist on the medium' % path)
        with open(local_file, 'wb') as handle:
            handle.write(data)

    def free_bytes(self):
        return self.describe()['free']

    def cluster_size(self):
        """Allocation unit: files take whole clusters."""
        return self.describe().get('cluster_size') or 4096

    def makedirs(self, path):
        raise NotImplementedError

    def leftovers(self, path):
        """Temporary files that interrupted runs left in directory ``path`` (medium paths), not removed."""
        raise NotImplementedError

    def sweep(self, path, found=None):
        """Remove :meth:`leftovers` of directory ``path`` (``found``: those listed earlier); returns their medium
        paths."""
        found = self.leftovers(path) if found is None else found
        for leftover in found:
            self.remove(leftover)
        return found

    def writable_reason(self):
        """``None`` when a writing module could change the medium, else why not (with advice)."""
        return None

    def check_writable(self):
        """Raise :class:`MediumError` with advice when the medium cannot be written."""
        reason = self.writable_reason()
        if reason:
            raise MediumError(reason)

    def local_path(self, path):
        """A path on this host that holds ``path`` of the medium, or ``None`` when there is none (FAT images)."""
        return None

    # whether runs on this medium exclude each other; a medium nobody writes in place only needs a
    # shared lock (see _media/iso.py)
    exclusive_lock = True

    def lock_path(self):
        """A local file or directory whose advisory lock serialises runs on this medium, or ``None``."""
        return None

    @contextlib.contextmanager
    def locked(self):
        """Serialise runs on the same medium: a flock on :meth:`lock_path`."""
        path = self.lock_path()
        if path is None:
            yield
            return
        with flocked(path, exclusive=self.exclusive_lock):
            yield

    def read_text(self, path):
        data = self.read_bytes(path)
        return None if data is None else data.decode('utf-8', 'surrogateescape')

    def close(self):
        pass
