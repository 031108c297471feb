# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The boot files of pxe_hosts: every loader uses the one command line and carries the marker."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._pxe import bootfiles
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.clients import Site, parse_clients

SITE = Site({'url': 'http://pxe.example.com/rescue/', 'kernel_args': 'iomem=relaxed',
             'initrds': ['boot/intel_ucode.img', 'boot/x86_64/sysresccd.img']})
CLIENT = parse_clients(SITE, [{'name': 'ws01', 'mac': '52:54:00:ab:00:01', 'module': '10-a.srm'}], {})[0]


def test_host_files_names_and_marker():
    files = bootfiles.host_files(SITE, CLIENT)
    assert [rel for _kind, rel, _text in files] == [
        'pxelinux.cfg/01-52-54-00-ab-00-01', 'grub/grub.cfg-01-52-54-00-ab-00-01', 'MAC-525400ab0001.ipxe',
        'MAC-52-54-00-ab-00-01.ipxe', 'HOSTNAME-ws01.ipxe']
    for _kind, _rel, text in files:
        assert bootfiles.MARKER in text
        assert SITE.cmdline(CLIENT) in text


def test_pxelinux_lines():
    text = bootfiles.pxelinux_host(SITE, CLIENT)
    assert '  LINUX http://pxe.example.com/rescue/sysresccd/boot/x86_64/vmlinuz\n' in text
    assert ('  INITRD http://pxe.example.com/rescue/sysresccd/boot/intel_ucode.img,'
            'http://pxe.example.com/rescue/sysresccd/boot/x86_64/sysresccd.img\n') in text
    assert '  SYSAPPEND 2\n' in text


def test_grub_over_http_and_tftp():
    assert '\tlinux (http,pxe.example.com)/rescue/sysresccd/boot/x86_64/vmlinuz ' in bootfiles.grub_host(SITE, CLIENT)
    tftp = Site({'url': 'http://pxe.example.com/', 'boot_url': '', 'initrds': ['boot/x86_64/sysresccd.img']})
    assert '\tlinux /sysresccd/boot/x86_64/vmlinuz ' in bootfiles.grub_host(tftp, CLIENT)


def test_ipxe_initrd_names_for_uefi():
    text = bootfiles.ipxe_host(SITE, CLIENT)
    assert text.startswith('#!ipxe\n')
    assert 'BOOTIF=01-52-54-00-ab-00-01 initrd=intel_ucode.img initrd=sysresccd.img\n' in text


def test_loaders_select_files():
    only = Site({'url': 'http://x/', 'loaders': ['grub']})
    assert [rel for _k, rel, _t in bootfiles.host_files(only, CLIENT)] == ['grub/grub.cfg-01-52-54-00-ab-00-01']
    assert [rel for _k, rel, _t in bootfiles.default_files(only)] == ['grub/grub.cfg']


def test_default_ipxe_chains_every_spelling():
    text = bootfiles.ipxe_default(SITE)
    for name in ('MAC-${mac:hexraw}.ipxe', 'MAC-${mac:hexhyp}.ipxe', 'HOSTNAME-${hostname}.ipxe'):
        assert name in text


@pytest.mark.skipif(not shutil.which('grub-script-check'), reason='grub-script-check (grub-common) is not installed')
def test_grub_files_parse(tmp_path):
    for name, text in (('host', bootfiles.grub_host(SITE, CLIENT)), ('default', bootfiles.grub_default(SITE))):
        path = tmp_path / name
        path.write_text(text)
        subprocess.run(['grub-script-check', str(path)], check=True)


LIVE = Site({'url': 'http://10.77.0.1/', 'system': 'dracut', 'menu_default': 'network', 'menu_timeout': 2,
             'kernel_args': 'root=live:http://10.77.0.1/LiveOS/squashfs.img rd.live.overlay.overlayfs=1 ip=dhcp'})
LIVE_CLIENT = parse_clients(LIVE, [{'name': 'a', 'mac': '52:54:00:15:00:0a',
                                    'modules': [{'name': '10-x.srm', 'sha256': 'c' * 64}]}], {})[0]


def test_live_ipxe_script():
    text = bootfiles.ipxe_host(LIVE, LIVE_CLIENT)
    assert ('kernel http://10.77.0.1/LiveOS/vmlinuz root=live:http://10.77.0.1/LiveOS/squashfs.img '
            'rd.live.overlay.overlayfs=1 ip=dhcp rd.loadsrm.url=http://10.77.0.1/srm/10-x.srm#sha256=' + 'c' * 64
            + ' BOOTIF=01-52-54-00-15-00-0a initrd=initrd.img\ninitrd http://10.77.0.1/LiveOS/initrd.img\nboot\n') in text
    assert '# a (52:54:00:15:00:0a): a live system over HTTP with 10-x.srm.\n' in text


def test_menu_default_picks_the_entry_every_loader_boots():
    assert '\nitem --default live_http Live system (HTTP, no modules)\n' in bootfiles.ipxe_default(LIVE)
    assert 'choose --timeout 2000 target' in bootfiles.ipxe_default(LIVE)
    assert bootfiles.pxelinux_default(LIVE).split('\n')[2] == 'DEFAULT live_http'
    assert 'set default=0\n' in bootfiles.grub_default(LIVE)
    # local: every loader boots the local disk after the timeout (GRUB's local entry is the second)
    assert '\nitem --default local Boot from the local disk\n' in bootfiles.ipxe_default(SITE)
    assert bootfiles.pxelinux_default(SITE).split('\n')[2] == 'DEFAULT local'
    assert 'set default=1\n' in bootfiles.grub_default(SITE)


def test_live_default_entry_has_no_module():
    for text in (bootfiles.ipxe_default(LIVE), bootfiles.pxelinux_default(LIVE), bootfiles.grub_default(LIVE)):
        assert 'rd.loadsrm' not in text and 'root=live:http://10.77.0.1/LiveOS/squashfs.img' in text


@pytest.mark.skipif(not shutil.which('grub-script-check'), reason='grub-script-check (grub-common) is not installed')
def test_live_grub_files_parse(tmp_path):
    for name, text in (('host', bootfiles.grub_host(LIVE, LIVE_CLIENT)), ('default', bootfiles.grub_default(LIVE))):
        path = tmp_path / name
        path.write_text(text)
        subprocess.run(['grub-script-check', str(path)], check=True)
