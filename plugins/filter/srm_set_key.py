# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``srm_set_key`` filter: the key under which srm_catalog shares the combined module of a set of modules."""

from __future__ import annotations

DOCUMENTATION = r'''
name: srm_set_key
short_description: The key of a set of module names, as srm_catalog_sets uses it
version_added: 0.1.0
description:
  - Gives each name once, in sorted order, joined with commas (V(10-tools.srm,20-keys.srm)). That is the key
    under which the C(rescuefleet.media.srm_catalog) role builds and shares the combined module of a set
    (C(srm_catalog_sets)), and under which the C(rescuefleet.media.pxe_clients) filter looks a client's set up.
  - With O(combined=true), gives the file name of that combined module instead (V(10-tools+20-keys.srm)).
  - The one place where the key is made, instead of C(sort) and C(join) in every template that needs it.
options:
  _input:
    description: The module names.
    type: list
    elements: str
    required: true
  combined:
    description: Give the file name of the combined module instead of the key.
    type: bool
    default: false
author:
  - rescuefleet.media contributors
'''

EXAMPLES = r'''
- name: The combined module of this host's modules
  ansible.builtin.debug:
    msg: "{{ srm_catalog_sets[pxe_modules | rescuefleet.media.srm_set_key] }}"
'''

RETURN = r'''
_value:
  description: The key (names joined with commas), or the combined module's file name.
  type: str
  sample: 10-tools.srm,20-keys.srm
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import combined_module_name, module_set_key


def srm_set_key(names, combined=False):
    if isinstance(names, (str, bytes)) or not hasattr(names, '__iter__'):
        raise AnsibleFilterError('srm_set_key expects a list of module names, not %s' % type(names).__name__)
    names = list(names)
    if not all(isinstance(name, str) and name for name in names):
        raise AnsibleFilterError('srm_set_key: every module name must be a non-empty string, not %r' % (names,))
    return combined_module_name(names) if combined else module_set_key(names)


class FilterModule:

    def filters(self):
        return {'srm_set_key': srm_set_key}
