# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``sysrescue_problems`` filter: what sysrescue_config would refuse in a configuration, known before any write."""

from __future__ import annotations

DOCUMENTATION = r'''
name: sysrescue_problems
short_description: What rescuefleet.media.sysrescue_config would refuse in a SystemRescue configuration
version_added: 0.1.0
description:
  - Gives the problems that make M(rescuefleet.media.sysrescue_config) refuse a configuration (a value SystemRescue's
    reader would not read as meant, such as a list as C(global.late_load_srm)), and with O(name) a file name it would
    refuse; an empty list when there is none. The checks are the module's own, run on the controller.
  - A role calls it before its first write, so that a configuration that would be refused halfway through
    (after an ISO was written or modules were deployed) is refused before anything changes, in the words of the
    role's variables.
options:
  _input:
    description: The configuration, as O(rescuefleet.media.sysrescue_config#module:config) takes it.
    type: raw
    required: true
  name:
    description: The file name, as O(rescuefleet.media.sysrescue_config#module:name) takes it.
    type: str
author:
  - rescuefleet.media contributors
'''

EXAMPLES = r'''
- name: Refuse a configuration before anything is written
  ansible.builtin.assert:
    that: usb_media_config | rescuefleet.media.sysrescue_problems | length == 0
    fail_msg: "usb_media_config: {{ usb_media_config | rescuefleet.media.sysrescue_problems | join('; ') }}"
'''

RETURN = r'''
_value:
  description: The problems, each a sentence that says what to change; empty when sysrescue_config would accept it.
  type: list
  elements: str
'''

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.config import check_yaml_name, render_reading
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.schema import validate


def _plain(value):
    """``value`` with Ansible's own string, mapping and sequence types (templated, tagged) made plain Python ones,
    as a module receives them through JSON: the YAML writer represents only those."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return dict((_plain(key), _plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def sysrescue_problems(config, name=None):
    config = _plain(config)
    name = None if name is None else str(name)
    problems = []
    if name is not None:
        try:
            check_yaml_name(name)
        except RescueFleetError as exc:
            problems.append(str(exc))
    errors, _warnings = validate(config if config is not None else {})
    problems.extend(errors)
    if not errors and isinstance(config, dict):
        try:
            render_reading(config)  # the writer's own refusals (a key given twice, ...)
        except RescueFleetError as exc:
            problems.append(str(exc))
    return problems


class FilterModule:

    def filters(self):
        return {'sysrescue_problems': sysrescue_problems}
