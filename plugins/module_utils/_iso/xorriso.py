# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The xorriso command that writes a remastered ISO, and the MD5 implant for the media check.

``xorriso -indev SRC -outdev NEW -boot_image any replay -map FILE /path ... -commit`` copies the
source's files and maps the additions into the new image without extracting anything, and replays
the source's boot setup: the BIOS and UEFI El Torito entries, the isohybrid MBR and the GPT. For the
same bytes on every run:

- added files and the directories created for them get owner 0, fixed modes and the dates of the
  source volume (``-alter_date b`` and ``c``), never the time of the run or of the local file;
- the GPT disk GUID (otherwise random) is derived from the volume date
  (``gpt_disk_guid=volume_date_uuid``);
- the volume dates are the source's: xorriso keeps them when it loads the image with ``-indev``
  (the tests check it, because GRUB and blkid use the modification date as the filesystem UUID).

xorriso writes the image into a pipe (``-outdev stdio:/dev/fd/N``), from which it is copied into the
output file and hashed on the way: the image is read once, as it is written, instead of hashed again
afterwards. A pipe is sequential, so xorriso writes one plain session from the first byte (no emulated
table of contents at the start of the file, which it adds to a regular file and writes last, after the
rest); the image is then the same as ``-compliance no_emul_toc`` gives on a regular file, and as
``xorriso -as mkisofs`` (and so SystemRescue's own build) makes.

xorriso keeps the source's Rock Ridge tree, but writes a Joliet tree only when told (``-joliet on``): a
source that has one (the long names Windows and some firmware show) gets one again.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import copy_hashing
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.image import XORRISO_HINT, IsoError, iso_path
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run, tail

PIPE_SIZE = 1024 * 1024
IMPLANT_HINT = 'install isomd5sum (apt-get install isomd5sum, dnf install isomd5sum) or leave implant_md5 off'


def build_command(src, out, volume, additions, new_dirs, removals=(), joliet=False):
    """The xorriso argv. ``additions``: ``[(local_file, medium_path)]``; ``new_dirs``: medium paths of
    the directories the additions create (parents first); ``removals``: medium paths of files of the source
    left out; ``volume``: :func:`..image.read_volume`; ``joliet``: write a Joliet tree (the source has one)."""
    stamp = '=%d' % volume['epoch']
    # -pacifier interval=0.1: xorriso notices the end of the write at its next progress message (one a second
    # by default), so the shortest interval ends the run up to a second earlier
    cmd = ['xorriso', '-no_rc', '-abort_on', 'FAILURE', '-return_with', 'SORRY', '32', '-pacifier', 'interval=0.1',
           '-indev', src, '-outdev', out,
           '-boot_image', 'any', 'replay',
           '-boot_image', 'any', 'gpt_disk_guid=volume_date_uuid',
           '-uid', '0', '-gid', '0']
    if joliet:
        cmd += ['-joliet', 'on']
    if removals:
        cmd += ['-rm'] + [iso_path(p) for p in removals] + ['--']
    for local, path in additions:
        cmd += ['-map', local, iso_path(path)]
    targets = [(iso_path(d), '0755') for d in new_dirs] + [(iso_path(p), '0644') for _local, p in additions]
    for target, mode in targets:
        cmd += ['-chmod', mode, target, '--',
                '-alter_date', 'b', stamp, target, '--',
                '-alter_date', 'c', stamp, target, '--']
    cmd += ['-commit']
    return cmd


def write_image(src, out, volume, additions, new_dirs, removals=(), joliet=False):
    """Run xorriso with its image streamed into the new file ``out``; returns the image's sha256. Raises
    :class:`IsoError` with xorriso's last lines when it fails (and ``OSError`` when ``out`` cannot be written)."""
    read_end, write_end = os.pipe()
    try:
        # a larger pipe than the default 64 KiB: fewer switches between xorriso and the copy
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (AttributeError, OSError):
        pass  # not Linux, or a lower limit in /proc/sys/fs/pipe-max-size: the default works, a little slower
    with tempfile.TemporaryFile() as messages:
        try:
            proc = subprocess.Popen(build_command(src, 'stdio:/dev/fd/%d' % write_end, volume, additions, new_dirs,
                                                  removals, joliet),
                                    stdin=subprocess.DEVNULL, stdout=messages, stderr=messages, pass_fds=(write_end,))
        except OSError as exc:
            os.close(read_end)
            raise IsoError('cannot run xorriso: %s; %s' % (exc.strerror or exc, XORRISO_HINT)) from exc
        finally:
            os.close(write_end)
        try:
            with open(read_end, 'rb', buffering=0) as stream, open(out, 'wb') as handle:
                digest = copy_hashing(stream, handle)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.wait() != 0:
            messages.seek(0)
            raise IsoError('xorriso writing the ISO (from %s) failed (exit %d): %s'
                           % (src, proc.returncode, tail(messages.read()) or 'no output'))
    return digest


def implant_md5(path):
    """Implant the MD5 that SystemRescue's and Fedora's media check (``checkisomd5``) verify; returns it."""
    proc = run(['implantisomd5', '--force', path], IsoError, what='implantisomd5 on %s' % path, hint=IMPLANT_HINT)
    for line in proc.stdout.splitlines():
        if line.strip().lower().startswith('md5 = '):
            return line.split('=', 1)[1].strip()
    return None
