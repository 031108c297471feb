#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: dracut_module
short_description: Install a dracut module directory with a generated module-setup.sh and its hook scripts
version_added: 0.1.0
description:
  - Makes C(<dracutbasedir>/modules.d/<number><name>/) hold exactly a C(module-setup.sh) generated from the
    options below, the hook scripts of O(hooks) and the data files of O(files) with O(files[].content).
    Files in that directory that are not declared are removed.
  - The options map to dracut's module interface. O(check) gives the result of C(check()), O(depends) the
    output of C(depends()), O(cmdline) the output of C(cmdline()), O(kernel_modules) the C(instmods) of
    C(installkernel()); O(binaries), O(optional_binaries), O(files) and O(hooks) become the
    C(inst_multiple), C(inst_simple) and C(inst_hook) calls of C(install()).
  - Hook names are checked against the hook points of dracut 059 and priorities must be two digits, so that a
    typo fails here rather than when the initramfs is built or, worse, booted.
  - Another directory of C(modules.d) that defines a module of the same name under another number is removed when
    it was written by this module (the module was renumbered), and makes the task fail otherwise.
  - O(dracutbasedir) can point at a private copy of C(/usr/lib/dracut); run dracut with the environment variable
    C(dracutbasedir) set to the same path to use it.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
attributes:
  check_mode:
    support: full
    details:
      - Returns the planned actions (directories made or removed, files written, modes changed, files removed)
        without writing.
  diff_mode:
    support: full
    details:
      - One before/after diff per file written, mode changed or file removed.
  idempotent:
    support: full
options:
  name:
    description:
      - Name of the dracut module, as given to C(dracut -m) or C(--add) and in O(depends) of other modules.
    type: str
    required: true
  number:
    description:
      - The two-digit prefix of the module directory (C(modules.d/90loadsrm)), which orders the module among the
        others when dracut installs them. An integer from 0 to 99 or a string of two digits.
    type: raw
    default: 90
  dracutbasedir:
    description:
      - Root of the dracut tree, the directory that holds C(modules.d).
    type: path
    default: /usr/lib/dracut
  state:
    description:
      - V(present) writes the module directory, V(absent) removes it (and other directories of this module
        written by this module under another number).
    type: str
    choices: [present, absent]
    default: present
  check:
    description:
      - When dracut includes the module. V(always) returns 0 from C(check()), so every initramfs built with this
        tree gets it; V(never) returns 1; V(on_request) returns 255, so the module is included only when named
        with C(-m)/C(--add) or in the O(depends) of an included module.
    type: str
    choices: [always, never, on_request]
    default: on_request
  depends:
    description: Names of the dracut modules this one needs, printed by C(depends()).
    type: list
    elements: str
    default: []
  cmdline:
    description:
      - Kernel command line arguments the module needs in a host-only initramfs, printed by C(cmdline()). The
        function is left out without it.
    type: str
  kernel_modules:
    description: Kernel modules to put in the initramfs, with C(instmods) in C(installkernel()).
    type: list
    elements: str
    default: []
  binaries:
    description: Programs to put in the initramfs with their libraries (C(inst_multiple)); the build fails when one is missing.
    type: list
    elements: str
    default: []
  optional_binaries:
    description: Programs to put in the initramfs when the build host has them (C(inst_multiple -o)).
    type: list
    elements: str
    default: []
  files:
    description:
      - Files to put in the initramfs at O(files[].dest).
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: Absolute path of the file in the initramfs.
        type: str
        required: true
      src:
        description:
          - A file on the host that builds the initramfs, taken when dracut runs (C(inst_simple src dest)). Nothing
            is copied into the module directory.
          - Exactly one of O(files[].src) and O(files[].content).
        type: str
      content:
        description: Content of the file, stored in the module directory and installed from there.
        type: str
      name:
        description: File name in the module directory for O(files[].content); defaults to the last part of O(files[].dest).
        type: str
      mode:
        description:
          - Permissions of the stored file, an octal string such as V('0644'), or a number (an unquoted
            V(0644) in YAML is the number 420, which is the mode 0644, as in M(ansible.builtin.file)).
          - Defaults to V('0644').
        type: raw
  hooks:
    description:
      - Hook scripts, stored in the module directory (mode 0755) and installed with C(inst_hook).
    type: list
    elements: dict
    default: []
    suboptions:
      hook:
        description: The hook point.
        type: str
        required: true
        choices: [cmdline, pre-udev, pre-trigger, netroot, initqueue, initqueue/settled, initqueue/online,
                  initqueue/finished, initqueue/timeout, pre-mount, pre-pivot, cleanup, mount, emergency,
                  shutdown-emergency, pre-shutdown, shutdown]
      priority:
        description:
          - Order among the scripts of the hook point, two digits (V('00') runs first). An integer from 0 to 99 is
            taken as its two-digit form.
        type: raw
        required: true
      src:
        description:
          - The script, a file on the host running this module. Exactly one of O(hooks[].src) and
            O(hooks[].content).
        type: path
      content:
        description: The script as text.
        type: str
      name:
        description:
          - File name of the script in the module directory; defaults to the last part of O(hooks[].src) and is
            required with O(hooks[].content).
        type: str
