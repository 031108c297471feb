# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files of an installer initrd, read and added without rebuilding it.

The kernel unpacks an initramfs that is a concatenation of cpio archives, each one compressed or
not, with zero bytes between them; a file in a later archive replaces the same file of an earlier
one. So a file is read as the last member of that name across the segments, and a file is added by
appending a gzip-compressed newc archive that holds it (what mksusecd does with
``--no-rebuild-initrd``). linuxrc checks signatures against the keyring ``/installkey.gpg`` of the
initrd (``url_read_file`` in ``url.c``).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import gzip
import io
import lzma
import subprocess
import zlib

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import cpio

KEYRING = 'installkey.gpg'
CHUNK = 1 << 20


class _Counting:
    """A readable wrapper that counts the bytes read from ``handle``."""

    def __init__(self, handle):
        self.handle = handle
        self.count = 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.count += len(data)
        return data


class _Inflating:
    """A readable stream of one compressed segment of ``handle`` (gzip or xz) that stops at the end of
    that segment; ``unused`` is what was read past it."""

    def __init__(self, handle, compression):
        self.handle = handle
        if compression == 'gzip':
            self.engine = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            self.engine = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        self.buffer = b''
        self.pos = 0
        self.done = False
        self.unused = b''

    def read(self, size=-1):
        while not self.done and (size < 0 or len(self.buffer) - self.pos < size):
            raw = self.handle.read(CHUNK)
            if not raw:
                self.done = True
                break
            self.buffer = self.buffer[self.pos:] + self.engine.decompress(raw)
            self.pos = 0
            if self.engine.eof:
                self.unused = self.engine.unused_data
                self.done = True
        end = len(self.buffer) if size < 0 else min(len(self.buffer), self.pos + size)
        data = self.buffer[self.pos:end]
        self.pos = end
        return data


def _archives(stream, wanted, found):
    """Read the cpio archives of one uncompressed ``stream`` (several may follow each other, with zero
    padding between them) into ``found``; returns the first bytes after them that are not cpio."""
    while True:
        head = b''
        while True:
            byte = stream.read(1)
            if not byte:
                return b''
            if byte != b'\0':
                head = byte
                break
        head += cpio.read_head(stream, 5)
        if head[:6] not in (cpio.NEWC, cpio.NEWC_CRC) and head[:2] != cpio.BINARY_LE:
            return head
        for name, _mode, data in cpio.members(_Prefixed(head, stream), want_data=wanted):
            if data is not None:
                found[name] = data


class _Prefixed:
    def __init__(self, prefix, stream):
        self.prefix = prefix
        self.stream = stream

    def read(self, size=-1):
        if self.prefix:
            if size < 0:
                data, self.prefix = self.prefix + self.stream.read(), b''
                return data
            data, self.prefix = self.prefix[:size], self.prefix[size:]
            if len(data) < size:
                data += self.stream.read(size - len(data))
            return data
        return self.stream.read(size)


def zstd_frame_length(data, pos):
    """The length of the zstd frame (or skippable frame) at ``data[pos:]``, from its block headers."""
    magic = int.from_bytes(data[pos:pos + 4], 'little')
    if 0x184D2A50 <= magic <= 0x184D2A5F:
        return 8 + int.from_bytes(data[pos + 4:pos + 8], 'little')
    descriptor = data[pos + 4]
    fcs_flag, single, checksum, dict_flag = descriptor >> 6, (descriptor >> 5) & 1, (descriptor >> 2) & 1, descriptor & 3
    offset = pos + 5 + (0 if single else 1) + (0, 1, 2, 4)[dict_flag] + ((1 if single else 0), 2, 4, 8)[fcs_flag]
    while True:
        if offset + 3 > len(data):
            raise cpio.CpioError('the zstd frame of the initrd is cut short')
        header = int.from_bytes(data[offset:offset + 3], 'little')
        offset += 3 + (1 if (header >> 1) & 3 == 1 else header >> 3)
        if header & 1:
            break
    return offset + (4 if checksum else 0) - pos


def _zstd_segments(data, wanted, found, zstd):
    """The rest of an initrd from a zstd frame on: each frame decompressed with the zstd tool."""
    pos = 0
    while pos < len(data):
        if data[pos] == 0:
            pos += 1
            continue
        if cpio.compression_of(data[pos:pos + 6]) != 'zstd':
            _segments(_Prefixed(data[pos:], io.BytesIO(b'')), wanted, found, zstd)
            return
        length = zstd_frame_length(data, pos)
        try:
            proc = subprocess.run([zstd, '-dcq'], input=data[pos:pos + length], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, check=False)
        except OSError as exc:
            raise cpio.CpioError('cannot run %s to read a zstd-compressed initrd: %s; install zstd' % (zstd, exc)) from exc
        if proc.returncode != 0:
            raise cpio.CpioError('zstd cannot decompress the initrd: %s' % proc.stderr.decode('utf-8', 'replace').strip())
        _archives(io.BytesIO(proc.stdout), wanted, found)
        pos += length


def _segments(stream, wanted, found, zstd):
    while True:
        rest = _archives(stream, wanted, found)
        if not rest:
            return
        compression = cpio.compression_of(rest)
        if compression in ('gzip', 'xz'):
            inner = _Prefixed(rest, stream)
            inflating = _Inflating(inner, compression)
            _archives(inflating, wanted, found)
            while inflating.read(CHUNK):
                pass
            # what the decompressor read past its segment, then what neither wrapper handed out yet
            stream = _Prefixed(inflating.unused + inner.prefix, stream)
            continue
        if compression == 'zstd':
            _zstd_segments(rest + stream.read(), wanted, found, zstd)
        return


def read_files(path, names, zstd='zstd'):
    """``{name: data}`` of the members ``names`` of the initrd at local ``path`` (the last copy wins)."""
    found = {}
    with open(path, 'rb') as raw:
        _segments(_Prefixed(b'', raw), tuple(names), found, zstd)
    return found


def append_files(path, files):
    """Append a gzip-compressed newc archive of ``files`` (``[(name, mode, data)]``) to the initrd at
    local ``path``, after zero padding to a 4-byte boundary."""
    archive = gzip.compress(cpio.newc_archive(files), compresslevel=9, mtime=0)
    with open(path, 'r+b') as handle:
        handle.seek(0, io.SEEK_END)
        size = handle.tell()
        handle.write(b'\0' * ((4 - size % 4) % 4))
        handle.write(archive)
