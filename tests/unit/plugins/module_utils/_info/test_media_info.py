# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""media_info: SRM inventory and conflicts, boot entries with their loadsrm, YAML, label, and that
nothing on the medium changes, on directories and on FAT images."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._info import boot_entries as boot
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import inventory as inv
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._info.media_info import read_yaml_files
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.media_info import MediaInfo

SQUASH_TOOLS = all(shutil.which(t) for t in ('mksquashfs', 'unsquashfs'))

GRUB = r'''set default=0
if [ -z "$archiso_param" ]; then
    archiso_param="archisolabel=RESCUE1200"
fi
eval "
menuentry 'Rescue default' {
    linux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd \$archiso_param iomem=relaxed
}
menuentry 'Rescue without modules' {
    linux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd \$archiso_param loadsrm=n
}
menuentry 'Rescue quoted' {
    linux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd \$archiso_param setkmap=\"de latin1\"
}
"
menuentry 'Memory test' {
    linux /EFI/memtest.efi keyboard=both
}
'''

SYS = '''INCLUDE boot/syslinux/head.cfg

LABEL rescue
MENU LABEL Rescue from the stick
LINUX boot/x86_64/vmlinuz
APPEND archisobasedir=sysresccd archisolabel=RESCUE1200 iomem=relaxed

LABEL rescue_srm
MENU LABEL Rescue with modules
LINUX boot/x86_64/vmlinuz
APPEND archisobasedir=sysresccd archisolabel=RESCUE1200 loadsrm rootpass=hunter2

LABEL rescue_other
MENU LABEL Rescue from another basedir
LINUX boot/x86_64/vmlinuz
APPEND archisobasedir=otherdir archisolabel=RESCUE1200 loadsrm=yes loadsrm=off

LABEL chain
MENU LABEL Boot the disk
COM32 boot/syslinux/chain.c32
APPEND hd0 0
'''

PXE = '''LABEL http
MENU LABEL Rescue over HTTP
LINUX boot/x86_64/vmlinuz
APPEND archisobasedir=sysresccd archiso_http_srv=http://${pxeserver}/ loadsrm

LABEL nfs
MENU LABEL Rescue over NFS
LINUX boot/x86_64/vmlinuz
APPEND archisobasedir=sysresccd archiso_nfs_srv=${pxeserver}:/srv/rescue
'''

DEFAULTS = b'---\nglobal:\n    copytoram: false\n    loadsrm: false\nsysconfig:\n    bash_history:\n        100: setkmap\n'
FLEET = b'---\nglobal:\n    loadsrm: true\n    rootpass: s3cret\n'


