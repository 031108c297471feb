# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The collection's one reader of ISO9660 images: everything is read here, nothing is mounted.

The signature and the primary volume descriptor are read directly (2 KiB); listings of directories and
single files go through ``xorriso``, which reads only the directory tree; the boot records (El Torito,
MBR, GPT) are what xorriso reports; files and whole directories are extracted with xorriso's
``-osirrox``. The media layer (an ISO medium, an ISO stick refused for writing), the USB writer and
the pxe_server role (through ``iso_extract``) all read ISO images through it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import calendar
import os
import re
import shutil
import stat
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._files import open_regular
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run

XORRISO_HINT = 'install xorriso (apt-get install xorriso, dnf install xorriso)'
SECTOR = 2048
# The volume descriptors start at sector 16; the first is the primary one, its signature at byte 1.
PVD_OFFSET = 16 * SECTOR
ISO9660_MAGIC = b'CD001'

# One line of xorriso's `lsdl`: mode, links, owner, group, size, date (3 fields), quoted path.
_LSDL = re.compile(r"^(?P<mode>[-dlbcpse][-rwxsStT]{9})\s+\d+\s+\S+\s+\S+\s+(?P<size>\d+)\s+\S+\s+\S+\s+\S+\s+"
                   r"(?P<path>'.*?')(?: -> (?P<target>'.*'))?$")


class IsoError(RescueFleetError):
    """The ISO image cannot be read or written as asked; the message says what to do."""


def _xorriso_base():
    # -no_rc: no startup files of the host change the behaviour; -abort_on NEVER: a missing path in
    # one listing does not stop the others (missing paths are simply not listed).
    return ['xorriso', '-no_rc', '-abort_on', 'NEVER']


def _iso_date(field):
    """``(digits16, epoch)`` of a 17-byte ISO9660 date (``YYYYMMDDhhmmsscc`` + offset in 15 min units)."""
    digits = field[:16].decode('ascii', 'replace')
    if not digits.isdigit() or digits == '0' * 16:
        return None, None
    offset = field[16] if field[16] < 128 else field[16] - 256
    stamp = calendar.timegm((int(digits[0:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]),
                             int(digits[10:12]), int(digits[12:14]), 0, 0, 0))
    return digits, stamp - offset * 15 * 60


def _image_kind(path):
    """Whether ``path`` is something to read an image from: a regular file or a block device (a FIFO
    would block the read, anything else makes no sense)."""
    st = os.stat(path)
    return stat.S_ISREG(st.st_mode) or stat.S_ISBLK(st.st_mode)


def is_iso9660(path, offset=0):
    """Whether an ISO9660 volume descriptor (its signature ``CD001``) sits 32 KiB after ``offset``.

    Only regular files and block devices are opened; anything that cannot be read is not ISO9660."""
    try:
        if not _image_kind(path):
            return False
        with open(path, 'rb') as handle:
            handle.seek(offset + PVD_OFFSET + 1)
            return handle.read(len(ISO9660_MAGIC)) == ISO9660_MAGIC
    except OSError:
        return False


# Joliet: a supplementary volume descriptor (type 2) whose escape sequences (bytes 88-90) name UCS-2 level 1, 2
# or 3; the descriptors follow each other from sector 16 up to the set terminator (type 255).
JOLIET_ESCAPES = (b'%/@', b'%/C', b'%/E')
SVD_TYPE = 2
TERMINATOR_TYPE = 255
MAX_DESCRIPTORS = 64


def has_joliet(path):
    """Whether the image holds a Joliet tree (the long names Windows shows), read from its volume descriptors."""
    with open_regular(path, 'the ISO', allow_block=True) as handle:
        handle.seek(PVD_OFFSET)
        for _index in range(MAX_DESCRIPTORS):
            descriptor = handle.read(SECTOR)
            if len(descriptor) < SECTOR or descriptor[1:6] != ISO9660_MAGIC or descriptor[0] == TERMINATOR_TYPE:
                return False
            if descriptor[0] == SVD_TYPE and descriptor[88:91] in JOLIET_ESCAPES:
                return True
    return False


def read_volume(path):
    """The primary volume descriptor: ``{'volume_id', 'created', 'modified', 'epoch', 'size'}``.

    ``created``/``modified`` are the 16-digit dates as stored (``modified`` is what GRUB and blkid
    call the filesystem UUID); ``epoch`` is the modification time in seconds, used for the dates of
    added files so that the result depends on the source only."""
    try:
        if not _image_kind(path):
            raise IsoError('the ISO %s is neither a regular file nor a block device; give the path of a '
                           'SystemRescue ISO file' % path)
        with open(path, 'rb') as handle:
            handle.seek(PVD_OFFSET)
            pvd = handle.read(SECTOR)
    except OSError as exc:
        raise IsoError('cannot read the ISO %s: %s; check the path and its permissions' % (path, exc.strerror)) \
            from exc
    if pvd[1:6] != ISO9660_MAGIC:
        raise IsoError('%s is not an ISO9660 image (no %s signature at byte %d); give a SystemRescue ISO file'
                       % (path, ISO9660_MAGIC.decode(), PVD_OFFSET + 1))
    created, created_epoch = _iso_date(pvd[813:830])
    modified, modified_epoch = _iso_date(pvd[830:847])
    block = int.from_bytes(pvd[128:130], 'little') or SECTOR
    return {
        'volume_id': pvd[40:72].decode('ascii', 'replace').strip(),
        'created': created,
        'modified': modified,
        'epoch': modified_epoch if modified_epoch is not None else (created_epoch or 0),
        'size': int.from_bytes(pvd[80:84], 'little') * block,
    }


