# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whether linuxrc can load a file as a part: its format, told from its content as linuxrc tells it.

linuxrc's ``util_mount`` (``util.c``) bind-mounts a directory; for a file it asks ``fstype``
(``fstype.c``: filesystem superblocks, ``070701`` newc cpio, ``hsqs``/``sqsh`` squashfs, rpm's lead),
and when that finds nothing, ``compressed_archive`` (``util.c``): a gzip/xz (and, per
docs/linuxrc.md, zstd) file whose decompressed start is a newc or binary cpio or a POSIX ``ustar``
tar. cpio, tar and rpm parts are unpacked into a tmpfs; filesystems are loop-mounted. Anything else
fails with "unknown fs type" - and that fails the boot even for an optional (``?``) part, because
``?`` only covers a missing part. So odc (``070707``) and crc (``070702``) cpio, zip, GNU-format tar
(magic ``ustar`` followed by spaces) and compressed filesystem images are refused here, with advice.

``fstype`` reads the first 512 bytes before it looks at any magic; a shorter file is unknown to it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import lzma
import os
import struct
import subprocess
import tarfile
import zlib

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import cpio
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError

HEAD = 0x10000
ARCHIVE_HEAD = 0x108  # what compressed_archive decompresses to decide
BUILD_ADVICE = 'build a squashfs part with rescuefleet.media.linuxrc_part'


class PartFormat:
    """``name`` (``squashfs``, ``ext4``, ``cpio-newc``, ``tar``, ``rpm``, ``directory``, ...),
    ``compression`` (``gzip``/``xz``/``zstd`` or ``None``), ``how`` linuxrc loads it (``mount``,
    ``unpack``, ``bind``) and, for a refused file, ``problem`` (what it is and what to do)."""

    __slots__ = ('name', 'compression', 'how', 'problem')

    def __init__(self, name, how=None, compression=None, problem=None):
        self.name = name
        self.how = how
        self.compression = compression
        self.problem = problem

    @property
    def loadable(self):
        return self.problem is None

    def as_dict(self):
        return {'format': self.name, 'compression': self.compression, 'loadable': self.loadable,
                'how': self.how, 'problem': self.problem}


def _u16(data, offset, fmt='<H'):
    return struct.unpack_from(fmt, data, offset)[0] if len(data) >= offset + 2 else None


def _filesystem(head):
    """The filesystem ``fstype`` would report for ``head`` (the first bytes), or ``None``."""
    if head[:8] == b'-rom1fs-':
        return 'romfs'
    if head[:4] == b'XFSB':
        return 'xfs'
    if head[:4] in (b'\x45\x3d\xcd\x28', b'\x28\xcd\x3d\x45'):
        return 'cramfs'
    if (len(head) >= 512 and head[0x1fe:0x200] == b'\x55\xaa' and head[0x0b] == 0
            and ((head[0x26] == 0x29 and head[0x36:0x3e] in (b'FAT12   ', b'FAT16   '))
                 or (head[0x42] == 0x29 and head[0x52:0x5a] == b'FAT32   '))):
        return 'vfat'
    return None


def _late_filesystem(head):
    """Filesystems whose magic lies after the first sector (checked by ``fstype`` after cpio/squashfs)."""
    if _u16(head, 1024 + 56) == 0xEF53:
        compat = struct.unpack_from('<I', head, 1024 + 92)[0] if len(head) >= 1024 + 96 else 0
        incompat = struct.unpack_from('<I', head, 1024 + 96)[0] if len(head) >= 1024 + 100 else 0
        journal = struct.unpack_from('<I', head, 1024 + 224)[0] if len(head) >= 1024 + 228 else 0
        if compat & 0x4 and journal:
            return 'ext4' if incompat & 0x40 else 'ext3'
        return 'ext2'
    if _u16(head, 1024 + 16) in (0x137F, 0x138F, 0x2468, 0x2478):
        return 'minix'
    if head[0x8000 + 1:0x8000 + 6] == b'CD001':
        return 'iso9660'
    if head[0x8000 + 1:0x8000 + 6] in (b'BEA01', b'NSR02', b'NSR03'):
        return 'udf'
    return None


def _archive(data):
    """The archive ``compressed_archive`` sees in decompressed ``data``, or ``None``."""
    if len(data) < ARCHIVE_HEAD:
        return None
    if data[:6] == cpio.NEWC:
        return 'cpio-newc'
    if data[:2] == cpio.BINARY_LE:
        return 'cpio-binary'
    if data[0x101:0x107] == b'ustar\0':
        return 'tar'
    return None


def _refused_archive(data):
    """Archives linuxrc does not unpack, named with what to do."""
    if data[:6] == cpio.ODC:
        return 'cpio-odc', ('an odc (070707) cpio archive, which linuxrc does not unpack; write it in the newc format '
                            '(cpio -o -H newc) or %s' % BUILD_ADVICE)
    if data[:6] == cpio.NEWC_CRC:
        return 'cpio-crc', ('a crc (070702) cpio archive, which linuxrc does not unpack; write it in the newc format '
                            '(cpio -o -H newc) or %s' % BUILD_ADVICE)
    if data[:2] == cpio.BINARY_BE:
        return 'cpio-binary-be', ('a big-endian binary cpio archive, which linuxrc does not unpack; write it in the '
                                  'newc format (cpio -o -H newc) or %s' % BUILD_ADVICE)
    if data[:4] in (b'PK\x03\x04', b'PK\x05\x06'):
        return 'zip', 'a zip archive, which linuxrc does not unpack; unpack it and %s' % BUILD_ADVICE
    if data[0x101:0x106] == b'ustar':
        return 'tar-gnu', ('a GNU-format tar archive (magic "ustar  "), which linuxrc does not recognise (it wants the '
                           'POSIX "ustar\\0" magic); write it with tar --format=posix or %s' % BUILD_ADVICE)
    return None


def _uncompressed(head):
    """What ``fstype`` (and, per docs/linuxrc.md, the uncompressed archive check) reports, or ``None``."""
    fs = _filesystem(head)
    if fs:
        return PartFormat(fs, 'mount')
    if head[:6] == cpio.NEWC:
        return PartFormat('cpio-newc', 'unpack')
    if head[:4] in (b'hsqs', b'sqsh'):
        return PartFormat('squashfs', 'mount')
    if head[:4] == b'\xed\xab\xee\xdb' and head[4] >= 3:
        return PartFormat('rpm', 'unpack')
    fs = _late_filesystem(head)
    if fs:
        return PartFormat(fs, 'mount')
    if head[:2] == cpio.BINARY_LE:
        return PartFormat('cpio-binary', 'unpack')
    if head[0x101:0x107] == b'ustar\0':
        return PartFormat('tar', 'unpack')
    return None


def _compressed(compression, decompressed):
    archive = _archive(decompressed)
    if archive:
        return PartFormat(archive, 'unpack', compression)
    refused = _refused_archive(decompressed)
    if refused:
        return PartFormat(refused[0], compression=compression, problem='%s-compressed %s' % (compression, refused[1]))
    inner = _filesystem(decompressed) or ('squashfs' if decompressed[:4] in (b'hsqs', b'sqsh') else None)
    what = ('a %s image' % inner) if inner else 'content that is neither cpio nor tar'
    return PartFormat('compressed', compression=compression,
                      problem='%s-compressed %s: linuxrc unpacks only compressed cpio and tar archives; give the '
                              'image uncompressed or %s' % (compression, what, BUILD_ADVICE))


def detect_head(head, size, decompressed=None):
    """The :class:`PartFormat` of a file from its first bytes ``head``, its ``size`` and, for a
    compressed file, the first bytes of its decompressed content.

    As ``util_mount`` does: ``fstype`` first (it needs 512 bytes), then the compressed archive check.
    """
    if size >= 512:
        found = _uncompressed(head)
        if found:
            return found
    compression = cpio.compression_of(head)
    if compression:
        return _compressed(compression, decompressed or b'')
    if size < 512:
        return PartFormat('unknown', problem='only %d bytes: linuxrc reads 512 bytes before it looks at a part\'s '
                                             'format, so it cannot load this file; %s' % (size, BUILD_ADVICE))
    other = cpio.unknown_compression_of(head)
    if other:
        return PartFormat(other, compression=other,
                          problem='%s-compressed, which linuxrc does not decompress (it knows gzip, xz and zstd); '
                                  'recompress it or %s' % (other, BUILD_ADVICE))
    refused = _refused_archive(head)
    if refused:
        return PartFormat(refused[0], problem=refused[1])
    return PartFormat('unknown', problem='not a filesystem image, cpio, tar or rpm archive that linuxrc recognises; %s'
                                         % BUILD_ADVICE)


def decompress_head(head, compression, zstd='zstd', size=0x200):
    """The first ``size`` bytes of the decompressed content of a file that starts with ``head``
    (enough of the compressed file for that); raises ``ValueError`` for data that does not decompress."""
    if compression == 'gzip':
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, size)
        except zlib.error as exc:
            raise ValueError(str(exc)) from exc
    if compression == 'xz':
        try:
            return lzma.LZMADecompressor().decompress(head, max_length=size)
        except lzma.LZMAError as exc:
            raise ValueError(str(exc)) from exc
    try:
        proc = subprocess.run([zstd, '-dcq'], input=head, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              check=False)
    except OSError as exc:
        raise ValueError('%s cannot be run (%s); install zstd' % (zstd, exc)) from exc
    if not proc.stdout and proc.returncode != 0:
        raise ValueError(proc.stderr.decode('utf-8', 'replace').strip() or 'zstd failed')
    return proc.stdout[:size]