requirements:
  - dracut (any version with the C(modules.d) layout) to use the module; bash to check the generated
    C(module-setup.sh) when present.
notes:
  - "Refuses, before anything is read or written: a module directory of C(modules.d) (this one, or another of
    the same name to be removed) that is a symlink, and a C(modules.d) that is a link out of O(dracutbasedir):
    the files of what a link points at would be shown in the diff, replaced and removed."
  - Hook scripts are sourced by the init of the initramfs (dracut's shell init or the C(dracut-*) services with
    systemd). They must not C(exit).
  - Refuses a O(dracutbasedir) without C(modules.d), and a module directory this module did not write (dracut's own
    C(90dmsquash-live), a hand-made one), because it would be rewritten or removed; choose another O(name) or
    O(number).
  - Refuses a second directory that defines a module of the same O(name) under another number and was not written by
    this module, because dracut cannot have two.
  - Refuses names, hook points and priorities dracut would not take, file names used twice, a hook or file
    O(hooks[].src) that is not a regular file (a FIFO would block the run), and a tree it cannot write (check mode
    too).
seealso:
  - name: dracut.modules(7)
    description: How dracut modules and hooks work.
    link: https://man7.org/linux/man-pages/man7/dracut.modules.7.html
  - module: rescuefleet.media.bootcfg_loadsrm
'''

EXAMPLES = r'''
- name: Install the loadsrm module shipped with the dracut_media role into a private dracut tree
  rescuefleet.media.dracut_module:
    name: loadsrm
    number: 90
    dracutbasedir: /var/lib/rescuefleet/dracut
    depends: [dmsquash-live]
    kernel_modules: [loop, squashfs, overlay]
    binaries: [sort, mount, mkdir, rmdir]
    hooks:
      - hook: pre-mount
        priority: "50"
        src: /usr/local/share/loadsrm/loadsrm-mount.sh

- name: A module that every initramfs gets, with a configuration file and a cleanup hook
  rescuefleet.media.dracut_module:
    name: fleet-banner
    number: "95"
    check: always
    files:
      - dest: /etc/fleet-banner
        content: "Rescue initramfs of the fleet\n"
    hooks:
      - hook: pre-pivot
        priority: 99
        name: fleet-banner.sh
        content: |
          #!/bin/sh
          [ -r /etc/fleet-banner ] && cat /etc/fleet-banner > /dev/kmsg

- name: Remove it again
  rescuefleet.media.dracut_module:
    name: fleet-banner
    number: "95"
    state: absent
'''

RETURN = r'''
path:
  description: The module directory.
  returned: always
  type: str
  sample: /usr/lib/dracut/modules.d/90loadsrm
actions:
  description:
    - What was done (or would be done in check mode), in order. C(action) is one of C(mkdir), C(write),
      C(chmod), C(remove) (a file) and C(remove_dir); C(mode) is given for C(write) and C(chmod).
  returned: always
  type: list
  elements: dict
  sample: [{action: mkdir, path: /usr/lib/dracut/modules.d/90loadsrm},
           {action: write, path: /usr/lib/dracut/modules.d/90loadsrm/module-setup.sh, mode: "0755"}]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._dracut.module import HOOKS
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.dracut_module import DracutModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            number=dict(type='raw', default=90),
            dracutbasedir=dict(type='path', default='/usr/lib/dracut'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            check=dict(type='str', default='on_request', choices=['always', 'never', 'on_request']),
            depends=dict(type='list', elements='str', default=[]),
            cmdline=dict(type='str'),
            kernel_modules=dict(type='list', elements='str', default=[]),
            binaries=dict(type='list', elements='str', default=[]),
            optional_binaries=dict(type='list', elements='str', default=[]),
            files=dict(type='list', elements='dict', default=[], options=dict(
                dest=dict(type='str', required=True),
                src=dict(type='str'),
                content=dict(type='str'),
                name=dict(type='str'),
                mode=dict(type='raw'),
            ), mutually_exclusive=[('src', 'content')], required_one_of=[('src', 'content')]),
            hooks=dict(type='list', elements='dict', default=[], options=dict(
                hook=dict(type='str', required=True, choices=list(HOOKS)),
                priority=dict(type='raw', required=True),
                src=dict(type='path'),
                content=dict(type='str'),
                name=dict(type='str'),
            ), mutually_exclusive=[('src', 'content')], required_one_of=[('src', 'content')]),
        ),
        supports_check_mode=True,
    )
    run_task(module, DracutModule(module.params, check_mode=module.check_mode, want_diff=module._diff,
                                  bash=module.get_bin_path('bash')))


if __name__ == '__main__':
    main()
