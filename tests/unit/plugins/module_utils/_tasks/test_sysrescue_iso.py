# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sysrescue_iso on real ISO images made with xorriso (isolinux + an EFI image, isohybrid MBR, GPT)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils import _hashing as hashing
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._iso import image as isoimage
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.sysrescue_iso import SysrescueIso
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium

ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin'
MBR = '/usr/lib/ISOLINUX/isohdpfx.bin'
LDLINUX = '/usr/lib/syslinux/modules/bios/ldlinux.c32'

pytestmark = pytest.mark.skipif(not (shutil.which('xorriso') and shutil.which('mkfs.vfat') and os.path.exists(ISOLINUX)
                                     and os.path.exists(MBR) and os.path.exists(LDLINUX)),
                                reason='needs xorriso, dosfstools, isolinux and syslinux')


@pytest.fixture(scope='module')
def source_iso(tmp_path_factory):
    base = tmp_path_factory.mktemp('iso')
    tree = base / 'tree'
    for sub in ('sysresccd', 'isolinux', 'EFI/boot'):
        (tree / sub).mkdir(parents=True)
    (tree / 'sysresccd' / 'VERSION').write_text('12.00\n')
    (tree / 'sysresccd' / '05-Stock.srm').write_text('stock\n')
    (tree / 'isolinux' / 'isolinux.cfg').write_text('DEFAULT x\nAPPEND archisobasedir=sysresccd archisolabel=RESCUE1200\n')
    shutil.copy(ISOLINUX, str(tree / 'isolinux'))
    shutil.copy(LDLINUX, str(tree / 'isolinux'))
    efi = tree / 'EFI' / 'efiboot.img'
    with open(str(efi), 'wb') as handle:
        handle.truncate(2 * 1024 * 1024)
    subprocess.run(['mkfs.vfat', str(efi)], check=True, stdout=subprocess.DEVNULL)
    iso = base / 'src.iso'
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', str(iso), '-V', 'RESCUE1200', '-r', '-J', '-isohybrid-mbr', MBR,
                    '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
                    '-boot-info-table', '-eltorito-alt-boot', '-e', 'EFI/efiboot.img', '-no-emul-boot',
                    '-isohybrid-gpt-basdat', str(tree)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(iso)


def params(tmp_path, src, dest='out.iso', **extra):
    srm = tmp_path / '10-tools.srm'
    if not srm.exists():
        srm.write_bytes(b'tools' * 1000)
    base = dict(src=src, dest=str(tmp_path / dest), basedir='sysresccd', srms=[{'src': str(srm)}],
                configs=[{'name': '500-fleet.yaml', 'config': {'global': {'loadsrm': True}}}],
                files=[{'src': str(srm), 'dest': '/autorun/autorun0'}], implant_md5=False)
    base.update(extra)
    return base


def test_four_ways_reproducible_and_boot_records_kept(tmp_path, source_iso):
    before = sha256_file(source_iso)
    p = params(tmp_path, source_iso)
    check = SysrescueIso(p, check_mode=True, want_diff=True).run()
    assert check['changed'] and not os.path.exists(p['dest'])
    assert check['added'] == ['sysresccd/10-tools.srm', 'sysrescue.d/500-fleet.yaml', 'autorun/autorun0']
    assert '10-tools.srm' in check['diff']['after']
    real = SysrescueIso(p).run()
    assert real['changed'] and real['added'] == check['added']
    assert real['boot'] == isoimage.boot_records(source_iso)
    assert real['boot']['el_torito'] == ['BIOS', 'UEFI'] and real['boot']['gpt']
    assert isoimage.read_volume(p['dest'])['volume_id'] == 'RESCUE1200'
    vol_src, vol_dest = isoimage.read_volume(source_iso), isoimage.read_volume(p['dest'])
    assert (vol_src['created'], vol_src['modified']) == (vol_dest['created'], vol_dest['modified'])
    again = SysrescueIso(p).run()
    assert not again['changed'] and again['dest_sha256'] == real['dest_sha256']
    assert not SysrescueIso(p, check_mode=True).run()['changed']
    other = SysrescueIso(dict(p, dest=str(tmp_path / 'other.iso'))).run()
    assert other['dest_sha256'] == real['dest_sha256']
    assert sha256_file(source_iso) == before


