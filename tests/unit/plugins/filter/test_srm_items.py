# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rescuefleet.media.plugins.filter.srm_items import FilterModule, srm_items


def test_paths_become_mappings_in_order():
    assert srm_items(['/a/20-b.srm', '/a/10-a.srm']) == [{'src': '/a/20-b.srm'}, {'src': '/a/10-a.srm'}]
    assert srm_items(['/a/x.srm'], 'srm') == [{'srm': '/a/x.srm'}]
    assert srm_items([]) == []
    assert FilterModule().filters()['srm_items'] is srm_items


@pytest.mark.parametrize('paths, key, match', [
    ('/a/x.srm', 'src', 'expects a list'),
    (['/a/x.srm'], 'dest', 'key must be one of'),
    (['/a/x.srm', None], 'src', 'non-empty string'),
    ([''], 'src', 'non-empty string'),
])
def test_bad_input_is_refused(paths, key, match):
    with pytest.raises(AnsibleFilterError, match=match):
        srm_items(paths, key)
