# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Run mksquashfs and unsquashfs with reproducible flags.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re
import subprocess
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run

# compressor name -> inclusive range of -Xcompression-level, or None when the
# compressor takes no level in mksquashfs.
COMPRESSION_LEVELS = {
    'zstd': (1, 22),
    'xz': None,
    'gzip': (1, 9),
    'lz4': None,
    'lzo': (1, 9),
}

# SystemRescue and the kernel read squashfs blocks of 4 KiB .. 1 MiB.
MIN_BLOCK_SIZE = 4096
MAX_BLOCK_SIZE = 1024 * 1024

# Every timestamp in the image, and the image's own creation time.
FIXED_TIME = 0

PACKAGE_HINT = 'install the squashfs-tools package (apt-get install squashfs-tools, dnf install squashfs-tools)'


class SquashfsError(RescueFleetError):
    """A squashfs tool failed or cannot do what was asked; the message says what to do."""


def parse_block_size(value):
    """Return the block size in bytes from ``131072``, ``'128K'`` or ``'1M'``."""
    text = str(value).strip().upper()
    match = re.match(r'^(\d+)\s*([KM]?)I?B?$', text)
    if not match:
        raise SquashfsError('block_size %r is not a size: use bytes or a K/M suffix, e.g. 128K or 1M' % (value,))
    size = int(match.group(1)) * {'': 1, 'K': 1024, 'M': 1024 * 1024}[match.group(2)]
    if size < MIN_BLOCK_SIZE or size > MAX_BLOCK_SIZE or size & (size - 1):
        raise SquashfsError('block_size %r must be a power of two from 4K to 1M' % (value,))
    return size


def check_compression(compression, level):
    """Fail when ``level`` does not fit ``compression``."""
    if compression not in COMPRESSION_LEVELS:
        raise SquashfsError('compression %r is unknown; choose one of %s'
                            % (compression, ', '.join(sorted(COMPRESSION_LEVELS))))
    if level is None:
        return
    bounds = COMPRESSION_LEVELS[compression]
    if bounds is None:
        raise SquashfsError('compression %s takes no compression_level; remove the option' % compression)
    if not bounds[0] <= level <= bounds[1]:
        raise SquashfsError('compression_level %d is out of range for %s (%d..%d)'
                            % (level, compression, bounds[0], bounds[1]))


def build_command(mksquashfs, source_dir, output, compression='zstd', level=None,
                  block_size=128 * 1024, all_root=True):
    """The mksquashfs command line that makes a byte-reproducible image of ``source_dir``.

    Times are fixed, extended attributes and hard links are not stored (so the image does
    not depend on how the source tree was laid out on the build host), and nothing is
    appended to an existing file.
    """
    check_compression(compression, level)
    cmd = [
        mksquashfs, source_dir, output,
        '-noappend', '-no-progress', '-quiet', '-no-recovery',
        '-reproducible', '-mkfs-time', str(FIXED_TIME), '-all-time', str(FIXED_TIME),
        '-no-xattrs', '-no-hardlinks',
        '-comp', compression, '-b', str(block_size),
        '-root-mode', '755', '-root-uid', '0', '-root-gid', '0',
    ]
    if level is not None:
        cmd += ['-Xcompression-level', str(level)]
    if all_root:
        cmd.append('-all-root')
    return cmd


def _run(cmd, what):
    return run(cmd, SquashfsError, what=what, hint=PACKAGE_HINT).stdout


class Mksquashfs:
    """One mksquashfs binary: what it supports, and builds."""

    def __init__(self, path):
        self.path = path
        self._help = None

    def _help_text(self):
        if self._help is None:
            # -help exits 0 on squashfs-tools 4.5+, non-zero on older ones; read it either way.
            proc = subprocess.run([self.path, '-help'], stdin=subprocess.DEVNULL, check=False,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            self._help = proc.stdout.decode('utf-8', 'replace')
        return self._help

    def version(self):
        out = subprocess.run([self.path, '-version'], stdin=subprocess.DEVNULL, check=False,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout
        match = re.search(rb'version\s+(\S+)', out)
        return match.group(1).decode('ascii', 'replace') if match else 'unknown'

    def compressors(self):
        """The compressor names this binary was built with."""
        return sorted(set(parse_compressors(self._help_text())))

    def require_compression(self, compression):
        available = self.compressors()
        if available and compression not in available:
            raise SquashfsError('this mksquashfs (%s) has no %s compressor (it has: %s); choose another '
                                'compression or install a squashfs-tools built with %s'
                                % (self.path, compression, ', '.join(available), compression))

    def build(self, source_dir, output, **options):
        _run(build_command(self.path, source_dir, output, **options), 'mksquashfs')


def parse_compressors(help_text):
    """Compressor names from the 'Compressors available' block of ``mksquashfs -help``."""
    names = []
    in_block = False
    for line in help_text.splitlines():
        if 'Compressors available' in line:
            in_block = True
            continue
        if in_block:
            match = re.match(r'^\t{3,4}(\w+)(\s+\(default\))?\s*$', line)
            if not match:
                if names:
                    break
                continue
            names.append(match.group(1))
    return names


def list_image(unsquashfs, image):
    """Every path stored in ``image`` (absolute, the root itself left out), sorted."""
    out = _run([unsquashfs, '-d', '', '-l', image], 'unsquashfs')
    return sorted(line for line in out.splitlines() if line.startswith('/'))


def extract_image(unsquashfs, image, dest_dir):
    """Extract every file of ``image`` into the existing directory ``dest_dir``.

    Extended attributes are not restored (the images of this collection store none); owners are
    kept when running as root.
    """
    _run([unsquashfs, '-no-progress', '-quiet', '-no-xattrs', '-force', '-dest', dest_dir, image], 'unsquashfs')


# ``unsquashfs -lln`` lines: mode, uid/gid, size (``major,minor`` for devices), date, time, path[ -> target]
_LONG_LINE = re.compile(r'^(\S)\S*\s+\S+\s+(\S+)\s+\S+\s+\S+\s(/.*)$')


def list_content(unsquashfs, image):
    """``[(path, kind, size)]`` of every entry in ``image`` (kind ``-`` file, ``d``, ``l``, ...; size in
    bytes for regular files, else 0). Fails with :class:`SquashfsError` when ``image`` is no squashfs."""
    out = _run([unsquashfs, '-lln', '-d', '', image], 'unsquashfs')
    entries = []
    for line in out.splitlines():
        match = _LONG_LINE.match(line)
        if not match:
            continue  # the root itself (no path) and anything unsquashfs adds around the listing
        kind, size, path = match.groups()
        if kind == 'l':
            path = path.split(' -> ', 1)[0]
        entries.append((path, kind, int(size) if kind == '-' and size.isdigit() else 0))
    return entries
