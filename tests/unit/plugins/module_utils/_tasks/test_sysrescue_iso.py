# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""sysrescue_iso on real ISO images made with xorriso (isolinux + an EFI image, isohybrid MBR, GPT)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

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

pytestmark = pytest.mark.skipif(not (shutil.which('xorriso') and shutil.which('mkfs.vfat') and shutil.which('mksquashfs')
                                     and os.path.exists(ISOLINUX)
                                     and os.path.exists(MBR) and os.path.exists(LDLINUX)),
                                reason='needs xorriso, dosfstools, isolinux and syslinux')


def make_hybrid_iso(tree, iso):
    """``tree`` as a bootable hybrid ISO like SystemRescue's: isolinux El Torito for BIOS, an EFI image, isohybrid
    MBR and GPT."""
    (tree / 'isolinux').mkdir(parents=True, exist_ok=True)
    (tree / 'EFI').mkdir(parents=True, exist_ok=True)
    shutil.copy(ISOLINUX, str(tree / 'isolinux'))
    shutil.copy(LDLINUX, str(tree / 'isolinux'))
    efi = tree / 'EFI' / 'efiboot.img'
    with open(str(efi), 'wb') as handle:
        handle.truncate(2 * 1024 * 1024)
    subprocess.run(['mkfs.vfat', str(efi)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', str(iso), '-V', 'RESCUE1200', '-r', '-J', '-isohybrid-mbr', MBR,
                    '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4',
                    '-boot-info-table', '-eltorito-alt-boot', '-e', 'EFI/efiboot.img', '-no-emul-boot',
                    '-isohybrid-gpt-basdat', str(tree)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return str(iso)


@pytest.fixture(scope='module')
def source_iso(tmp_path_factory):
    base = tmp_path_factory.mktemp('iso')
    tree = base / 'tree'
    for sub in ('sysresccd', 'isolinux', 'EFI/boot'):
        (tree / sub).mkdir(parents=True)
    (tree / 'sysresccd' / 'VERSION').write_text('12.00\n')
    (tree / 'sysresccd' / '05-Stock.srm').write_text('stock\n')
    (tree / 'isolinux' / 'isolinux.cfg').write_text('DEFAULT x\nAPPEND archisobasedir=sysresccd archisolabel=RESCUE1200\n')
    return make_hybrid_iso(tree, base / 'src.iso')


def make_srm(path, data):
    """A real module (a squashfs image holding ``data``): sysrescue_iso refuses anything else, as srm_deploy does."""
    tree = tempfile.mkdtemp(prefix='srm-tree-')
    try:
        with open(os.path.join(tree, 'data'), 'wb') as handle:
            handle.write(data)
        if os.path.exists(str(path)):
            os.unlink(str(path))
        subprocess.run(['mksquashfs', tree, str(path), '-quiet', '-no-progress', '-all-root', '-mkfs-time', '0',
                        '-all-time', '0'], check=True, stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(tree)


def params(tmp_path, src, dest='out.iso', **extra):
    srm = tmp_path / '10-tools.srm'
    if not srm.exists():
        make_srm(srm, b'tools' * 1000)
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
    make_srm(tmp_path / '10-tools.srm', b'new tools')
    changed = SysrescueIso(dict(p, files=[])).run()
    assert changed['changed'] and changed['removed'] == ['autorun/autorun0']
    medium = open_medium({'image': p['dest']}, writable=False)
    assert medium.read_bytes('sysresccd/10-tools.srm') == (tmp_path / '10-tools.srm').read_bytes()
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
    make_srm(tmp_path / '10-tools.srm', b'x')
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
            "lrwxrwxrwx    1 0        0               3 Nov 29 16:00 '/l' -> '/x'\n"
            # the El Torito boot catalog (xorriso extracts it as a regular file) and a FIFO
            "er--r--r--    1 0        0            2048 Jan  1  1970 '/isolinux/boot.cat'\n"
            "prw-r--r--    1 0        0               0 Nov 29 16:00 '/fifo'\n")
    assert isoimage.parse_lsdl(text) == {"/sysresccd/q'a b": {'type': 'file', 'size': 6},
                                         '/sysresccd': {'type': 'dir', 'size': 0},
                                         '/l': {'type': 'link', 'size': 0, 'target': '/x'},
                                         '/isolinux/boot.cat': {'type': 'file', 'size': 2048},
                                         '/fifo': {'type': 'other', 'size': 0}}


# -- a SystemRescue 12.00-shaped ISO: the real menus and the stock 100-defaults.yaml ------------------------
@pytest.fixture(scope='module')
def stock_iso(tmp_path_factory):
    fixtures = os.environ.get('RESCUEFLEET_FIXTURES') or os.path.join(
        os.path.dirname(__file__), '..', '..', '..', '..', '..', '..', 'shared', 'fixtures', 'systemrescue-12.00-media')
    if not os.path.isdir(fixtures):
        pytest.skip('SystemRescue fixtures not present at %s' % fixtures)
    base = tmp_path_factory.mktemp('stock')
    tree = base / 'tree'
    shutil.copytree(fixtures, str(tree), ignore=shutil.ignore_patterns('PROVENANCE.md'))
    (tree / 'sysresccd' / '05-old.srm').write_text('old\n')
    return make_hybrid_iso(tree, base / 'systemrescue.iso')


def stock_params(tmp_path, src, **extra):
    return params(tmp_path, src, **dict({'configs': [], 'files': []}, **extra))


def early_load_of(iso):
    """media_info's answer for the written ISO: {(file, label): early_load} of the SystemRescue entries."""
    from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.media_info import MediaInfo
    facts = MediaInfo({'media': {'image': iso}, 'basedir': 'sysresccd', 'verify': 'fast', 'cmdline': '',
                       'conflicts': False}).run()
    return dict(((s['file'], s['label'] or s['title']), s['early_load']) for s in facts['loadsrm'])


def test_srms_without_loading_turn_it_on_by_default(tmp_path, stock_iso):
    """docs/systemrescue.md 7: the stock 100-defaults.yaml says loadsrm: false, so a remaster that adds modules
    and nothing that turns loading on gives an ISO whose modules never load; sysrescue-customize writes
    sysrescue.d/200-customize.yaml with global: loadsrm: true whenever it adds a module. The default
    (loadsrm: enable) does the same, judged with the reader over the ISO's YAML and menus (2, 3b): every
    SystemRescue entry that boots from the medium then loads the modules; HTTP PXE entries load none anyway.
    Failed before: the modules were added and never loaded."""
    p = stock_params(tmp_path, stock_iso)
    check = SysrescueIso(p, check_mode=True, want_diff=True).run()
    assert check['changed'] and check['loadsrm_config'] == 'sysrescue.d/200-rescuefleet-loadsrm.yaml'
    assert check['added'] == ['sysresccd/10-tools.srm', 'sysrescue.d/200-rescuefleet-loadsrm.yaml']
    assert 'sysrescue.d/200-rescuefleet-loadsrm.yaml' in check['diff']['after']
    assert check['loadsrm'] and all(e['early_load'] for e in check['loadsrm'])
    assert {e['file'] for e in check['loadsrm']} >= {'boot/grub/grubsrcd.cfg', 'sysresccd/boot/syslinux/sysresccd_sys.cfg'}
    real = SysrescueIso(p).run()
    assert real['changed'] and real['added'] == check['added'] and real['loadsrm'] == check['loadsrm']
    medium = open_medium({'image': p['dest']}, writable=False)
    from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import load
    assert load(medium.read_bytes('sysrescue.d/200-rescuefleet-loadsrm.yaml')) == ({'global': {'loadsrm': True}}, None)
    answer = early_load_of(p['dest'])
    # every entry that boots from the medium loads the modules; the HTTP PXE entries cannot
    assert [k for k, on in answer.items() if not on] == [k for k in answer if k[0].endswith('sysresccd_pxe.cfg')
                                                         and k[1] != 'sysresccd_nfs' and k[1] != 'sysresccd_nbd']
    assert all(on for (f, _l), on in answer.items() if not f.endswith('_pxe.cfg'))
    again = SysrescueIso(p).run()
    assert not again['changed'] and again['loadsrm'] == real['loadsrm'] and again['loadsrm_config'] == real['loadsrm_config']
    assert not SysrescueIso(p, check_mode=True).run()['changed']


def test_warn_mode_only_warns(tmp_path, stock_iso):
    """The other choice (loadsrm: warn): nothing is added, a warning names every entry that will not load
    the modules, with the reader's reason."""
    p = stock_params(tmp_path, stock_iso, loadsrm='warn')
    task = SysrescueIso(p)
    result = task.run()
    assert result['loadsrm_config'] is None and result['added'] == ['sysresccd/10-tools.srm']
    assert not any(e['early_load'] for e in result['loadsrm'])
    text = '\n'.join(task.warnings)
    assert 'do not load from these boot entries' in text and "global.loadsrm is false in 100-defaults.yaml" in text
    assert not any(on for (f, _l), on in early_load_of(p['dest']).items() if not f.endswith('_pxe.cfg'))
    again = SysrescueIso(p)
    assert not again.run()['changed'] and any('do not load' in w for w in again.warnings)


def test_operator_decisions_are_kept(tmp_path, stock_iso):
    """configs that set global.loadsrm (to any value) are the operator's decision: nothing is added, and a
    warning says which entries will not load; an ISO whose YAML already turns loading on needs nothing."""
    off = stock_params(tmp_path, stock_iso, dest='off.iso',
                       configs=[{'name': '500-fleet.yaml', 'config': {'global': {'loadsrm': False}}}])
    task = SysrescueIso(off)
    result = task.run()
    assert result['loadsrm_config'] is None and 'sysrescue.d/200-rescuefleet-loadsrm.yaml' not in result['added']
    assert any('configs set global.loadsrm' in w for w in task.warnings)
    on = stock_params(tmp_path, stock_iso, dest='on.iso',
                      configs=[{'name': '500-fleet.yaml', 'config': {'global': {'loadsrm': 'yes'}}}])
    task = SysrescueIso(on)
    result = task.run()
    assert result['loadsrm_config'] is None and all(e['early_load'] for e in result['loadsrm'])
    assert not any('load' in w for w in task.warnings)
    # no modules added: nothing is judged
    plain = SysrescueIso(stock_params(tmp_path, stock_iso, dest='plain.iso', srms=[])).run()
    assert plain['loadsrm'] == [] and plain['loadsrm_config'] is None


def test_remove_files_of_the_source(tmp_path, stock_iso):
    """remove: files of the source ISO (an old SRM, a stock YAML) are left out of dest, four ways, with check
    mode and diff. With the stock 100-defaults.yaml gone nothing sets loadsrm, so the reader says the modules
    do not load (3b: no value, no bare loadsrm) and the default still turns it on."""
    p = stock_params(tmp_path, stock_iso, remove=['/sysresccd/05-old.srm', 'sysrescue.d/100-defaults.yaml'])
    check = SysrescueIso(p, check_mode=True, want_diff=True).run()
    assert check['changed'] and check['deleted'] == ['sysresccd/05-old.srm', 'sysrescue.d/100-defaults.yaml']
    assert 'sysresccd/05-old.srm deleted\n' in check['diff']['after'] and check['diff']['before'] == ''
    assert check['loadsrm_config'] == 'sysrescue.d/200-rescuefleet-loadsrm.yaml'
    assert not os.path.exists(p['dest'])
    real = SysrescueIso(p, want_diff=True).run()
    assert real['changed'] and real['deleted'] == check['deleted']
    medium = open_medium({'image': p['dest']}, writable=False)
    assert [e['name'] for e in medium.list_dir('sysrescue.d')] == ['200-rescuefleet-loadsrm.yaml']
    assert not medium.exists('sysresccd/05-old.srm') and medium.exists('sysresccd/10-tools.srm')
    assert isoimage.boot_records(p['dest']) == isoimage.boot_records(stock_iso)
    assert not SysrescueIso(p).run()['changed']
    assert not SysrescueIso(p, check_mode=True).run()['changed']
    # no longer removed: the file comes back
    back = SysrescueIso(dict(p, remove=['sysresccd/05-old.srm']), want_diff=True).run()
    assert back['changed'] and back['deleted'] == ['sysresccd/05-old.srm']
    assert 'sysrescue.d/100-defaults.yaml deleted' in back['diff']['before']
    assert open_medium({'image': p['dest']}, writable=False).exists('sysrescue.d/100-defaults.yaml')


@pytest.mark.parametrize('remove, message', [
    (['sysresccd/missing.srm'], 'not in the source ISO'),
    (['sysresccd/05-OLD.srm'], r'case-sensitive.*holds sysresccd/05-old\.srm|holds sysresccd/05-old\.srm'),
    (['sysresccd/boot'], 'is a directory'),
    (['isolinux/isolinux.bin'], 'boot image'),
    (['isolinux/boot.cat'], 'boot image'),
    (['sysresccd/10-tools.srm'], 'also added'),
    (['../etc/passwd'], 'remove'),
])
def test_bad_removals_fail_and_write_nothing(tmp_path, stock_iso, remove, message):
    p = stock_params(tmp_path, stock_iso, remove=remove)
    with pytest.raises(RescueFleetError, match=message):
        SysrescueIso(p, check_mode=True).run()
    with pytest.raises(RescueFleetError, match=message):
        SysrescueIso(p).run()
    assert sorted(os.listdir(str(tmp_path))) == ['10-tools.srm']


def test_bad_loadsrm_mode(tmp_path, stock_iso):
    with pytest.raises(RescueFleetError, match='loadsrm must be one of enable, warn'):
        SysrescueIso(stock_params(tmp_path, stock_iso, loadsrm='on')).run()


# -- issue 27: the module's own promises, kept ------------------------------------------------------------
def test_a_text_file_as_srm_is_refused_as_srm_deploy_refuses_it(tmp_path, source_iso):
    """srm_deploy refuses a module that is no squashfs; so does sysrescue_iso, check mode included (class 6)."""
    (tmp_path / '10-tools.srm').write_text('this is not a squashfs\n')
    p = params(tmp_path, source_iso)
    for check in (True, False):
        with pytest.raises(RescueFleetError) as refused:
            SysrescueIso(p, check_mode=check).run()
        message = str(refused.value)
        assert 'is not a squashfs image' in message and 'SystemRescue would skip it at boot' in message
        assert 'srm_build' in message and 'allow_non_squashfs' not in message  # an option sysrescue_iso lacks
    assert sorted(os.listdir(str(tmp_path))) == ['10-tools.srm']


def test_the_source_joliet_tree_is_kept(tmp_path, source_iso):
    """The source has a Joliet tree (-J): Windows reads long names from it. The new image has one too (class 6)."""
    assert isoimage.has_joliet(source_iso)
    p = params(tmp_path, source_iso)
    assert SysrescueIso(p).run()['changed']
    assert isoimage.has_joliet(p['dest'])
    with open(p['dest'], 'rb') as handle:  # Joliet stores names in UCS-2, big-endian: the long name as Windows sees it
        assert '10-tools.srm'.encode('utf-16-be') in handle.read()
    plain = tmp_path / 'plain-tree'
    (plain / 'sysresccd').mkdir(parents=True)
    (plain / 'sysresccd' / 'VERSION').write_text('12.00\n')
    no_joliet = str(tmp_path / 'no-joliet.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', no_joliet, '-V', 'RESCUE1200', '-r', str(plain)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert not isoimage.has_joliet(no_joliet)
    q = params(tmp_path, no_joliet, dest='plain-out.iso', files=[], configs=[], loadsrm='warn')
    SysrescueIso(q).run()
    assert not isoimage.has_joliet(q['dest'])


@pytest.mark.parametrize('text, says', [
    (b'global: {loadsrm: true\n', 'skips it'),
    (b'just a string\n', 'skips it'),
    (b'global:\n  loadsrm: ~\n', 'fails on it'),
])
def test_a_yaml_file_the_reader_cannot_use_is_refused(tmp_path, source_iso, text, says):
    """A raw file put into sysrescue.d/ is read as SystemRescue's reader reads it, as sysrescue_config reads the
    files beside its own (class 6)."""
    bad = tmp_path / 'fleet.yaml'
    bad.write_bytes(text)
    p = params(tmp_path, source_iso, files=[{'src': str(bad), 'dest': '/sysrescue.d/300-fleet.yaml'}])
    for check in (True, False):
        with pytest.raises(RescueFleetError, match='files\\[0\\] .* goes to sysrescue.d/300-fleet.yaml, which SystemRescue '
                                                   'reads as YAML, but its reader %s' % says):
            SysrescueIso(p, check_mode=check).run()
    assert not os.path.exists(p['dest'])
    ignored = params(tmp_path, source_iso, files=[{'src': str(bad), 'dest': '/sysrescue.d/300-fleet.yml'}])
    task = SysrescueIso(ignored, check_mode=True)
    task.run()
    assert any('300-fleet.yml, which SystemRescue does not read' in w for w in task.warnings)