def detect_bytes(head, size, zstd='zstd'):
    """The :class:`PartFormat` of a file of ``size`` bytes that starts with ``head`` (:data:`HEAD` bytes
    or all of it)."""
    compression = cpio.compression_of(head)
    decompressed = None
    if compression:
        try:
            decompressed = decompress_head(head, compression, zstd)
        except ValueError as exc:
            return PartFormat('compressed', compression=compression,
                              problem='%s-compressed, but it cannot be decompressed (%s); check the file' % (
                                  compression, exc))
    return detect_head(head, size, decompressed)


def detect_path(path, zstd='zstd'):
    """The :class:`PartFormat` of a local file or directory."""
    if os.path.isdir(path):
        return PartFormat('directory', 'bind')
    with open(path, 'rb') as handle:
        head = cpio.read_head(handle, HEAD)
    return detect_bytes(head, os.path.getsize(path), zstd)


def detect_on_medium(medium, path, entry, zstd='zstd'):
    """The :class:`PartFormat` of ``path`` on a medium (``entry``: its listing entry)."""
    if entry['type'] == 'dir':
        return PartFormat('directory', 'bind')
    return detect_bytes(medium.read_head(path, HEAD) or b'', entry.get('size') or 0, zstd)


def check_part(path, label, zstd='zstd'):
    """Refuse (:class:`LinuxrcError`) a file linuxrc cannot load as a part; returns its format."""
    fmt = detect_path(path, zstd)
    if not fmt.loadable:
        raise LinuxrcError('%s is %s. linuxrc stops the boot at a part it cannot load, even an optional one; nothing '
                           'was changed' % (label, fmt.problem))
    return fmt


