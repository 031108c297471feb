# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The two cpio formats linuxrc unpacks (newc ``070701`` and little-endian binary ``\\xc7\\x71``), read
and written in pure Python, and the compressions linuxrc recognises in front of them.

Readers walk the member names of a part (to see whether it holds ``.init``) and of an initrd (the
kernel unpacks a concatenation of cpio archives, each possibly compressed, later members replacing
earlier ones); the writer makes the one-member newc archive that is appended to an initrd to put a
keyring into it without rebuilding it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import lzma
import struct
import subprocess

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

NEWC = b'070701'
NEWC_CRC = b'070702'
ODC = b'070707'
BINARY_LE = b'\xc7\x71'
BINARY_BE = b'\x71\xc7'
TRAILER = 'TRAILER!!!'

# linuxrc's compress_type (util.c): gzip and xz by their magic; zstd as docs/linuxrc.md says
COMPRESSIONS = (
    ('gzip', b'\x1f\x8b'),
    ('xz', b'\xfd7zXZ\x00'),
    ('zstd', b'\x28\xb5\x2f\xfd'),
)
# compressors linuxrc does not recognise, named for the advice
OTHER_COMPRESSIONS = (('bzip2', b'BZh'), ('lz4', b'\x04\x22\x4d\x18'), ('lzop', b'\x89LZO'), ('lzma', b'\x5d\x00\x00'))


class CpioError(RescueFleetError):
    """A cpio archive or its compression cannot be read; the message says what to do."""


def compression_of(head):
    """``'gzip'``, ``'xz'``, ``'zstd'`` or ``None`` from the first bytes of a file."""
    for name, magic in COMPRESSIONS:
        if head.startswith(magic):
            return name
    return None


def unknown_compression_of(head):
    for name, magic in OTHER_COMPRESSIONS:
        if head.startswith(magic):
            return name
    return None


@contextlib.contextmanager
def decompressed(handle, compression, zstd='zstd'):
    """A readable stream of ``handle`` decompressed (``compression`` ``None``: as it is)."""
    if compression is None:
        yield handle
    elif compression == 'gzip':
        with gzip.GzipFile(fileobj=handle) as stream:
            yield stream
    elif compression == 'xz':
        with lzma.LZMAFile(handle) as stream:
            yield stream
    elif compression == 'zstd':
        try:
            proc = subprocess.Popen([zstd, '-dcq'], stdin=handle, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            raise CpioError('cannot run %s to read a zstd-compressed file: %s; install zstd' % (zstd, exc)) from exc
        try:
            yield proc.stdout
        finally:
            proc.stdout.close()
            proc.kill()
            proc.wait()
    else:
        raise CpioError('unknown compression %r' % (compression,))


def read_head(stream, size):
    """Up to ``size`` bytes (fewer only at the end of the stream)."""
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)


def _skip(stream, count):
    while count > 0:
        chunk = stream.read(min(count, 1 << 20))
        if not chunk:
            raise CpioError('the cpio archive ends inside a member')
        count -= len(chunk)


def _pad(offset, align):
    return (align - offset % align) % align


def members(stream, want_data=()):
    """``(name, mode, data or None)`` of every member of one cpio archive (newc or binary), up to its
    trailer. ``data`` is read only for names in ``want_data``; the stream is left after the trailer."""
    offset = 0
    while True:
        magic = read_head(stream, 6)
        if len(magic) < 6:
            raise CpioError('the cpio archive ends without its trailer')
        if magic in (NEWC, NEWC_CRC):
            header_size, align = 110, 4
            header = read_head(stream, 104)
            if len(header) < 104:
                raise CpioError('the cpio archive ends inside a header')
            fields = [int(header[i:i + 8], 16) for i in range(0, 104, 8)]
            mode, filesize, namesize = fields[1], fields[6], fields[11]
        elif magic[:2] == BINARY_LE:
            header_size, align = 26, 2
            rest = read_head(stream, 20)
            if len(rest) < 20:
                raise CpioError('the cpio archive ends inside a header')
            values = struct.unpack('<13H', magic + rest)
            mode, namesize, filesize = values[3], values[10], (values[11] << 16) | values[12]
        else:
            raise CpioError('not a newc or binary cpio member header')
        name = read_head(stream, namesize)
        offset += header_size + namesize
        _skip(stream, _pad(offset, align))
        offset += _pad(offset, align)
        name = name.rstrip(b'\0').decode('utf-8', 'surrogateescape')
        if name == TRAILER:
            return
        clean = name[2:] if name.startswith('./') else name.lstrip('/')
        if clean in want_data:
            data = read_head(stream, filesize)
        else:
            data = None
            _skip(stream, filesize)
        offset += filesize
        _skip(stream, _pad(offset, align))
        offset += _pad(offset, align)
        yield clean, mode, data


def newc_archive(files):
    """A newc archive of regular files ``[(name, mode, data)]`` with its trailer, padded to 512 bytes."""
    out = io.BytesIO()
    ino = 1
    for name, mode, data in list(files) + [(TRAILER, 0, b'')]:
        encoded = name.encode('utf-8') + b'\0'
        fields = [ino, (0o100000 | mode) if name != TRAILER else 0, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
                  len(encoded), 0]
        out.write(NEWC + b''.join(b'%08X' % value for value in fields) + encoded)
        out.write(b'\0' * _pad(out.tell(), 4))
        out.write(data)
        out.write(b'\0' * _pad(out.tell(), 4))
        ino += 1
    out.write(b'\0' * _pad(out.tell(), 512))
    return out.getvalue()
