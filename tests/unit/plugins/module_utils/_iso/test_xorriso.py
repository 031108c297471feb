# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""xorriso writes the remastered image through a pipe into the new file, hashed on the way (real xorriso)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._iso import image as isoimage
from ansible_collections.rescuefleet.media.plugins.module_utils._iso.xorriso import write_image

ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin'
MBR = '/usr/lib/ISOLINUX/isohdpfx.bin'

pytestmark = pytest.mark.skipif(not (shutil.which('xorriso') and shutil.which('mkfs.vfat') and os.path.exists(ISOLINUX)
                                     and os.path.exists(MBR)), reason='needs xorriso, dosfstools and isolinux')


@pytest.fixture(scope='module')
def hybrid_iso(tmp_path_factory):
    """A hybrid ISO as SystemRescue's: isolinux for BIOS, an EFI image, isohybrid MBR and GPT."""
    base = tmp_path_factory.mktemp('xorriso')
    tree = base / 'tree'
    for sub in ('isolinux', 'EFI', 'sysresccd'):
        (tree / sub).mkdir(parents=True)
    shutil.copy(ISOLINUX, str(tree / 'isolinux'))
    (tree / 'sysresccd' / 'airootfs.sfs').write_bytes(os.urandom(3 * 1024 * 1024))
    with open(str(tree / 'EFI' / 'efiboot.img'), 'wb') as handle:
        handle.truncate(2 * 1024 * 1024)
    subprocess.run(['mkfs.vfat', str(tree / 'EFI' / 'efiboot.img')], check=True, stdout=subprocess.DEVNULL)
    iso = base / 'src.iso'
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', str(iso), '-V', 'RESCUE1200', '-r', '-J', '-isohybrid-mbr', MBR,
                    '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
                    '-boot-info-table', '-eltorito-alt-boot', '-e', 'EFI/efiboot.img', '-no-emul-boot',
                    '-isohybrid-gpt-basdat', str(tree)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(iso)


def test_the_hash_is_the_written_file_and_it_boots_like_the_source(tmp_path, hybrid_iso):
    module = tmp_path / '10-tools.srm'
    module.write_bytes(b'hsqs' + os.urandom(100000))
    out = str(tmp_path / 'new.iso')
    digest = write_image(hybrid_iso, out, isoimage.read_volume(hybrid_iso), [(str(module), 'sysresccd/10-tools.srm')],
                         [])
    assert digest == sha256_file(out)
    assert isoimage.boot_records(out) == isoimage.boot_records(hybrid_iso)
    assert isoimage.boot_records(out)['el_torito'] == ['BIOS', 'UEFI'] and isoimage.boot_records(out)['gpt']
    assert isoimage.read_volume(out)['volume_id'] == 'RESCUE1200'
    listed = isoimage.listing(out, directories=['sysresccd'])
    assert listed['/sysresccd/10-tools.srm']['size'] == module.stat().st_size
    # one session from the first byte, as a pipe gets it: the same bytes as a regular file written with
    # -compliance no_emul_toc (no emulated table of contents in front)
    plain = str(tmp_path / 'plain.iso')
    subprocess.run(['xorriso', '-no_rc', '-compliance', 'no_emul_toc', '-indev', hybrid_iso, '-outdev', plain,
                    '-boot_image', 'any', 'replay', '-boot_image', 'any', 'gpt_disk_guid=volume_date_uuid',
                    '-uid', '0', '-gid', '0', '-map', str(module), '/sysresccd/10-tools.srm',
                    '-chmod', '0644', '/sysresccd/10-tools.srm', '--',
                    '-alter_date', 'b', '=%d' % isoimage.read_volume(hybrid_iso)['epoch'], '/sysresccd/10-tools.srm', '--',
                    '-alter_date', 'c', '=%d' % isoimage.read_volume(hybrid_iso)['epoch'], '/sysresccd/10-tools.srm', '--',
                    '-commit'], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert sha256_file(plain) == digest


def test_a_failing_xorriso_says_why(tmp_path, hybrid_iso):
    out = str(tmp_path / 'new.iso')
    with pytest.raises(isoimage.IsoError, match=r'xorriso writing the ISO .* failed \(exit \d+\): .*missing'):
        write_image(hybrid_iso, out, isoimage.read_volume(hybrid_iso), [(str(tmp_path / 'missing'), 'x/missing')], [])