def _unquote(text):
    """A path as xorriso quotes it: ``'a'"'"'b'`` is ``a'b``."""
    return text[1:-1].replace("'\"'\"'", "'")


def parse_lsdl(text):
    """``{path: {'type': 'file'|'dir'|'link'|'other', 'size'}}`` of xorriso ``lsdl`` lines; a link also has its
    ``target``."""
    out = {}
    for line in text.splitlines():
        match = _LSDL.match(line.rstrip('\n'))
        if not match:
            continue
        # 'e' is the El Torito boot catalog, which xorriso extracts as a regular file of its size
        kind = {'-': 'file', 'e': 'file', 'd': 'dir', 'l': 'link'}.get(match.group('mode')[0], 'other')
        out[_unquote(match.group('path'))] = {'type': kind, 'size': int(match.group('size')) if kind == 'file' else 0}
        if kind == 'link' and match.group('target'):
            out[_unquote(match.group('path'))]['target'] = _unquote(match.group('target'))
    return out


def iso_path(path):
    """``/a/b`` for a medium path ``a/b``."""
    return '/' + path.strip('/')


def _find_commands(directories=(), paths=()):
    cmd = []
    for directory in directories:
        cmd += ['-find', iso_path(directory), '-maxdepth', '1', '-exec', 'lsdl', '--']
    if paths:
        cmd += ['-lsdl'] + [iso_path(p) for p in paths] + ['--']
    return cmd


BOOT_REPORT = ['-report_el_torito', 'plain', '-report_system_area', 'plain']


def listing(path, directories=(), paths=()):
    """One xorriso run: every entry directly in each of ``directories`` and each of ``paths`` itself,
    as ``{'/abs/path': {'type', 'size'}}``. Missing ones are absent from the result."""
    proc = run(_xorriso_base() + ['-indev', path] + _find_commands(directories, paths), IsoError,
               what='xorriso reading %s' % path, hint=XORRISO_HINT, allow_fail=True)
    check_loaded(path, proc.stderr)
    return parse_lsdl(proc.stdout)


def tree_listing(path, directory):
    """Every entry under ``directory`` of the image, at any depth, and the directory itself, as :func:`listing`
    gives them (without extracting anything)."""
    proc = run(_xorriso_base() + ['-indev', path, '-find', iso_path(directory), '-exec', 'lsdl', '--'], IsoError,
               what='xorriso reading %s' % path, hint=XORRISO_HINT, allow_fail=True)
    check_loaded(path, proc.stderr)
    return parse_lsdl(proc.stdout)


def listing_and_boot_records(path, directories=(), paths=()):
    """``(listing, boot records, boot files)`` from one load of the image: :func:`listing`,
    :func:`boot_records` and :func:`parse_boot_files` in the same xorriso run."""
    proc = run(_xorriso_base() + ['-indev', path] + BOOT_REPORT + _find_commands(directories, paths), IsoError,
               what='xorriso reading %s' % path, hint=XORRISO_HINT, allow_fail=True)
    check_loaded(path, proc.stderr)
    return parse_lsdl(proc.stdout), parse_boot_records(proc.stdout), parse_boot_files(proc.stdout)


def check_loaded(path, stderr):
    """Raise :class:`IsoError` when xorriso could not load the image's directory tree."""
    text = stderr.decode('utf-8', 'replace') if isinstance(stderr, bytes) else stderr
    if any(sign in text for sign in ('Cannot read ISO image tree', 'No ISO image present', 'Creating blank image')):
        reason = [line for line in text.splitlines() if 'FAILURE' in line or 'No ISO 9660' in line][:1]
        raise IsoError('xorriso cannot read the ISO9660 image %s (%s): it is damaged or incomplete; copy it again. '
                       'To read a filesystem the kernel can mount, mount it read-only and give media.path'
                       % (path, reason[0].split(':', 2)[-1].strip() if reason else 'no ISO 9660 directory tree found'))


def list_tree(path, directory, depth):
    """``{directory: [{'name', 'type', 'size'}]}`` of every directory under ``directory`` of the image, at most
    ``depth`` levels below it, from one xorriso run (directories are medium paths, the root ``''``)."""
    top = iso_path(directory)
    proc = run(_xorriso_base() + ['-indev', path, '-find', top, '-maxdepth', str(depth + 1), '-exec', 'lsdl', '--'],
               IsoError, what='xorriso reading %s' % path, hint=XORRISO_HINT, allow_fail=True)
    check_loaded(path, proc.stderr)
    tree = {}
    for entry_path, entry in parse_lsdl(proc.stdout).items():
        if entry['type'] == 'dir':
            tree.setdefault(entry_path.strip('/'), [])
        if entry_path == top or entry_path == '/':
            continue
        parent, name = entry_path.rsplit('/', 1)
        tree.setdefault(parent.strip('/'), []).append(dict(entry, name=name))
    return dict((key, sorted(entries, key=lambda e: e['name'])) for key, entries in tree.items())


