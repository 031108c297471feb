# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``srm_items`` filter: module paths as the mappings that ``srms`` and ``sources`` take."""

from __future__ import annotations

DOCUMENTATION = r'''
name: srm_items
short_description: Turn a list of module paths into the mappings that srms and sources take
version_added: 0.1.0
description:
  - Each path becomes a mapping with one key, so that a list of SRM paths can be handed to
    M(rescuefleet.media.srm_deploy)'s O(rescuefleet.media.srm_deploy#module:srms) (key V(src)) or to
    M(rescuefleet.media.srm_build)'s O(rescuefleet.media.srm_build#module:sources) (key V(srm)).
  - The roles use it instead of building JSON strings in Jinja.
options:
  _input:
    description: The paths.
    type: list
    elements: str
    required: true
  key:
    description: The key each path is stored under.
    type: str
    default: src
    choices: [src, srm]
author:
  - rescuefleet.media contributors
'''

EXAMPLES = r'''
- name: Deploy the modules a host needs
  rescuefleet.media.srm_deploy:
    media: {image: /var/lib/rescue/stick.img}
    srms: "{{ ['/srv/srm/10-tools.srm', '/srv/srm/20-keys.srm'] | rescuefleet.media.srm_items }}"

- name: Combine two modules into one
  rescuefleet.media.srm_build:
    dest: /srv/srm/combined.srm
    sources: "{{ ['/srv/srm/10-tools.srm', '/srv/srm/20-keys.srm'] | rescuefleet.media.srm_items('srm') }}"
'''

RETURN = r'''
_value:
  description: One mapping per path, in the order given.
  type: list
  elements: dict
  sample: [{src: /srv/srm/10-tools.srm}]
'''

from ansible.errors import AnsibleFilterError

KEYS = ('src', 'srm')


def srm_items(paths, key='src'):
    if key not in KEYS:
        raise AnsibleFilterError('srm_items: key must be one of %s, not %r' % (', '.join(KEYS), key))
    if isinstance(paths, (str, bytes)) or not hasattr(paths, '__iter__'):
        raise AnsibleFilterError('srm_items expects a list of paths, not %s' % type(paths).__name__)
    items = []
    for path in paths:
        if not isinstance(path, str) or not path:
            raise AnsibleFilterError('srm_items: every path must be a non-empty string, not %r' % (path,))
        items.append({key: path})
    return items


class FilterModule:

    def filters(self):
        return {'srm_items': srm_items}
