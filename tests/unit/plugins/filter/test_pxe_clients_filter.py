# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pxe_clients filter: inventory hosts as pxe_hosts' clients, with the module(s) each one loads, for
SystemRescue and dracut live trees; the srm_set_key filter beside it."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rescuefleet.media.plugins.filter.pxe_clients import FilterModule, pxe_clients
from ansible_collections.rescuefleet.media.plugins.filter.srm_set_key import srm_set_key

BUILT = {'10-a.srm': {'path': '/c/10-a.srm'}, '20-b.srm': {'path': '/c/20-b.srm'},
         '10-a+20-b.srm': {'path': '/c/combined/10-a+20-b.srm'}}
SETS = {'10-a.srm,20-b.srm': '10-a+20-b.srm'}


def test_each_host_gets_its_module():
    hostvars = {
        'one': {'pxe_mac': '52:54:00:00:00:01', 'pxe_modules': ['10-a.srm'], 'pxe_config': {'global': {'dovnc': True}}},
        'two': {'pxe_mac': '52:54:00:00:00:02', 'pxe_modules': ['20-b.srm', '10-a.srm', '20-b.srm']},
        'none': {'pxe_mac': '52:54:00:00:00:03'},
    }
    assert pxe_clients(['one', 'two', 'none'], hostvars, built=BUILT, sets=SETS) == [
        {'name': 'one', 'mac': '52:54:00:00:00:01', 'kernel_args': '', 'module': '10-a.srm',
         'config': {'global': {'dovnc': True}}},
        # several modules: the combined module of the set, whatever the order and repetitions
        {'name': 'two', 'mac': '52:54:00:00:00:02', 'kernel_args': '', 'module': '10-a+20-b.srm', 'config': {}},
        {'name': 'none', 'mac': '52:54:00:00:00:03', 'kernel_args': '', 'module': '', 'config': {}},
    ]
    assert FilterModule().filters()['pxe_clients'] is pxe_clients


def test_other_variable_names_and_a_missing_mac():
    hostvars = {'h': {'mac': 525400000001, 'mods': ['20-b.srm'], 'cfg': {'sysconfig': {}}}, 'i': {}}
    clients = pxe_clients(['h'], hostvars, mac_var='mac', modules_var='mods', config_var='cfg', built=BUILT)
    assert clients[0] == {'name': 'h', 'mac': '525400000001', 'kernel_args': '', 'module': '20-b.srm',
                          'config': {'sysconfig': {}}}
    # a missing or bad MAC is named with the variable the inventory sets (issue 27, class 7), before any write
    hostvars['j'] = {'mac': '52:54:00:zz:00:01'}
    with pytest.raises(AnsibleFilterError) as err:
        pxe_clients(['h', 'i', 'j'], hostvars, mac_var='mac', modules_var='mods', config_var='cfg', built=BUILT)
    assert "client hosts whose mac is not a MAC address" in str(err.value)
    assert "i (None), j ('52:54:00:zz:00:01'); set mac in their host variables" in str(err.value)


def test_every_problem_in_one_message():
    hostvars = {'a': {'pxe_modules': ['10-a.srm', '30-c.srm']}, 'b': {'pxe_modules': ['99-x.srm']},
                'c': {'pxe_modules': ['10-a.srm']}}
    with pytest.raises(AnsibleFilterError) as err:
        pxe_clients(['a', 'b', 'c'], hostvars, built=BUILT, sets=SETS)
    message = str(err.value)
    assert 'did not combine (run rescuefleet.media.srm_catalog' in message and ': a;' in message
    assert 'modules not in the catalog (srm_catalog_built): 99-x.srm (b)' in message
    assert '(c)' not in message


def test_the_set_key_is_the_one_srm_catalog_uses():
    assert srm_set_key(['20-b.srm', '10-a.srm', '20-b.srm']) == '10-a.srm,20-b.srm'
    assert srm_set_key(['20-b.srm', '10-a.srm'], combined=True) == '10-a+20-b.srm'
    for bad in ('10-a.srm', ['10-a.srm', ''], [None]):
        with pytest.raises(AnsibleFilterError):
            srm_set_key(bad)


HOSTVARS = {
    'ws01': {'pxe_mac': '52:54:00:00:00:01', 'pxe_modules': ['20-b.srm', '10-a.srm', '20-b.srm'],
             'pxe_config': {'global': {'setkmap': 'de'}}, 'pxe_kernel_args': 'console=ttyS0'},
}
SHA = {'10-a.srm': {'sha256': 'a' * 64}, '20-b.srm': {'sha256': 'b' * 64}}


def test_per_host_kernel_arguments():
    assert pxe_clients(['ws01'], HOSTVARS, built=BUILT, sets=SETS)[0]['kernel_args'] == 'console=ttyS0'


def test_live_clients_get_every_module_with_its_sha256():
    assert pxe_clients(['ws01'], HOSTVARS, built=SHA, system='dracut') == [
        {'name': 'ws01', 'mac': '52:54:00:00:00:01', 'kernel_args': 'console=ttyS0',
         'modules': [{'name': '20-b.srm', 'sha256': 'b' * 64}, {'name': '10-a.srm', 'sha256': 'a' * 64}]}]


def test_live_modules_the_catalog_lacks_are_named():
    with pytest.raises(AnsibleFilterError, match=r'modules not in the catalog \(srm_catalog_built\): 20-b.srm \(ws01\)'):
        pxe_clients(['ws01'], HOSTVARS, built={'10-a.srm': SHA['10-a.srm']}, system='dracut')
