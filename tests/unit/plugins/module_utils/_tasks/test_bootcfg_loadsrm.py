# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import shutil

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.bootcfg_loadsrm import (
    LoadsrmRun, backup_name, build_changes,
)
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import MediumError
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium

GRUB_CHECK = shutil.which('grub-script-check')
GRUB = b"menuentry 'Rescue' {\n\tlinux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd\n}\n"
SYSLINUX = b'LABEL r\r\nLINUX boot/x86_64/vmlinuz\r\nAPPEND archisobasedir=sysresccd\r\n'


def make_medium(root):
    for path, data in (('boot/grub/grubsrcd.cfg', GRUB), ('sysresccd/boot/syslinux/sysresccd_sys.cfg', SYSLINUX)):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'wb') as handle:
            handle.write(data)
    return root


def snapshot(root):
    """Every file of the medium, by relative path."""
    out = {}
    for base, _dirs, files in os.walk(root):
        for name in files:
            with open(os.path.join(base, name), 'rb') as handle:
                out[os.path.relpath(os.path.join(base, name), root)] = handle.read()
    return out


def run(params, check_mode=False, diff=False):
    full = {'state': 'present', 'args': {}, 'kernel': None, 'titles': [], 'backup': False, 'validate_grub': True,
            'format': 'auto', 'files': None, 'media': None, 'path': None}
    full.update(params)
    job = LoadsrmRun(full, check_mode=check_mode, want_diff=diff, grub_check=GRUB_CHECK)
    result = job.run()
    result['warnings'] = job.warnings
    return result


def test_build_changes():
    assert build_changes('present', {'a': 'b', 'c': True, 'd': False, 'e': None, 'f': 3})[0] == \
        {'loadsrm': True, 'a': 'b', 'c': True, 'd': None, 'e': None, 'f': '3'}
    assert build_changes('absent', {})[0] == {'loadsrm': None}
    assert build_changes('keep', {'loadsrm': 'yes'})[0] == {'loadsrm': 'yes'}
    with pytest.raises(RescueFleetError, match='state'):
        build_changes('present', {'loadsrm': True})
    with pytest.raises(RescueFleetError, match='must be a string'):
        build_changes('present', {'a': [1]})
    with pytest.raises(RescueFleetError, match='whitespace'):
        build_changes('present', {'a b': True})


def test_backup_name_has_no_colon():
    taken = {'f.cfg.20261122T101500.bak'}
    name = backup_name('f.cfg', taken.__contains__, now=1795342500.0)
    assert ':' not in name and name.startswith('f.cfg.') and name.endswith('.bak') and name not in taken


def test_four_way_and_back(tmp_path):
    root = make_medium(str(tmp_path))
    original = snapshot(root)
    media = {'media': {'path': root}}
    result = run(media, check_mode=True, diff=True)
    assert result['changed'] and snapshot(root) == original
    assert [d['before_header'] for d in result['diff']] == ['boot/grub/grubsrcd.cfg',
                                                            'sysresccd/boot/syslinux/sysresccd_sys.cfg']
    result = run(media)
    assert result['changed']
    assert snapshot(root)['sysresccd/boot/syslinux/sysresccd_sys.cfg'] == SYSLINUX.replace(
        b'sysresccd\r\n', b'sysresccd loadsrm\r\n')
    assert not run(media)['changed']
    assert not run(media, check_mode=True)['changed']
    result = run(dict(media, state='absent'))
    assert result['changed']
    assert snapshot(root) == original


def test_backup_and_explicit_files(tmp_path):
    root = make_medium(str(tmp_path))
    result = run({'media': {'path': root}, 'files': ['/boot/grub/grubsrcd.cfg'], 'backup': True})
    assert [f['path'] for f in result['files']] == ['boot/grub/grubsrcd.cfg']
    assert len(result['backups']) == 1 and ':' not in result['backups'][0]
    with open(os.path.join(root, result['backups'][0]), 'rb') as handle:
        assert handle.read() == GRUB
    # the backup is not read as a boot config on the next run
    result = run({'media': {'path': root}})
    assert [f['path'] for f in result['files']] == ['boot/grub/grubsrcd.cfg', 'sysresccd/boot/syslinux/sysresccd_sys.cfg']


def test_missing_explicit_file(tmp_path):
    root = make_medium(str(tmp_path))
    with pytest.raises(RescueFleetError, match='does not exist'):
        run({'media': {'path': root}, 'files': ['boot/grub/nothere.cfg']})


def test_single_path(tmp_path):
    path = tmp_path / 'cmdline.txt'
    path.write_bytes(b'console=ttyS0 quiet\n')
    result = run({'path': str(path), 'args': {'quiet': False}})
    assert path.read_bytes() == b'console=ttyS0 loadsrm\n'
    assert result['files'][0]['format'] == 'cmdline'


@pytest.mark.skipif(not GRUB_CHECK, reason='grub-script-check is not installed')
def test_failing_grub_result_writes_nothing(tmp_path):
    root = make_medium(str(tmp_path))
    broken = os.path.join(root, 'boot/grub/broken.cfg')
    with open(broken, 'wb') as handle:
        handle.write(b'if true; then\n  linux /vmlinuz a\n')
    original = snapshot(root)
    with pytest.raises(RescueFleetError, match='fails grub-script-check.*already fails'):
        run({'media': {'path': root}})
    assert snapshot(root) == original
    result = run({'media': {'path': root}, 'validate_grub': False})
    assert result['changed']


