# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pxe_clients filter: inventory hosts as pxe_hosts clients, for SystemRescue and dracut live trees."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rescuefleet.media.plugins.filter.pxe_clients import FilterModule, pxe_clients

BUILT = {'10-a.srm': {'sha256': 'a' * 64}, '20-b.srm': {'sha256': 'b' * 64}, '10-a+20-b.srm': {'sha256': 'c' * 64}}
SETS = {'10-a.srm,20-b.srm': '10-a+20-b.srm'}
HOSTVARS = {
    'ws01': {'pxe_mac': '52:54:00:00:00:01', 'pxe_modules': ['20-b.srm', '10-a.srm', '20-b.srm'],
             'pxe_config': {'global': {'setkmap': 'de'}}, 'pxe_kernel_args': 'console=ttyS0'},
    'ws02': {'pxe_mac': '52:54:00:00:00:02'},
}


def test_systemrescue_clients_get_the_combined_module_and_their_configuration():
    assert pxe_clients(['ws01', 'ws02'], HOSTVARS, built=BUILT, sets=SETS) == [
        {'name': 'ws01', 'mac': '52:54:00:00:00:01', 'kernel_args': 'console=ttyS0', 'module': '10-a+20-b.srm',
         'config': {'global': {'setkmap': 'de'}}},
        {'name': 'ws02', 'mac': '52:54:00:00:00:02', 'kernel_args': '', 'module': '', 'config': {}}]
    assert FilterModule().filters()['pxe_clients'] is pxe_clients


def test_live_clients_get_every_module_with_its_sha256():
    assert pxe_clients(['ws01'], HOSTVARS, built=BUILT, system='dracut') == [
        {'name': 'ws01', 'mac': '52:54:00:00:00:01', 'kernel_args': 'console=ttyS0',
         'modules': [{'name': '20-b.srm', 'sha256': 'b' * 64}, {'name': '10-a.srm', 'sha256': 'a' * 64}]}]


def test_modules_the_catalog_lacks_are_named():
    with pytest.raises(AnsibleFilterError, match=r'modules not in the catalog \(srm_catalog_built\): 20-b.srm \(ws01\)'):
        pxe_clients(['ws01'], HOSTVARS, built={'10-a.srm': BUILT['10-a.srm']}, system='dracut')
    with pytest.raises(AnsibleFilterError, match='did not combine'):
        pxe_clients(['ws01'], HOSTVARS, built=BUILT)
