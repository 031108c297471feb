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
  - Turns parts on or off in the C(extend) list of every boot entry that starts linuxrc's kernel - C(boot/<arch>/loader/linux)
    on x86_64 and i386, C(boot/<arch>/linux) on aarch64, ppc64le, s390x, riscv64 and others - in the menus of a SUSE
    installation medium (C(EFI/BOOT/grub.cfg), C(boot/<arch>/grub2-efi/grub.cfg), C(boot/<arch>/grub2-ieee1275/grub.cfg),
    C(boot/<arch>/loader/isolinux.cfg), C(boot/<arch>/parmfile) and the places M(rescuefleet.media.bootcfg_loadsrm)
    finds), with the same byte-preserving argument editing and GRUB check as that module.
  - 'The list is read as linuxrc reads it: the option key is matched ignoring case and C(-), C(_), C(.) (C(Extend=),
    C(ex-tend=)); the value is split on C(,) only, empty items kept; a value starting with C(+) appends the items not
    listed yet, one starting with C(-) removes the items it names, any other value replaces the list. An item with a
    leading C(?) is optional: a missing optional part is skipped.'
  - The module computes the list the entry's arguments give, adds the parts of O(parts) at the end (a part already
    listed keeps its place and takes the C(?) given) or, with O(state=absent), removes every item that loads them, and
    writes the result as one option in place of the first C(extend) argument (its spelling kept; the others are
    dropped). Every other byte of the menu stays as it is; an entry whose list already is the result is not touched.
  - With O(state=present) a part that is not optional must already be in C(boot/<arch>/) of the architecture the entry
    boots (put it there with M(rescuefleet.media.linuxrc_parts)) - linuxrc rejects a medium that lacks one - and a part
    that is there must be in a format linuxrc loads (a part it cannot load stops the boot, optional or not). The task
    fails, changing nothing, when either does not hold, and when no linuxrc boot entry is found at all.
  - C(.init) of a part loaded at boot never runs (linuxrc runs it only for the shell command C(extend <name>)); the
    module warns when it turns on a part that holds C(.init).
  - linuxrc does not read boot menus through its download path, so the digest list (C(CHECKSUMS), C(/content)) and its
    signature are never changed.
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
      - The parts to turn on or off, by file name in C(boot/<arch>/), V(?name) for an optional part. A part already in
        the list keeps its place and takes the given C(?); new parts go at the end, in the order given.
    type: list
    elements: str
    required: true
  state:
    description: V(present) adds the parts to the C(extend) lists; V(absent) removes every item that loads them (and the
      option when the list becomes empty).
    type: str
    choices: [present, absent]
    default: present
  arch:
    description:
      - Edit only the entries that boot this architecture's kernel (C(boot/<arch>/)), and look for the parts there.
      - Left out, every linuxrc entry is edited and each entry's parts are looked for in C(boot/<arch>/) of the
        architecture its kernel path names.
    type: str
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
    description:
      - Shell-style patterns of the kernel paths of the entries to edit; by default linuxrc's kernels of every
        architecture (or of O(arch)).
    type: list
    elements: str
    default: [linux, '*/loader/linux', '*/boot/*/linux']
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
  - "Refuses, before anything is written: part names a menu's language cannot hand to the kernel unchanged (quoted
    as for M(rescuefleet.media.bootcfg_loadsrm): GRUB gets the C(extend=) list in single quotes when it holds C(?),
    a GRUB wildcard once the C(regexp) module is loaded). Passwords on the menus' command lines are shown as
    C(********) in the diffs."
  - Facts and sources (openSUSE/linuxrc C(util.c) C(slist_assign_values), C(file.c) C(file_str2key), C(url.c),
    C(auto2.c); installation-images for the menus) are in C(docs/linuxrc.md) of the collection. The list is computed
    from the boot menu only; an C(extend) in an C(info) file the initrd reads before the command line is not seen.
  - Refuses, with O(state=present), a medium without a linuxrc boot entry for the architecture, and an edit whose GRUB
    result fails C(grub-script-check).
  - Refuses part names no part can have, because linuxrc's C(extend=) syntax gives them a meaning (C(,) C(?) C(+)
    inside, a leading C(-)) or linuxrc and the medium use them for something else (C(config), C(loader), ...); the
    message names another name to give.
  - Refuses an ISO9660 or read-only medium (check mode too).
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

- name: On a medium for several architectures, only the aarch64 entries (parts from boot/aarch64/)
  rescuefleet.media.linuxrc_extend:
    media:
      path: /srv/install/leap-15.6
    parts: [fleet-tools]
    arch: aarch64

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
                       before: splash=silent extend=-common, after: splash=silent extend=fleet-tools}]}]
extend:
  description: The parts as given, parsed.
  returned: always
  type: list
  elements: dict
  sample: [{name: fleet-tools, optional: false}, {name: fleet-extras, optional: true}]
arches:
  description: The architectures whose entries were selected (from their kernel paths).
  returned: always
  type: list
  elements: str
  sample: [x86_64]
checksums:
  description: The digest list linuxrc reads (C(CHECKSUMS) or C(content)), whether it is there and signed; C(changed)
    is always V(false) - boot menus are not among the files linuxrc checks.
  returned: always
  type: dict
  sample: {file: CHECKSUMS, present: true, signed: true, signature: CHECKSUMS.asc, changed: false}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.layout import KERNELS
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_extend import LinuxrcExtend
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import media_argument_spec


def main():
    module = AnsibleModule(
        argument_spec=dict(
            media=media_argument_spec(),
            parts=dict(type='list', elements='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            arch=dict(type='str'),
            files=dict(type='list', elements='str'),
            format=dict(type='str', default='auto', choices=['auto', 'grub', 'syslinux', 'ipxe', 'bls', 'cmdline']),
            kernel=dict(type='list', elements='str', default=list(KERNELS)),
            titles=dict(type='list', elements='str', default=[]),
            validate_grub=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    run_task(module, LinuxrcExtend(module.params, check_mode=module.check_mode, want_diff=module._diff,
                                   grub_check=module.get_bin_path('grub-script-check')))


if __name__ == '__main__':
    main()
