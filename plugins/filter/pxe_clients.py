# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``pxe_clients`` filter: inventory hosts as the ``clients`` list of ``pxe_hosts``, in one pass."""

from __future__ import annotations

DOCUMENTATION = r'''
name: pxe_clients
short_description: Turn PXE client hosts of the inventory into the clients list of pxe_hosts
version_added: 0.1.0
description:
  - Reads each client's MAC address, module names, configuration and extra kernel arguments from its host variables
    and gives the O(rescuefleet.media.pxe_hosts#module:clients) list, with the module each client loads (its one
    module, or the combined module that C(rescuefleet.media.srm_catalog) built for its set).
  - With O(system=dracut), each client gets its modules as O(rescuefleet.media.pxe_hosts#module:clients[].modules)
    instead, each with the sha256 the catalog reports (a dracut live system with C(loadsrm) stacks several modules, no
    combined module is needed), and no configuration.
  - Fails with one message naming every client whose modules the catalog does not have or did not combine, and every
    client whose O(mac_var) is not a MAC address, in the words of the inventory (the host and the variable).
  - The C(rescuefleet.media.pxe_server) role uses it instead of a loop per client.
options:
  _input:
    description: The client hosts (inventory names).
    type: list
    elements: str
    required: true
  hostvars:
    description: The C(hostvars) of the play.
    type: raw
    required: true
  mac_var:
    description: Host variable holding the MAC address.
    type: str
    default: pxe_mac
  modules_var:
    description: Host variable listing the module names.
    type: str
    default: pxe_modules
  config_var:
    description: Host variable holding the SystemRescue configuration.
    type: str
    default: pxe_config
  kernel_args_var:
    description: Host variable holding extra kernel arguments of the client's boot entries.
    type: str
    default: pxe_kernel_args
  system:
    description: What the clients boot, as O(rescuefleet.media.pxe_hosts#module:system) says.
    type: str
    choices: [sysrescue, dracut]
    default: sysrescue
  built:
    description: C(srm_catalog_built), the modules of the catalog by name.
    type: dict
    default: {}
  sets:
    description: C(srm_catalog_sets), the combined module of each set of names by its key (see C(rescuefleet.media.srm_set_key)).
    type: dict
    default: {}
author:
  - rescuefleet.media contributors
'''

EXAMPLES = r'''
- name: Every client's files
  rescuefleet.media.pxe_hosts:
    http_root: /srv/http
    url: http://pxe.example.com/
    clients: "{{ groups['pxe_clients'] | rescuefleet.media.pxe_clients(hostvars, built=srm_catalog_built,
                 sets=srm_catalog_sets) }}"
'''

RETURN = r'''
_value:
  description:
    - One mapping per client with C(name), C(mac), C(kernel_args), and C(module) (a name of the catalog or V(""))
      and C(config), or with O(system=dracut) C(modules) (C(name) and C(sha256) each).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.clients import normalize_mac
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import module_set_key


def pxe_clients(hosts, hostvars, mac_var='pxe_mac', modules_var='pxe_modules', config_var='pxe_config',
                built=None, sets=None, kernel_args_var='pxe_kernel_args', system='sysrescue'):
    built = built or {}
    sets = sets or {}
    clients = []
    not_combined = []
    missing = []
    bad_macs = []
    for host in hosts or []:
        variables = hostvars[host]
        mac = variables.get(mac_var)
        if normalize_mac('' if mac is None else str(mac)) is None:
            bad_macs.append('%s (%r)' % (host, mac))
        modules = []
        for name in variables.get(modules_var) or []:
            if name not in modules:
                modules.append(name)
        common = {'name': host, 'mac': '' if mac is None else str(mac),
                  'kernel_args': str(variables.get(kernel_args_var) or '')}
        if system == 'dracut':
            missing.extend('%s (%s)' % (name, host) for name in modules if name not in built)
            clients.append(dict(common, modules=[{'name': name, 'sha256': built[name]['sha256']}
                                                 for name in modules if name in built]))
            continue
        if not modules:
            module = ''
        elif len(modules) == 1:
            module = modules[0]
        else:
            module = sets.get(module_set_key(modules), '')
            if not module:
                not_combined.append(host)
        if module and module not in built:
            missing.append('%s (%s)' % (module, host))
        clients.append(dict(common, module=module, config=variables.get(config_var) or {}))
    problems = []
    if bad_macs:
        problems.append('client hosts whose %s is not a MAC address (12 hex digits such as 52:54:00:12:34:01, '
                        '52-54-00-12-34-01 or 525400123401): %s; set %s in their host variables'
                        % (mac_var, ', '.join(bad_macs), mac_var))
    if not_combined:
        problems.append('clients whose module set the catalog did not combine (run rescuefleet.media.srm_catalog '
                        'earlier in the play, with these hosts in srm_catalog_combine_hosts): %s'
                        % ', '.join(not_combined))
    if missing:
        problems.append('modules not in the catalog (srm_catalog_built): %s' % ', '.join(missing))
    if problems:
        raise AnsibleFilterError('; '.join(problems))
    return clients


class FilterModule:

    def filters(self):
        return {'pxe_clients': pxe_clients}