def write(root, rel, data):
    path = os.path.join(str(root), rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as handle:
        handle.write(data if isinstance(data, bytes) else data.encode('utf-8'))
    return path


def make_tree(root, fleet=True):
    """A small SystemRescue-shaped medium: menus, YAML, two loadable SRMs and look-alikes."""
    write(root, 'boot/grub/grubsrcd.cfg', GRUB)
    write(root, 'sysresccd/boot/syslinux/sysresccd_sys.cfg', SYS)
    write(root, 'sysresccd/boot/syslinux/sysresccd_pxe.cfg', PXE)
    write(root, 'sysrescue.d/100-defaults.yaml', DEFAULTS)
    if fleet:
        write(root, 'sysrescue.d/500-fleet.yaml', FLEET)
    write(root, 'sysrescue.d/300-old.yml', b'global:\n    dostartx: true\n')
    write(root, 'sysrescue.d/400-broken.yaml', b'global: [unclosed\n')
    write(root, 'sysresccd/10-a.srm', b'A' * 100)
    write(root, 'sysresccd/20-b.srm', b'B' * 200)
    write(root, 'sysresccd/30-UP.SRM', b'C')
    write(root, 'sysresccd/x86_64/40-deep.srm', b'D')
    return str(root)


def tree_state(root):
    """Every path under ``root`` with its type, mode, size and sha256."""
    state = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(base, name)
            st = os.lstat(path)
            digest = None
            if os.path.isfile(path):
                with open(path, 'rb') as handle:
                    digest = hashlib.sha256(handle.read()).hexdigest()
            state[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return state


def file_sha(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def run_info(media, **params):
    params = dict({'media': media, 'basedir': 'sysresccd', 'verify': 'fast', 'conflicts': False, 'cmdline': ''},
                  **params)
    task = MediaInfo(params, unsquashfs=shutil.which('unsquashfs'))
    return task.run(), task


def entry(result, title):
    found = [e for e in result['boot_entries'] if e['title'] == title]
    assert len(found) == 1, [e['title'] for e in result['boot_entries']]
    return found[0]


def build_srm(tmp_path, name, files):
    src = tmp_path / ('src-' + name)
    for rel, data in files.items():
        write(src, rel, data)
    out = str(tmp_path / name)
    subprocess.run(['mksquashfs', str(src), out, '-noappend', '-quiet', '-comp', 'gzip', '-all-root'], check=True,
                   stdout=subprocess.DEVNULL)
    return out


# -- SRMs ------------------------------------------------------------------------------------

def test_split_names_orders_by_bytes_and_explains_look_alikes():
    entries = [{'name': n, 'type': 'file', 'size': 1} for n in ('b.srm', 'B.srm', '_x.srm', 'a.SRM', 'notes.txt',
                                                                '.srm', 'é.srm')]
    entries.append({'name': 'dir.srm', 'type': 'dir', 'size': 0})
    loaded, ignored = inv.split_names(entries)
    assert [e['name'] for e in loaded] == ['B.srm', '_x.srm', 'b.srm', 'é.srm']
    assert [name for name, _reason in ignored] == ['.srm', 'a.SRM', 'dir.srm']
    assert 'dot' in ignored[0][1] and 'lower case' in ignored[1][1] and 'directory' in ignored[2][1]


def test_inventory_uses_the_index_only_when_the_size_matches(tmp_path):
    root = make_tree(tmp_path / 'usb')
    fake = 'f' * 64
    write(root, 'sysresccd/.rescuefleet-srm.json', json.dumps({
        '10-a.srm': {'size': 100, 'sha256': fake},
        '20-b.srm': {'size': 999, 'sha256': fake},
    }))
    medium = DirectoryMedium(root, writable=False)
    srms, ignored = inv.inventory(medium, 'sysresccd', 'fast')
    assert [(s['name'], s['sha256'], s['sha256_from']) for s in srms] == [
        ('10-a.srm', fake, 'index'),
        ('20-b.srm', hashlib.sha256(b'B' * 200).hexdigest(), 'computed'),
    ]
    assert [i['name'] for i in ignored] == ['30-UP.SRM']
    full, _ignored = inv.inventory(medium, 'sysresccd', 'full')
    assert full[0]['sha256'] == hashlib.sha256(b'A' * 100).hexdigest() and full[0]['sha256_from'] == 'computed'
    with pytest.raises(inv.InventoryError, match='fast or full'):
        inv.inventory(medium, 'sysresccd', 'quick')


def test_leaf_paths_leave_out_parents():
    assert inv.leaf_paths(['/etc', '/etc/motd', '/etc/empty', '/usr', '/usr/bin', '/usr/bin/x']) == [
        '/etc/motd', '/etc/empty', '/usr/bin/x']


def test_find_conflicts_first_module_wins_and_directories_merge():
    listings = [
        ('10-a.srm', ['/etc', '/etc/motd', '/opt', '/opt/tool']),
        ('20-b.srm', ['/etc', '/etc/motd', '/etc/other', '/opt']),
        ('30-c.srm', ['/etc', '/etc/motd', '/opt', '/opt/tool', '/opt/tool/inside']),
    ]
    assert inv.find_conflicts(listings) == [
        {'path': '/etc/motd', 'srms': ['10-a.srm', '20-b.srm', '30-c.srm'], 'winner': '10-a.srm'},
        # /opt is an empty directory in 20-b only: it merges, but flagging it costs nothing
        {'path': '/opt', 'srms': ['10-a.srm', '20-b.srm', '30-c.srm'], 'winner': '10-a.srm'},
        # a file in 10-a and a directory in 30-c: the file hides the directory
        {'path': '/opt/tool', 'srms': ['10-a.srm', '30-c.srm'], 'winner': '10-a.srm'},
    ]
    assert inv.find_conflicts([('a.srm', ['/x']), ('b.srm', ['/y'])]) == []


@pytest.mark.skipif(not SQUASH_TOOLS, reason='squashfs-tools are needed')
@pytest.mark.parametrize('backend', ['directory', 'fat'])
def test_conflicts_of_real_modules(tmp_path, fat_image, backend):
    root = make_tree(tmp_path / 'usb')
    os.unlink(os.path.join(root, 'sysresccd/10-a.srm'))
    os.unlink(os.path.join(root, 'sysresccd/20-b.srm'))
    shutil.copy(build_srm(tmp_path, 'zz-site.srm', {'etc/motd': 'site', 'etc/site.conf': 'x'}),
                os.path.join(root, 'sysresccd/20-site.srm'))
    shutil.copy(build_srm(tmp_path, 'tools.srm', {'etc/motd': 'tools', 'usr/bin/tool': '#!/bin/sh\n'}),
                os.path.join(root, 'sysresccd/10-tools.srm'))
    write(root, 'sysresccd/30-broken.srm', b'not a squashfs')
    media = {'path': root} if backend == 'directory' else {'image': fat_image(tree=root)}
    before = tree_state(root) if backend == 'directory' else file_sha(media['image'])
    result, task = run_info(media, conflicts=True)
    assert result['conflicts'] == [{'path': '/etc/motd', 'srms': ['10-tools.srm', '20-site.srm'],
                                    'winner': '10-tools.srm'}]
    counts = {s['name']: s.get('paths') for s in result['srms']}
    assert counts == {'10-tools.srm': 5, '20-site.srm': 3, '30-broken.srm': None}
    assert any('30-broken.srm' in w and 'skip' in w for w in task.warnings)
    after = tree_state(root) if backend == 'directory' else file_sha(media['image'])
    assert before == after


def test_conflicts_without_unsquashfs_fail_with_advice(tmp_path):
    root = make_tree(tmp_path / 'usb')
    params = {'media': {'path': root}, 'conflicts': True}
    with pytest.raises(RescueFleetError, match='squashfs-tools'):
        MediaInfo(params, unsquashfs=None).run()


# -- boot entries and loadsrm -------------------------------------------------------------------

def test_loadsrm_per_entry_from_yaml_and_command_line(tmp_path):
    root = make_tree(tmp_path / 'usb')
    result, _task = run_info({'path': root})
    default = entry(result, 'Rescue default')
    assert default['file'] == 'boot/grub/grubsrcd.cfg' and default['format'] == 'grub'
    assert default['args'] == 'archisobasedir=sysresccd $archiso_param iomem=relaxed'
    assert (default['loadsrm'], default['loadsrm_from'], default['early_load']) == (True, '500-fleet.yaml', True)
    off = entry(result, 'Rescue without modules')
    assert (off['loadsrm'], off['loadsrm_from'], off['early_load']) == (False, 'kernel command line', False)
    assert "'n'" in off['reason']
    assert entry(result, 'Rescue quoted')['args'].endswith('setkmap="de latin1"')
    memtest = entry(result, 'Memory test')
    assert memtest['sysrescue'] is False and memtest['early_load'] is None
    srm = entry(result, 'Rescue with modules')
    assert srm['label'] == 'rescue_srm' and srm['early_load'] and srm['loadsrm_from'] == 'kernel command line'
    assert 'hunter2' not in srm['args'] and 'rootpass=********' in srm['args']
    # the last occurrence wins: loadsrm=yes loadsrm=off
    assert entry(result, 'Rescue from another basedir')['early_load'] is False
    http = entry(result, 'Rescue over HTTP')
    assert http['boot'] == 'http_pxe' and http['loadsrm'] is True and http['early_load'] is False
    assert 'late_load_srm' in http['reason']
    nfs = entry(result, 'Rescue over NFS')
    assert nfs['boot'] == 'nfs_pxe' and nfs['early_load'] is True
    assert 'Boot the disk' not in [e['title'] for e in result['boot_entries']]
    summary = {s['title']: s['early_load'] for s in result['loadsrm']}
    assert summary['Rescue default'] is True and 'Memory test' not in summary and len(summary) == 8


def test_without_yaml_setting_nothing_loads_unless_the_entry_asks(tmp_path):
    root = make_tree(tmp_path / 'usb', fleet=False)
    os.unlink(os.path.join(root, 'sysrescue.d/100-defaults.yaml'))
    result, _task = run_info({'path': root})
    default = entry(result, 'Rescue default')
    assert (default['loadsrm'], default['loadsrm_from'], default['early_load']) == (False, None, False)
    assert 'not set' in default['reason']
    assert entry(result, 'Rescue with modules')['early_load'] is True


def test_extra_cmdline_applies_to_every_entry_and_reads_sysrescuecfg(tmp_path):
    root = make_tree(tmp_path / 'usb', fleet=False)
    write(root, 'sysrescue.d/host.cfg', b'global:\n    loadsrm: true\n    setkmap: us\n')
    result, _task = run_info({'path': root}, cmdline='sysrescuecfg=host.cfg')
    assert entry(result, 'Rescue default')['loadsrm_from'] == 'host.cfg'
    assert entry(result, 'Rescue default')['early_load'] is True
    assert entry(result, 'Rescue without modules')['early_load'] is False  # its own loadsrm=n still wins
    assert result['effective']['global']['setkmap'] == 'us'
    assert result['yaml']['sources'] == ['100-defaults.yaml', 'host.cfg']
    forced, _task = run_info({'path': root}, cmdline='loadsrm')
    assert all(s['early_load'] for s in forced['loadsrm'] if s['title'] != 'Rescue over HTTP')


def test_basedir_mismatch_is_reported(tmp_path):
    root = make_tree(tmp_path / 'usb')
    _result, task = run_info({'path': root})
    assert any('archisobasedir=otherdir' in w for w in task.warnings)


def test_entry_tokens_and_rendering():
    assert boot.render_tokens([('a', True), ('b', ''), ('vncpass', 'x y'), ('c', 'd e')]) == \
        'a b="" vncpass=******** c="d e"'
    assert boot.boot_mode([('archiso_http_srv', 'x'), ('archiso_nbd_srv', 'y')]) == 'nbd_pxe'
    assert boot.boot_mode([('ip', 'dhcp')]) == 'medium'


# -- YAML, label, medium ------------------------------------------------------------------------

def test_yaml_files_applied_and_ignored_with_secrets_masked(tmp_path):
    root = make_tree(tmp_path / 'usb')
    os.makedirs(os.path.join(root, 'sysrescue.d/600-dir.yaml'))
    write(root, 'sysrescue.d/README', b'notes')
    result, task = run_info({'path': root})
    assert result['yaml']['applied'] == ['100-defaults.yaml', '500-fleet.yaml']
    reasons = {i['name']: i['reason'] for i in result['yaml']['not_applied']}
    assert set(reasons) == {'300-old.yml', '400-broken.yaml', '600-dir.yaml', 'README'}
    assert '.yml' in reasons['300-old.yml'] and 'YAML' in reasons['400-broken.yaml']
    assert result['effective']['global'] == {'copytoram': False, 'loadsrm': True, 'rootpass': '********'}
    assert 's3cret' not in json.dumps(result) and 'hunter2' not in json.dumps(result)
    assert any('300-old.yml' in w for w in task.warnings)
    assert task.secrets == []
    _result, task = run_info({'path': root}, cmdline='rootpass=p4ss vncpass=')
    assert task.secrets == ['p4ss']


def test_read_yaml_files_reads_only_yaml_names(tmp_path):
    root = make_tree(tmp_path / 'usb')
    write(root, 'sysrescue.d/big.bin', b'\0' * 10)
    files, skipped = read_yaml_files(DirectoryMedium(root, writable=False))
    assert dict(files)['big.bin'] == b'' and dict(files)['100-defaults.yaml'] == DEFAULTS and skipped == []


def test_yaml_names_the_reader_takes_are_read_whatever_their_case(tmp_path):
    """docs/systemrescue.md 3: sysrescue.d/ files whose name matches ``.[Yy][Aa][Mm][Ll]$`` are read, also
    ``300-fleetyaml`` or ``x-yaml``. Failed before: media_info read only names ending in .yaml/.yml and
    reported ``600-fleetyaml`` as an empty file that SystemRescue skips."""
    root = make_tree(tmp_path / 'usb', fleet=False)
    write(root, 'sysrescue.d/500-FLEET.YAML', b'global:\n    loadsrm: true\n')
    write(root, 'sysrescue.d/600-fleetyaml', b'global:\n    dovnc: true\n')
    write(root, 'sysrescue.d/700-Mixed.YaMl', b'global:\n    setkmap: de\n')
    result, _task = run_info({'path': root})
    assert result['yaml']['applied'] == ['100-defaults.yaml', '500-FLEET.YAML', '600-fleetyaml', '700-Mixed.YaMl']
    assert result['effective']['global'] == {'copytoram': False, 'loadsrm': True, 'dovnc': True, 'setkmap': 'de'}
    assert entry(result, 'Rescue default')['loadsrm_from'] == '500-FLEET.YAML'


def test_sysrescuecfg_absolute_path_on_the_medium(tmp_path):
    """docs/systemrescue.md 3: sysrescuecfg= takes an absolute path; the reader runs with the medium at
    /run/archiso/bootmnt. Failed before: any absolute path was taken for a path of the live system and not
    read, so the entry's loadsrm was reported off."""
    root = make_tree(tmp_path / 'usb', fleet=False)
    write(root, 'hosts/web01.yaml', b'global:\n    loadsrm: true\n')
    result, task = run_info({'path': root}, cmdline='sysrescuecfg=/run/archiso/bootmnt/hosts/web01.yaml')
    assert entry(result, 'Rescue default')['early_load'] is True
    assert entry(result, 'Rescue default')['loadsrm_from'] == '/run/archiso/bootmnt/hosts/web01.yaml'
    assert result['effective']['global']['loadsrm'] is True
    assert not any('may be incomplete' in w for w in task.warnings)
    result, task = run_info({'path': root}, cmdline='sysrescuecfg=/etc/web01.yaml')
    assert entry(result, 'Rescue default')['early_load'] is False
    assert any('may be incomplete' in w for w in task.warnings)


def test_pxe_http_tree_file_is_the_effective_configuration(tmp_path):
    """docs/systemrescue.md 5: an HTTP PXE entry reads no sysrescue.d; its YAML comes from
    sysrescuecfg=http://server/host.yaml, a file of the tree archiso_http_srv= serves. Failed before: the URL
    was never read, so the effective configuration of a PXE HTTP tree was reported empty ([])."""
    root = str(tmp_path / 'http')
    write(root, 'pxelinux.cfg/01-52-54-00-12-34-56',
          'DEFAULT rescue\nLABEL rescue\nLINUX sysresccd/boot/x86_64/vmlinuz\nAPPEND archisobasedir=sysresccd '
          'archiso_http_srv=http://pxe.example.com/rescue/ ip=dhcp sysrescuecfg=http://pxe.example.com/rescue/hosts/'
          'web01.yaml\n')
    write(root, 'hosts/web01.yaml', b'global:\n    late_load_srm: "http://pxe.example.com/rescue/srm/x.srm"\n'
                                    b'    loadsrm: true\n')
    cmdline = 'archiso_http_srv=http://pxe.example.com/rescue/ sysrescuecfg=http://pxe.example.com/rescue/hosts/web01.yaml'
    result, task = run_info({'path': root}, cmdline=cmdline)
    assert result['effective'] == {'global': {'late_load_srm': 'http://pxe.example.com/rescue/srm/x.srm',
                                              'loadsrm': True}}
    assert result['yaml']['sources'] == ['http://pxe.example.com/rescue/hosts/web01.yaml']
    rescue = entry(result, 'rescue')
    assert rescue['boot'] == 'http_pxe' and rescue['loadsrm'] is True and rescue['early_load'] is False
    assert rescue['loadsrm_from'] == 'http://pxe.example.com/rescue/hosts/web01.yaml'
    assert not any('may be incomplete' in w for w in task.warnings)


def test_directory_run_changes_nothing(tmp_path):
    root = make_tree(tmp_path / 'usb')
    write(root, 'sysresccd/.10-a.srm.rf-tmp-abc', b'half')
    before = tree_state(root)
    result, task = run_info({'path': root}, verify='full')
    assert tree_state(root) == before
    assert result['changed'] is False
    assert result['medium']['kind'] == 'directory' and result['medium']['table'] is None
    assert [s['name'] for s in result['srms']] == ['10-a.srm', '20-b.srm']
    assert 'conflicts' not in result
    assert result['label']['expected'] == 'RESCUE1200' and result['label']['label_ok'] is None
    assert any('interrupted run' in w for w in task.warnings)
    assert any('30-UP.SRM' in w for w in task.warnings)


def test_missing_basedir_is_a_warning(tmp_path):
    root = make_tree(tmp_path / 'usb')
    result, task = run_info({'path': root}, basedir='nothere')
    assert result['srms'] == [] and any('nothere/ does not exist' in w for w in task.warnings)


def test_fat_image_facts_and_byte_identity(tmp_path, fat_image):
    root = make_tree(tmp_path / 'usb')
    image = fat_image(tree=root)
    before = file_sha(image)
    result, task = run_info({'image': image})
    assert file_sha(image) == before
    medium = result['medium']
    assert (medium['kind'], medium['fstype'], medium['table'], medium['partition']) == ('fat-image', 'vfat', 'dos', 1)
    assert medium['size'] > 60 * 1024 * 1024 and 0 < medium['free'] < medium['size'] and medium['writable'] is True
    assert result['label']['label'] == 'RESCUE1200' and result['label']['label_ok'] is True
    assert [(s['name'], s['size']) for s in result['srms']] == [('10-a.srm', 100), ('20-b.srm', 200)]
    assert result['srms'][1]['sha256'] == hashlib.sha256(b'B' * 200).hexdigest()
    assert entry(result, 'Rescue default')['early_load'] is True
    assert result['yaml']['applied'] == ['100-defaults.yaml', '500-fleet.yaml']
    assert not any('label' in w for w in task.warnings)
    os.chmod(image, 0o444)
    again, _task = run_info({'image': image})
    assert again['medium']['writable'] is False
    assert {k: v for k, v in again.items() if k != 'medium'} == {k: v for k, v in result.items() if k != 'medium'}


def test_wrong_label_is_reported(tmp_path, fat_image):
    root = make_tree(tmp_path / 'usb')
    image = fat_image(tree=root, label='OLDLABEL')
    result, task = run_info({'image': image})
    assert result['label']['label'] == 'OLDLABEL' and result['label']['label_ok'] is False
    assert any('would not boot' in w for w in task.warnings)


def test_copy_out_streams_a_file_of_the_image(tmp_path, fat_image):
    root = make_tree(tmp_path / 'usb')
    medium = open_medium({'image': fat_image(tree=root)}, writable=False)
    target = str(tmp_path / 'out.srm')
    medium.copy_out('sysresccd/20-b.srm', target)
    with open(target, 'rb') as handle:
        assert handle.read() == b'B' * 200


def test_iso_image_fails_with_advice(tmp_path):
    iso = tmp_path / 'rescue.iso'
    iso.write_bytes(b'\0' * (16 * 2048 + 1) + b'CD001' + b'\0' * 4096)
    before = file_sha(str(iso))
    with pytest.raises(RescueFleetError, match='ISO9660.*media.path'):
        run_info({'image': str(iso)})
    assert file_sha(str(iso)) == before


def test_bad_values_fail_and_leave_the_medium_alone(tmp_path):
    root = make_tree(tmp_path / 'usb')
    before = tree_state(root)
    with pytest.raises(RescueFleetError, match='fast or full'):
        run_info({'path': root}, verify='sometimes')
    with pytest.raises(RescueFleetError, match='does not exist'):
        run_info({'image': str(tmp_path / 'missing.img')})
    with pytest.raises(RescueFleetError, match='not a directory'):
        run_info({'path': os.path.join(root, 'nope')})
    with pytest.raises(RescueFleetError, match='\\.\\.'):
        run_info({'path': root}, basedir='../etc')
    assert tree_state(root) == before