def test_noop_does_not_read_the_source(tmp_path, source_iso, monkeypatch):
    p = params(tmp_path, source_iso)
    SysrescueIso(p).run()
    read = []
    original = hashing.sha256_file
    monkeypatch.setattr(hashing, 'sha256_file', lambda path: read.append(path) or original(path))
    assert not SysrescueIso(p).run()['changed']
    assert source_iso not in read


def test_changed_addition_replaces_and_removal_is_reported(tmp_path, source_iso):
    p = params(tmp_path, source_iso)
    SysrescueIso(p).run()
    (tmp_path / '10-tools.srm').write_bytes(b'new tools')
    changed = SysrescueIso(dict(p, files=[])).run()
    assert changed['changed'] and changed['removed'] == ['autorun/autorun0']
    medium = open_medium({'image': p['dest']}, writable=False)
    assert medium.read_bytes('sysresccd/10-tools.srm') == b'new tools'
    assert not medium.exists('autorun/autorun0')
    assert medium.read_bytes('sysresccd/05-Stock.srm') == b'stock\n'


def test_iso_medium_is_read_only(tmp_path, source_iso):
    medium = open_medium({'image': source_iso}, writable=False)
    assert medium.describe()['label'] == 'RESCUE1200'
    assert [e['name'] for e in medium.list_dir('sysresccd')] == ['05-Stock.srm', 'VERSION']
    with pytest.raises(RescueFleetError, match='ISO9660'):
        medium.write_bytes('x', b'y')
    with pytest.raises(RescueFleetError, match='ISO9660'):
        open_medium({'image': source_iso}, writable=True)


@pytest.mark.parametrize('change, message', [
    (dict(srms=[{'src': 'SRM', 'name': 'tools.SRM'}]), 'must end in .srm'),
    (dict(srms=[{'src': 'SRM', 'name': '05-stock.srm'}]), 'differ only in case'),
    (dict(files=[{'src': 'SRM', 'dest': '/sysresccd/10-TOOLS.srm'}]), 'collide'),
    (dict(files=[{'src': 'SRM', 'dest': '/sysresccd'}]), 'directory'),
    (dict(configs=[{'name': 'x.yml', 'config': {}}]), 'yaml'),
    (dict(configs=[{'name': 'x.yaml', 'config': {'global': {'late_load_srm': ['a', 'b']}}}]), 'late_load_srm'),
])
def test_bad_input_fails_and_writes_nothing(tmp_path, source_iso, change, message):
    (tmp_path / '10-tools.srm').write_bytes(b'x')
    for key in ('srms', 'files'):
        for item in change.get(key, []):
            item['src'] = str(tmp_path / '10-tools.srm')
    p = params(tmp_path, source_iso, **change)
    with pytest.raises(RescueFleetError, match=message):
        SysrescueIso(p).run()
    assert sorted(os.listdir(str(tmp_path))) == ['10-tools.srm']


def test_not_an_iso_and_dest_is_src(tmp_path, source_iso):
    plain = tmp_path / 'plain.img'
    plain.write_bytes(b'\0' * 65536)
    with pytest.raises(RescueFleetError, match='not an ISO9660 image'):
        SysrescueIso(params(tmp_path, str(plain))).run()
    copy = str(tmp_path / 'copy.iso')
    shutil.copy(source_iso, copy)
    with pytest.raises(RescueFleetError, match='is src'):
        SysrescueIso(params(tmp_path, copy, dest='copy.iso')).run()


def test_parse_lsdl_quotes_and_types():
    text = ("-rw-r--r--    1 0        0               6 Nov 29 16:00 '/sysresccd/q'\"'\"'a b'\n"
            "dr-xr-xr-x    1 0        0               0 Nov 29 16:00 '/sysresccd'\n"
            "lrwxrwxrwx    1 0        0               3 Nov 29 16:00 '/l' -> '/x'\n")
    assert isoimage.parse_lsdl(text) == {"/sysresccd/q'a b": {'type': 'file', 'size': 6},
                                         '/sysresccd': {'type': 'dir', 'size': 0},
                                         '/l': {'type': 'link', 'size': 0, 'target': '/x'}}
