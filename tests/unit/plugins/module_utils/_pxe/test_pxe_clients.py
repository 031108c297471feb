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
        ], {})
    message = str(info.value)
    assert isinstance(info.value, RescueFleetError)
    assert "ws02: MAC address 'nonsense'" in message
    assert '52:54:00:ab:00:01 (ws01, ws03)' in message
    assert 'ws04 (2 times)' in message
    assert "name '../etc' must be a hostname" in message


def test_site_problems():
    with pytest.raises(PxeError, match='url .* must be an http'):
        parse_clients(site(url='ftp://x/'), [], {})
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
