# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sysrescue_config checks, on the controller, before a role writes anything (issue 27, class 12)."""
from __future__ import annotations

import pytest

from ansible_collections.rescuefleet.media.plugins.filter.sysrescue_problems import FilterModule, sysrescue_problems
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.sysrescue_config import SysrescueConfig


@pytest.mark.parametrize('config, name', [
    ({'global': {'late_load_srm': ['a.srm', 'b.srm']}}, '500-fleet.yaml'),
    ({'global': {'loadsrm': True}}, '500-fleet.yml'),
    ({'global': {'loadsrm': True}}, 'sub/500-fleet.yaml'),
    ('not a mapping', '500-fleet.yaml'),
])
def test_what_the_module_refuses_the_filter_names(tmp_path, config, name):
    problems = sysrescue_problems(config, name)
    assert problems
    with pytest.raises(RescueFleetError) as refused:
        SysrescueConfig({'path': str(tmp_path), 'name': name, 'config': config}).run()
    assert any(problem in str(refused.value) or str(refused.value) in problem for problem in problems)
    assert FilterModule().filters()['sysrescue_problems'] is sysrescue_problems


def test_a_good_configuration_has_no_problem(tmp_path):
    config = {'global': {'loadsrm': True, 'late_load_srm': 'http://x/10.srm'}, 'sysconfig': {'timezone': 'UTC'}}
    assert sysrescue_problems(config, '500-fleet.yaml') == [] and sysrescue_problems(config) == []
    assert SysrescueConfig({'path': str(tmp_path), 'name': '500-fleet.yaml', 'config': config}).run()['changed']


class Tagged(str):
    """Stands in for the string types Ansible hands to filters (templated, tagged): not a plain str."""


class TaggedDict(dict):
    pass


def test_the_types_ansible_hands_to_filters_are_read_as_plain_values():
    config = TaggedDict({Tagged('global'): TaggedDict({Tagged('late_load_srm'): Tagged('http://x/30.srm'),
                                                       Tagged('loadsrm'): True})})
    assert sysrescue_problems(config, Tagged('500-fleet.yaml')) == []