def extract_many(path, members, dest):
    """Copy each file of ``members`` (medium paths) of the image into the existing directory ``dest``, at
    ``dest/<member>``, in one xorriso run; members that are missing or not files are simply not there."""
    if not members:
        return
    proc = run(_xorriso_base() + ['-osirrox', 'on', '-indev', path, '-extract_l', '/', dest.rstrip('/') + '/']
               + [iso_path(m) for m in members] + ['--'], IsoError,
               what='xorriso extracting files from %s' % path, hint=XORRISO_HINT, allow_fail=True)
    check_loaded(path, proc.stderr)
    _make_writable(dest)  # xorriso restores the image's read-only modes: the caller must be able to remove it


def list_dir(path, directory):
    """``[{'name', 'type', 'size'}]`` of one directory of the image, ``[]`` when it is missing."""
    top = iso_path(directory)
    out = []
    for entry_path, entry in listing(path, directories=[directory]).items():
        if entry_path == top:
            continue
        out.append({'name': entry_path.rsplit('/', 1)[1], 'type': entry['type'], 'size': entry['size']})
    return sorted(out, key=lambda e: e['name'])


def extract(path, member, local_file):
    """Copy file ``member`` of the image to ``local_file`` (created or replaced)."""
    scratch = tempfile.mkdtemp(prefix='.rf-iso-', dir=os.path.dirname(os.path.abspath(local_file)))
    try:
        out = os.path.join(scratch, 'member')
        proc = run(_xorriso_base() + ['-osirrox', 'on', '-indev', path, '-extract', iso_path(member), out], IsoError,
                   what='xorriso extracting %s from %s' % (member, path), hint=XORRISO_HINT, allow_fail=True)
        check_loaded(path, proc.stderr)
        if not os.path.isfile(out):
            raise IsoError('%s is not a file in the ISO image %s; check the path inside the ISO' % (member, path))
        os.chmod(out, 0o644)  # xorriso restores the read-only mode of the image
        os.replace(out, local_file)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def extract_tree(path, directory, dest):
    """Every file under ``directory`` of the image into the new directory ``dest``, made writable for its
    owner (xorriso restores the read-only modes of the image, which would make it hard to replace)."""
    run(['xorriso', '-no_rc', '-abort_on', 'FAILURE', '-osirrox', 'on', '-indev', path,
         '-extract', iso_path(directory), dest], IsoError,
        what='xorriso extracting %s from %s' % (iso_path(directory), path), hint=XORRISO_HINT)
    if not os.path.isdir(dest):
        raise IsoError('%s is not a directory in the ISO image %s; check the path inside the ISO'
                       % (iso_path(directory), path))
    _make_writable(dest)


def _make_writable(root):
    os.chmod(root, stat.S_IMODE(os.lstat(root).st_mode) | stat.S_IRWXU)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            full = os.path.join(dirpath, name)
            os.chmod(full, stat.S_IMODE(os.lstat(full).st_mode) | stat.S_IRWXU)
        for name in filenames:
            full = os.path.join(dirpath, name)
            if not os.path.islink(full):
                os.chmod(full, stat.S_IMODE(os.lstat(full).st_mode) | stat.S_IRUSR | stat.S_IWUSR)


def boot_records(path):
    """What boots the image: ``{'el_torito': [platform, ...], 'system_area': str|None, 'gpt': bool}``."""
    proc = run(_xorriso_base() + ['-indev', path] + BOOT_REPORT,
               IsoError, what='xorriso reading the boot records of %s' % path, hint=XORRISO_HINT, allow_fail=True)
    check_loaded(path, proc.stderr)
    return parse_boot_records(proc.stdout)


def parse_boot_files(text):
    """The files the El Torito records point at (boot catalogue and boot images, absolute ISO paths) in
    xorriso's ``-report_el_torito plain`` lines."""
    out = []
    for line in text.splitlines():
        match = re.match(r'^El Torito (?:cat path :|img path :\s+\d+)\s+(/.*?)\s*$', line)
        if match:
            out.append(match.group(1))
    return out


def parse_boot_records(text):
    """The boot records of xorriso's ``-report_el_torito plain -report_system_area plain`` lines."""
    platforms = []
    summary = None
    gpt = False
    for line in text.splitlines():
        match = re.match(r'^El Torito boot img :\s+\d+\s+(\S+)', line)
        if match:
            platforms.append(match.group(1))
        if line.startswith('System area summary:'):
            summary = line.split(':', 1)[1].strip()
        if line.startswith('GPT disk GUID'):
            gpt = True
    return {'el_torito': platforms, 'system_area': summary, 'gpt': gpt}
