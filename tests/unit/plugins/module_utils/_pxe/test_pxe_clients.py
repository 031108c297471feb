# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Client model, validation and the one kernel command line of pxe_hosts."""

from __future__ import annotations

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.clients import (
    PxeError, Site, deep_merge, normalize_mac, parse_clients)

URL = 'http://pxe.example.com/'


def site(**extra):
    params = {'url': URL, 'kernel_args': 'iomem=relaxed', 'initrds': ['boot/x86_64/sysresccd.img']}
    params.update(extra)
    return Site(params)


@pytest.mark.parametrize('text', ['52:54:00:AB:00:01', '52-54-00-ab-00-01', '525400ab0001', '5254.00ab.0001'])
def test_mac_spellings(text):
    assert normalize_mac(text) == '525400ab0001'


@pytest.mark.parametrize('text', ['', '52:54:00:ab:00', '52:54:00:ab:00:zz', None, 525400, '52:54:00:ab:00:01:02'])
def test_bad_macs(text):
    assert normalize_mac(text) is None


def test_deep_merge_keeps_base():
    base = {'global': {'a': 1}, 'sysconfig': {'timezone': 'UTC'}}
    out = deep_merge(base, {'global': {'b': 2}})
    assert out == {'global': {'a': 1, 'b': 2}, 'sysconfig': {'timezone': 'UTC'}}
    assert base == {'global': {'a': 1}, 'sysconfig': {'timezone': 'UTC'}}


def test_client_config_and_module():
    clients = parse_clients(site(), [
        {'name': 'ws01', 'mac': '52:54:00:AB:00:01', 'module': '10-a.srm', 'config': {'global': {'setkmap': 'de'}}},
        {'name': 'ws02', 'mac': '525400ab0002', 'module': 'https://srm.example.com/x.srm'},
        {'name': 'ws03', 'mac': '525400ab0003'},
    ], {'sysconfig': {'timezone': 'UTC'}})
    assert clients[0].config == {'global': {'setkmap': 'de', 'late_load_srm': URL + 'srm/10-a.srm'},
                                 'sysconfig': {'timezone': 'UTC'}}
    assert clients[1].module == 'https://srm.example.com/x.srm'
    assert clients[2].config == {'sysconfig': {'timezone': 'UTC'}}
    assert clients[0].mac_dashed == '52-54-00-ab-00-01'


def test_every_problem_in_one_message():
    with pytest.raises(PxeError) as info:
        parse_clients(site(), [
            {'name': 'ws01', 'mac': '52:54:00:ab:00:01'},
            {'name': 'ws02', 'mac': 'nonsense'},
            {'name': 'ws03', 'mac': '52-54-00-ab-00-01'},
            {'name': 'ws04', 'mac': '525400ab0004'},
            {'name': 'ws04', 'mac': '525400ab0005'},
            {'name': '../etc', 'mac': '525400ab0006'},
            {'name': 'ws07\n', 'mac': '525400ab0007'},
        ], {})
    message = str(info.value)
    assert isinstance(info.value, RescueFleetError)
    assert "ws02: MAC address 'nonsense'" in message
    assert '52:54:00:ab:00:01 (ws01, ws03)' in message
    assert 'ws04 (2 times)' in message
    assert "name '../etc' must be a hostname" in message
    assert "name 'ws07\\n' must be a hostname" in message


def test_site_problems():
    with pytest.raises(PxeError, match='url .* must be an http'):
        parse_clients(site(url='ftp://x/'), [], {})
    with pytest.raises(PxeError, match='url .* must be an http'):
        parse_clients(site(url='http://pxe.example.com/\n'), [], {})
    with pytest.raises(PxeError, match='hosts_dir'):
        parse_clients(site(hosts_dir='../x'), [], {})


def test_one_cmdline():
    clients = parse_clients(site(), [{'name': 'ws01', 'mac': '525400ab0001', 'kernel_args': ' nomodeset ',
                                      'ip': '10.0.0.5::10.0.0.1:255.255.255.0:ws01:eth0:none'}], {})
    assert site().cmdline(clients[0]) == (
        'archisobasedir=sysresccd archiso_http_srv=http://pxe.example.com/ '
        'ip=10.0.0.5::10.0.0.1:255.255.255.0:ws01:eth0:none sysrescuecfg=http://pxe.example.com/hosts/ws01.yaml '
        'iomem=relaxed nomodeset')
    assert site().cmdline() == 'archisobasedir=sysresccd archiso_http_srv=http://pxe.example.com/ ip=dhcp iomem=relaxed'