def holds_init(path, fmt, unsquashfs='unsquashfs', zstd='zstd'):
    """Whether the part at local ``path`` has ``.init`` at its root: ``True``, ``False``, or ``None``
    when its format does not let this be told (rpm, filesystem images other than squashfs)."""
    if fmt.name == 'directory':
        return os.path.isfile(os.path.join(path, '.init'))
    if fmt.name == 'squashfs':
        try:
            proc = subprocess.run([unsquashfs, '-lls', '-no-progress', '-d', '', path, '.init'],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        except OSError:
            return None
        if proc.returncode != 0:
            return None
        return any(line.rstrip().endswith(' /.init') and line.startswith('-')
                   for line in proc.stdout.decode('utf-8', 'replace').splitlines())
    if fmt.name in ('cpio-newc', 'cpio-binary', 'tar'):
        try:
            with open(path, 'rb') as handle, cpio.decompressed(handle, fmt.compression, zstd) as stream:
                if fmt.name == 'tar':
                    return _tar_holds_init(stream)
                return any(name == '.init' and mode & 0o170000 == 0o100000
                           for name, mode, _data in cpio.members(stream))
        except (cpio.CpioError, tarfile.TarError, OSError, EOFError, ValueError):
            return None
    return None


def _tar_holds_init(stream):
    with tarfile.open(fileobj=stream, mode='r|') as archive:
        for member in archive:
            name = member.name
            while name.startswith('./'):
                name = name[2:]
            if name.lstrip('/') == '.init' and member.isfile():
                return True
    return False