def test_selected_problem_entry_fails_without_writing(tmp_path):
    root = make_medium(str(tmp_path))
    with open(os.path.join(root, 'sysresccd/boot/syslinux/extra.cfg'), 'wb') as handle:
        handle.write(b'LABEL a\nLINUX boot/x86_64/vmlinuz\nAPPEND -\n')
    original = snapshot(root)
    with pytest.raises(RescueFleetError, match='APPEND -'):
        run({'media': {'path': root}})
    assert snapshot(root) == original


def test_nothing_found_warns(tmp_path):
    result = run({'media': {'path': str(tmp_path)}})
    assert not result['changed'] and result['files'] == []
    assert 'no boot config' in result['warnings'][0]


def test_missing_media_directory(tmp_path):
    with pytest.raises(RescueFleetError, match='not a directory'):
        run({'media': {'path': str(tmp_path / 'nope')}})


@pytest.mark.parametrize('check_mode', [True, False])
def test_read_only_medium_is_refused(tmp_path, monkeypatch, check_mode):
    """A medium the media layer calls read-only (an ISO9660 stick, a read-only mount) is refused in
    check mode as in a real run, and nothing is written."""
    root = make_medium(str(tmp_path))
    original = snapshot(root)

    def refuse(self):
        raise MediumError('the medium at %s is mounted read-only. It is an ISO9660 medium' % self.root)

    monkeypatch.setattr(DirectoryMedium, 'check_writable', refuse)
    with pytest.raises(RescueFleetError, match='ISO9660'):
        run({'media': {'path': root}}, check_mode=check_mode)
    assert snapshot(root) == original


def test_http_pxe_entry_warns_only_when_loadsrm_is_added(tmp_path):
    """SystemRescue loads no early SRMs when it boots with archiso_http_srv=: say so when this run adds
    loadsrm there, and stay quiet on later runs that change nothing (every stock menu has such entries)."""
    root = str(tmp_path / 'pxe')
    path = os.path.join(root, 'sysresccd/boot/syslinux/sysresccd_pxe.cfg')
    os.makedirs(os.path.dirname(path))
    with open(path, 'wb') as handle:
        handle.write(b'LABEL http\nLINUX boot/x86_64/vmlinuz\n'
                     b'APPEND archisobasedir=sysresccd archiso_http_srv=http://10.0.0.1/ ip=dhcp\n')
    first = run({'media': {'path': root}})
    assert first['changed'] and any('boots over HTTP PXE' in w for w in first['warnings'])
    again = run({'media': {'path': root}})
    assert not again['changed'] and not any('HTTP PXE' in w for w in again['warnings'])


def test_passwords_given_as_kernel_arguments_are_secrets(tmp_path):
    """rootpass= as an argument, or already on an edited line, goes to Ansible's no_log values, so it is
    masked in the results and the diff (it used to be printed in both)."""
    root = make_medium(str(tmp_path / 'm'))
    full = {'state': 'keep', 'args': {'rootpass': 'hunter2 x', 'vncpass': True}, 'kernel': None, 'titles': [],
            'backup': False, 'validate_grub': True, 'format': 'auto', 'files': None, 'media': {'path': root},
            'path': None}
    job = LoadsrmRun(full, want_diff=True, grub_check=GRUB_CHECK)
    result = job.run()
    assert result['changed'] and 'hunter2 x' in job.secrets
    again = LoadsrmRun(dict(full, args={'loadsrm': True}), grub_check=GRUB_CHECK)
    again.run()
    assert 'hunter2 x' in again.secrets  # found on the line it edits, though not given this time


@pytest.mark.parametrize('name, data', [
    ('sysresccd/boot/syslinux/sysresccd_sys.cfg',
     b'LABEL r\nLINUX boot/x86_64/vmlinuz\nAPPEND archisobasedir=sysresccd rootpass="oops\n'),
    ('boot.ipxe', b'#!ipxe\nkernel http://10.0.0.1/sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd "oops\n'
                  b'initrd http://10.0.0.1/sysresccd/boot/x86_64/sysresccd.img\nboot\n'),
])
def test_a_stray_quote_is_refused_and_the_file_kept(tmp_path, name, data):
    """An edit after an unclosed quote lands inside the quoted text: loadsrm was added again on every
    run, and on iPXE the new argument went onto a line of its own after boot."""
    root = str(tmp_path / 'm')
    full = os.path.join(root, name)
    os.makedirs(os.path.dirname(full))
    with open(full, 'wb') as handle:
        handle.write(data)
    for check_mode in (True, False):
        with pytest.raises(RescueFleetError, match='never closed'):
            run({'media': {'path': root}}, check_mode=check_mode)
    assert snapshot(root) == {name: data}


def test_an_empty_files_list_is_refused(tmp_path):
    """files: [] used to edit every discovered menu."""
    root = make_medium(str(tmp_path / 'm'))
    before = snapshot(root)
    with pytest.raises(RescueFleetError, match='files is an empty list'):
        run({'media': {'path': root}, 'files': []})
    assert snapshot(root) == before