def test_boot_urls_over_tftp():
    client = parse_clients(site(boot_url=''), [{'name': 'a', 'mac': '525400ab0001', 'module': 'm.srm'}], {})[0]
    assert site(boot_url='').boot_urls(client) == [URL + 'sysresccd/x86_64/airootfs.sfs', URL + 'hosts/a.yaml',
                                                   URL + 'srm/m.srm']


# -- dracut live clients ----------------------------------------------------------------------
LIVE_ARGS = 'root=live:http://pxe.example.com/LiveOS/squashfs.img rd.live.overlay.overlayfs=1 ip=dhcp rd.neednet=1'
SUM_A = 'a' * 64
SUM_B = 'B' * 64


def live_site(**extra):
    params = {'url': URL, 'system': 'dracut', 'kernel_args': LIVE_ARGS}
    params.update(extra)
    return Site(params)


def test_live_site_defaults_to_the_dracut_media_tree():
    live = live_site()
    assert (live.kernel, live.initrd_paths()) == ('LiveOS/vmlinuz', ['LiveOS/initrd.img'])
    assert not live.writes_yaml and live.title == 'Live system'
    assert (site().kernel, site().writes_yaml) == ('sysresccd/boot/x86_64/vmlinuz', True)


def test_live_cmdline_carries_each_module_with_its_sha256():
    live = live_site()
    client = parse_clients(live, [{'name': 'a', 'mac': '52:54:00:00:00:0a', 'kernel_args': 'console=ttyS0',
                                   'modules': [{'name': '20-y.srm', 'sha256': SUM_A},
                                               {'name': 'http://other.example.com/m/10-x.srm', 'sha256': SUM_B}]}],
                           {})[0]
    assert live.cmdline(client) == (
        LIVE_ARGS + ' rd.loadsrm.url=http://pxe.example.com/srm/20-y.srm#sha256=' + SUM_A
        + ' rd.loadsrm.url=http://other.example.com/m/10-x.srm#sha256=' + SUM_B.lower() + ' console=ttyS0')
    # the default entry: the arguments every client needs, no module
    assert live.cmdline() == LIVE_ARGS
    assert live.boot_urls(client) == [
        'http://pxe.example.com/LiveOS/vmlinuz', 'http://pxe.example.com/LiveOS/initrd.img',
        'http://pxe.example.com/LiveOS/squashfs.img', 'http://pxe.example.com/srm/20-y.srm',
        'http://other.example.com/m/10-x.srm']


def test_live_clients_refuse_what_only_systemrescue_reads():
    with pytest.raises(PxeError) as failure:
        parse_clients(live_site(), [
            {'name': 'a', 'mac': '52:54:00:00:00:0a', 'module': '10-x.srm', 'config': {'global': {'nofirewall': True}},
             'ip': '10.0.0.5::10.0.0.1:255.255.255.0:a:eth0:none'},
            {'name': 'b', 'mac': '52:54:00:00:00:0b',
             'modules': [{'name': '10-x.srm', 'sha256': 'abc'}, {'name': '20-y.srm'}]},
            {'name': 'c', 'mac': '52:54:00:00:00:0c',
             'modules': [{'name': '10-x.srm', 'sha256': SUM_A}, {'name': '10-x.srm', 'sha256': SUM_A}]},
        ], {'sysconfig': {'timezone': 'UTC'}})
    message = str(failure.value)
    for part in ("a: module is SystemRescue's late_load_srm", 'a: config is SystemRescue configuration',
                 'a: ip is for SystemRescue', 'b: module 10-x.srm needs its sha256', 'b: module 20-y.srm needs its sha256',
                 'c: module 10-x.srm is listed twice', 'default_config is SystemRescue configuration'):
        assert part in message


def test_systemrescue_clients_refuse_a_module_list():
    with pytest.raises(PxeError, match='SystemRescue loads one module late'):
        parse_clients(site(), [{'name': 'a', 'mac': '52:54:00:00:00:0a',
                                'modules': [{'name': '10-x.srm', 'sha256': SUM_A}]}], {})


def test_live_site_problems():
    assert 'kernel_args must name the live root' in ' '.join(live_site(kernel_args='console=ttyS0').check())
    assert 'kernel' in ' '.join(live_site(kernel='../vmlinuz').check())
    assert 'menu_default' in ' '.join(site(menu_default='disk').check())
