#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: linuxrc_extend
short_description: Turn linuxrc parts on or off with extend= in the boot menus of SUSE installation media
version_added: 0.1.0
description:
  - Edits the C(extend=) option of every boot entry that starts linuxrc's kernel (C(boot/<arch>/loader/linux)) in
    the GRUB and isolinux menus of a SUSE installation medium (C(EFI/BOOT/grub.cfg), C(boot/grub2/grub.cfg),
    C(boot/<arch>/loader/isolinux.cfg) and the other places M(rescuefleet.media.bootcfg_loadsrm) finds), with the
    same byte-preserving argument editing and GRUB check as that module.
  - linuxrc takes one list - C(extend=a,?b) loads the parts C(a) and C(b) (C(?) marks an optional part), a later
    C(extend=) replaces the list and C(extend=+c) appends to it. The module merges O(parts) into the list the entry
    already has and writes it back as one C(extend=) option, instead of adding a second C(extend=) that would
    replace the first.
  - With O(state=present) a part that is not optional must already be in C(boot/<arch>/) of the medium (put it
    there with M(rescuefleet.media.linuxrc_parts)); otherwise nothing is changed and the task fails.
  - When the medium's C(CHECKSUMS) lists an edited menu, its entry is updated (dropped before the write, added
    after it); a signed C(CHECKSUMS) (C(CHECKSUMS.asc)) then no longer matches its signature, and the module warns.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
  - rescuefleet.media.media
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  media:
    required: true
  parts:
    description:
      - The parts to turn on or off, by name, V(?name) for an optional part. A part already in the list keeps its
        place and takes the given C(?); new parts go at the end, in the order given.
    type: list
    elements: str
    required: true
  state:
    description: V(present) adds the parts to the C(extend=) lists; V(absent) removes them (and C(extend=) when the
      list becomes empty).
    type: str
    choices: [present, absent]
    default: present
  arch:
    description: The architecture directory under C(boot/) that holds the parts and C(loader/isolinux.cfg).
    type: str
    default: x86_64
  files:
    description:
      - Edit only these boot configs (paths relative to the root of the medium) instead of the ones found.
    type: list
    elements: str
  format:
    description: Format of the configs; V(auto) detects it from the path and content.
    type: str
    choices: [auto, grub, syslinux, ipxe, bls, cmdline]
    default: auto
  kernel:
    description: Shell-style patterns of the kernel paths of the entries to edit.
    type: list
    elements: str
    default: [linux, '*/loader/linux']
  titles:
    description: Edit only entries whose title or label matches one of these shell-style patterns.
    type: list
    elements: str
    default: []
  validate_grub:
    description: Check edited GRUB configs with C(grub-script-check) when it is installed.
    type: bool
    default: true
notes:
  - The C(extend=) syntax (comma-separated list, C(?) optional, C(+) appends, a repeated option replaces) is taken
    from linuxrc's documentation of the option; parts are loaded from C(boot/<arch>/) relative to the installation
    source. See C(docs/linuxrc.md) in the collection for the sources.
seealso:
  - module: rescuefleet.media.linuxrc_parts
  - module: rescuefleet.media.bootcfg_loadsrm
'''

EXAMPLES = r'''
- name: Load our part (and an optional one) from every installation entry
  rescuefleet.media.linuxrc_extend:
    media:
      image: /var/lib/rescue/opensuse-stick.img
    parts: [fleet-tools, "?fleet-extras"]

- name: Stop loading it
  rescuefleet.media.linuxrc_extend:
    media:
      path: /srv/install/leap-15.6
    parts: [fleet-tools]
    state: absent
'''

RETURN = r'''
files:
  description: The boot configs read, with their format, whether they changed and the edited entries.
  returned: always
  type: list
  elements: dict
  sample: [{path: EFI/BOOT/grub.cfg, format: grub, changed: true,
            entries: [{title: Installation, label: null, path: null, kernel: /boot/x86_64/loader/linux,
                       before: splash=silent, after: splash=silent extend=fleet-tools}]}]
extend:
  description: The parts as given, parsed.
  returned: always
  type: list
  elements: dict
  sample: [{name: fleet-tools, optional: false}, {name: fleet-extras, optional: true}]
checksums:
  description: Whether the medium has C(CHECKSUMS), whether it is signed, and whether its entries changed.
  returned: always
  type: dict
  sample: {present: true, signed: false, changed: true}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.enable import LINUXRC_KERNELS
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_extend import LinuxrcExtend
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import media_argument_spec


def main():
    module = AnsibleModule(
        argument_spec=dict(
            media=media_argument_spec(),
            parts=dict(type='list', elements='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            arch=dict(type='str', default='x86_64'),
            files=dict(type='list', elements='str'),
            format=dict(type='str', default='auto', choices=['auto', 'grub', 'syslinux', 'ipxe', 'bls', 'cmdline']),
            kernel=dict(type='list', elements='str', default=list(LINUXRC_KERNELS)),
            titles=dict(type='list', elements='str', default=[]),
            validate_grub=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    run_task(module, LinuxrcExtend(module.params, check_mode=module.check_mode, want_diff=module._diff,
                                   grub_check=module.get_bin_path('grub-script-check')))


if __name__ == '__main__':
    main()
