#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: sysrescue_config
short_description: Write SystemRescue YAML configuration files and report the effective configuration
version_added: 0.1.0
description:
  - Writes one YAML configuration file for SystemRescue, either into C(sysrescue.d/) of a medium (O(media)) or
    into a directory (O(path)), such as a PXE HTTP tree from which a host fetches it through C(sysrescuecfg=).
  - With O(files), writes or removes several such files in one run (one module run on the host, one lock and
    one reading of the medium), each as O(name), O(config) and O(state) would.
  - Validates O(config) against what SystemRescue's readers accept, so that a setting SystemRescue would silently
    ignore fails the task instead. Known scopes are C(global), C(autorun) (with C(exec)), C(sysconfig),
    C(autoterminal) and C(gui_autostart); the types of their known keys are checked, unknown keys in known
    scopes give a warning and custom scopes pass unchecked.
  - C(global.late_load_srm) must be exactly one string, an absolute local path or an C(http://) or C(https://)
    URL; a list fails, because SystemRescue ignores it. Boolean settings must be values that SystemRescue reads
    as clearly true (C(y), C(yes), C(t), C(true), C(on), C(1), C(1.0) in any case) or false.
  - The file is rendered as stable YAML (sorted keys, C(---), safe quoting), compared byte by byte with what is
    there, and written only when it differs, atomically, under the lock of the medium. A failed validation
    (of any file of O(files)) leaves the medium byte-identical.
  - Returns the effective configuration, merged by SystemRescue's rules from every YAML file on the medium
    (including the files of this run), then the O(sysrescuecfg) sources, then the overrides of O(cmdline).
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
    details:
      - The diff shows the file before and after as text, with the values of C(rootpass), C(vncpass) and
        C(rootcryptpass) replaced by C(********); with O(files), one such diff per file.
  idempotent:
    support: full
options:
  media:
    description:
      - The medium to write to; the file goes to C(sysrescue.d/<name>) at the root of its boot filesystem.
      - Give either O(media.path) or O(media.image).
      - Exactly one of O(media) and O(path) is required.
    type: dict
  path:
    description:
      - A directory to write the file into as C(<path>/<name>), such as the document root of a PXE HTTP server.
        A host reads it when its kernel command line has C(sysrescuecfg=http://server/<name>).
      - The directory must exist.
      - Exactly one of O(media) and O(path) is required.
    type: path
  name:
    description:
      - "File name, such as V(500-fleet.yaml). It must be a name SystemRescue reads: one character and then C(yaml)
        in any case at its end (C(.yaml), C(.YAML)); a name ending in C(.yml) fails, because SystemRescue ignores
        such files."
      - On a medium, files apply in byte order of their names, so the name decides which file wins. The stock
        file is C(100-defaults.yaml); choose a name that sorts after it to override its values.
      - Must not contain a directory part or start with a dot.
      - Exactly one of O(name) and O(files) is required.
    type: str
  config:
    description:
      - The configuration, a mapping of scopes such as C(global), C(autorun) and C(sysconfig) to their settings.
      - A value of V("") removes the key set by an earlier file.
      - Keys written as decimal numbers (C(bash_history) or C(autorun.exec) entries such as V(100)) are written
        as numbers, like in the stock file, so that they replace its entries of the same number.
      - Values of C(rootpass), C(vncpass) and C(rootcryptpass) are never returned; they are replaced by
        C(********) in RV(effective) and in the diff.
      - Only with O(name).
    type: dict
    default: {}
  state:
    description:
      - V(present) writes the file, V(absent) removes it.
      - Only with O(name).
    type: str
    choices: [present, absent]
    default: present
  files:
    description:
      - Several files to write or remove in one run, instead of O(name), O(config) and O(state). Each item takes
        those three options and means what they mean.
      - The files are planned together, and the first one refused refuses the run before anything is written.
        RV(effective) includes all of them; the diff has one entry per file.
      - A name may be given only once. On a FAT medium that includes names that differ only in case.
      - With O(purpose=http_pxe), the files apply after the O(sysrescuecfg) sources, in the order of this list (a
        host fetches each with a C(sysrescuecfg=) of its own, in the order of its command line).
    type: list
    elements: dict
    suboptions:
      name:
        description: File name, as O(name).
        type: str
        required: true
      config:
        description: The configuration, as O(config).
        type: dict
        default: {}
      state:
        description: V(present) writes the file, V(absent) removes it.
        type: str
        choices: [present, absent]
        default: present
  sysrescuecfg:
    description:
      - The YAML sources that the kernel command line adds with C(sysrescuecfg=), in their order, to include in
        RV(effective). Nothing is fetched from the network; give their content or a local copy.
      - With O(path) and O(purpose=http_pxe), the file written by this task is applied after them.
    type: list
    elements: dict
    default: []
    suboptions:
      content:
        description: The YAML text of the source.
        type: str
      src:
        description: A local file holding the YAML source, on the host that runs the module.
        type: path
      name:
        description:
          - A name for the source in RV(files), RV(not_applied) and warnings.
          - Defaults to O(sysrescuecfg[].src), or to C(sysrescuecfg[N]) for O(sysrescuecfg[].content).
        type: str
  cmdline:
    description:
      - The kernel command line of the boot entry to consider. Its overriding options (for example C(loadsrm),
        C(copytoram), C(dostartx), C(rootpass), C(ar_disable)) apply last in RV(effective); a bare option means
        true, the last occurrence of an option wins.
      - A command line with C(archiso_http_srv=) boots over HTTP PXE, which reads no C(sysrescue.d).
    type: str
    default: ''
  purpose:
    description:
      - How SystemRescue will read the file.
      - V(medium) is a file in C(sysrescue.d/) of a medium. With O(path), the other C(*.yaml) files of that
        directory are merged too, as if it were C(sysrescue.d/).
      - V(http_pxe) is a file fetched with C(sysrescuecfg=) during a PXE boot over HTTP, which reads no
        C(sysrescue.d/). Writing such a file onto a medium gives a warning.
      - Defaults to V(medium) with O(media) and to V(http_pxe) with O(path).
    type: str
    choices: [medium, http_pxe]
requirements:
  - PyYAML on the host that runs the module.
  - mtools when O(media.image) is used.
notes:
  - C(rootpass) and C(vncpass) are stored as plain text, readable by anyone who holds a FAT medium or can fetch
    the file from an HTTP server. The module warns and suggests C(rootcryptpass) with a crypt hash.
  - Every value under C(rootpass), C(vncpass) and C(rootcryptpass) is a password whatever its type. A list or a
    mapping (in O(config) or in O(sysrescuecfg)) is refused by the schema, and neither the refusal, the diff nor the
    invocation Ansible prints at C(-vvv) shows its items or keys. The old file is masked in the diff like the new.
  - "Refuses, before anything is written: a file of the directory that is a link leading out of it (it is never
    read, so nothing of the file it points at shows in a diff)."
  - The module warns about settings that cannot work together, such as a C(late_load_srm) path under
    C(/run/archiso/bootmnt/sysresccd/) while C(copytoram) is on, and about values of this file that a later
    file or the command line overrides.
  - Refuses a O(name) SystemRescue would not read (C(.yml), no C(.yaml) ending, a directory part, a leading dot),
    because the file would be ignored at boot.
  - Refuses, before the medium is opened, a O(config) SystemRescue would not read as meant (a list as
    C(global.late_load_srm), null values, keys that become the same number), and a medium whose YAML files make
    SystemRescue's reader fail (the boot would get no configuration at all).
  - Refuses a O(sysrescuecfg[].src) that is not a regular file (a FIFO would block the run) or cannot be read, both
    or neither of O(media) and O(path), and an ISO9660 or read-only medium (check mode too).
  - Refuses to replace a directory or special file at the path of the file, because the module never replaces what
    it did not create.
seealso:
  - name: Configuring SystemRescue
    description: The YAML configuration that SystemRescue reads at boot.
    link: https://www.system-rescue.org/manual/Configuring_SystemRescue/
  - module: rescuefleet.media.srm_build
'''

EXAMPLES = r'''
- name: Load the SRMs of the stick at boot and set the keyboard, on a mounted stick
  rescuefleet.media.sysrescue_config:
    media:
      path: /mnt/usb
    name: 500-fleet.yaml
    config:
      global:
        loadsrm: true
        setkmap: de-latin1
        rootcryptpass: "$6$examplesalt$Ac0Mp1eTeHaSh"
      sysconfig:
        timezone: Europe/Berlin
        authorized_keys:
          ops@example.com: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample ops@example.com"

- name: The same on a disk image, without mounting it
  rescuefleet.media.sysrescue_config:
    media:
      image: /srv/images/rescue-usb.img
      partition: 1
    name: 500-fleet.yaml
    config:
      global:
        loadsrm: true

- name: One YAML per host in the PXE HTTP tree, fetched with sysrescuecfg=http://pxe/hosts/web01.yaml
  rescuefleet.media.sysrescue_config:
    path: /srv/http/hosts
    name: web01.yaml
    config:
      global:
        late_load_srm: http://pxe.example.com/srm/20-fleet-tools.srm
    cmdline: archiso_http_srv=http://pxe.example.com/ ip=dhcp sysrescuecfg=http://pxe.example.com/hosts/web01.yaml
  register: pxe_yaml

- name: Remove an old file
  rescuefleet.media.sysrescue_config:
    media:
      path: /mnt/usb
    name: 300-old.yaml
    state: absent

- name: Several files in one run on the host, an old one removed
  rescuefleet.media.sysrescue_config:
    media:
      image: /srv/images/rescue-usb.img
    files:
      - name: 200-loadsrm.yaml
        config:
          global:
            loadsrm: true
      - name: 500-host.yaml
        config:
          sysconfig:
            timezone: UTC
      - name: 300-old.yaml
        state: absent
'''

RETURN = r'''
path:
  description:
    - The file written or removed. An absolute path for a directory or mounted medium; a path relative to the root
      of the filesystem for O(media.image).
  returned: with O(name)
  type: str
  sample: /mnt/usb/sysrescue.d/500-fleet.yaml
paths:
  description: The files written or removed, as RV(path), one per file in the order of O(files) (with O(name), one).
  returned: always
  type: list
  elements: str
  sample: [/mnt/usb/sysrescue.d/200-loadsrm.yaml, /mnt/usb/sysrescue.d/500-host.yaml]
effective:
  description:
    - The JSON SystemRescue writes to C(/run/archiso/config/sysrescue-effective-config.json), value for value,
      computed by its reader's rules. Files of C(sysrescue.d/) in byte order of their names, then the
      O(sysrescuecfg) sources, then the overrides of O(cmdline) (which SystemRescue splits on whitespace,
      keeping quotes). Mappings and lists both merge by key, a key set to V("") is removed, other values
      are replaced.
    - As in that JSON, every number is a float (V(1) is V(1.0)), a table whose keys are 1..n is a list
      (holes are V(null)) and an empty table is V([]).
    - Values of C(rootpass), C(vncpass) and C(rootcryptpass) are replaced by C(********).
    - When SystemRescue's reader would fail on the medium's files and write no JSON at all (a plain V(~), a
      boolean mapping key), the task fails and writes nothing; it never leaves a medium in that state.
  returned: always
  type: raw
  sample: {global: {copytoram: false, loadsrm: true}, sysconfig: {bash_history: {"100": setkmap}}}
files:
  description: The sources merged into RV(effective), in the order SystemRescue applies them.
  returned: always
  type: list
  elements: str
  sample: [100-defaults.yaml, 500-fleet.yaml, kernel command line]
not_applied:
  description: YAML files and sources that SystemRescue would not apply, with the reason.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The file or source.
      type: str
      returned: always
    reason:
      description: Why SystemRescue does not apply it.
      type: str
      returned: always
  sample: [{name: 300-extra.yml, reason: "SystemRescue reads only *.yaml files and ignores .yml; rename it to end in .yaml"}]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import media_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.sysrescue_config import SysrescueConfig


def main():
    module = AnsibleModule(
        argument_spec=dict(
            media=media_argument_spec(required=False),
            path=dict(type='path'),
            name=dict(type='str'),
            config=dict(type='dict', default={}),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            files=dict(type='list', elements='dict', options=dict(
                name=dict(type='str', required=True),
                config=dict(type='dict', default={}),
                state=dict(type='str', default='present', choices=['present', 'absent']),
            )),
            sysrescuecfg=dict(type='list', elements='dict', default=[], options=dict(
                content=dict(type='str'),
                src=dict(type='path'),
                name=dict(type='str'),
            ), mutually_exclusive=[('content', 'src')], required_one_of=[('content', 'src')]),
            cmdline=dict(type='str', default=''),
            purpose=dict(type='str', choices=['medium', 'http_pxe']),
        ),
        mutually_exclusive=[('media', 'path'), ('name', 'files'), ('config', 'files'), ('state', 'files')],
        required_one_of=[('media', 'path'), ('name', 'files')],
        supports_check_mode=True,
    )
    # Passwords sit inside config and cmdline: run_task masks them wherever Ansible prints arguments or results.
    run_task(module, SysrescueConfig(module.params, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == '__main__':
    main()
