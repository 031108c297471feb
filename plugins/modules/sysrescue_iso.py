#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: sysrescue_iso
short_description: Remaster a SystemRescue ISO with SRMs, YAML configuration and files, reproducibly
version_added: 0.1.0
description:
  - Writes O(dest), a copy of the ISO image O(src) with SRMs in C(<basedir>/), YAML files in C(sysrescue.d/) and
    other files added or replaced, without extracting the ISO. C(xorriso) maps the additions into a new image and
    replays the boot setup of the source (C(-boot_image any replay)), so the BIOS and UEFI El Torito entries, the
    isohybrid MBR and the GPT are kept and the result boots the same ways as the source, from CD, virtual media
    and a stick written with C(dd). The volume id (the C(archisolabel) of the menus) stays the source's.
  - Reproducible. The same inputs give the same bytes. Added files and the directories made for them get owner
    0, fixed modes and the volume date of the source; the GPT disk GUID is derived from the volume date; the
    volume dates are the source's.
  - Idempotent. A record of the inputs, C(<dest>.rescuefleet.json), holds the sha256 of the source with its
    size, modification time and inode, the sha256 of every addition, the options, and the sha256 and stat
    data of O(dest). When nothing changed, the run reports no change without reading the source again.
  - O(dest) is written under a temporary name beside it and renamed into place, after the free space of its
    filesystem was checked and the boot records of the new image were compared with the source's; an
    interrupted run never leaves a partial ISO at O(dest), and the next run removes its leftovers.
  - SRM names follow the rules of M(rescuefleet.media.srm_deploy) (suffix C(.srm) in lower case; byte order is
    load order, the first name wins); YAML files are validated and rendered by the same code as
    M(rescuefleet.media.sysrescue_config).
  - "Modules load only when loading is on. SystemRescue's stock C(sysrescue.d/100-defaults.yaml) says
    C(loadsrm: false), so an ISO with modules added and nothing else never loads them (SystemRescue's own
    C(sysrescue-customize) therefore writes C(sysrescue.d/200-customize.yaml) with C(global: {loadsrm: true})
    whenever it adds a module). When O(srms) is given, the module reads the new ISO as SystemRescue will, with
    the same reader as M(rescuefleet.media.media_info) (the YAML files of C(sysrescue.d/) after the additions
    and O(remove), and the boot menus): for every boot entry that loads modules from O(basedir) (a SystemRescue
    kernel with C(archisobasedir=<basedir>), not booting over HTTP PXE) it decides whether the modules load,
    and O(loadsrm) says what happens when some do not. RV(loadsrm) reports the answer per entry."
  - O(remove) leaves files of the source out of O(dest), such as an old SRM or a stock YAML file.
  - Fails before writing anything when O(src) is not an ISO9660 image, O(dest) is O(src), the filesystem of
    O(dest) is too full, two additions (or an addition and a file of the source) have names that differ
    only in case, or a path of O(remove) is not a file of the source (or is one of its boot images).
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff lists the additions (path, sha256, size) of O(dest) before and after.
  idempotent:
    support: full
requirements:
  - xorriso 1.5 or later
  - implantisomd5 (package C(isomd5sum)) when O(implant_md5=true)
options:
  src:
    description: The ISO image to start from, such as a SystemRescue release. It is never changed.
    type: path
    required: true
  dest:
    description:
      - The ISO image to write. Its directory must exist. Must not be O(src).
      - The record C(<dest>.rescuefleet.json) is written beside it.
    type: path
    required: true
  basedir:
    description: The directory of the ISO that takes the SRMs (SystemRescue's C(archisobasedir)).
    type: str
    default: sysresccd
  srms:
    description: SRMs to add to O(basedir), in any order (SystemRescue loads them in byte order of their names).
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description: The local SRM file.
        type: path
        required: true
      name:
        description: The name on the ISO; defaults to the file name of O(srms[].src). Must end in C(.srm).
        type: str
  configs:
    description: YAML files for C(sysrescue.d/), written by the same writer as M(rescuefleet.media.sysrescue_config).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - The file name, such as V(500-fleet.yaml). SystemRescue reads only names that end in one character
            and then C(yaml) in any case (C(.yaml), C(.YAML)); C(.yml) is refused.
        type: str
        required: true
      config:
        description: The configuration, a mapping of scopes such as C(global) and C(autorun).
        type: dict
        default: {}
  files:
    description: Any other local files, added or replacing a file of the source at O(files[].dest).
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description: The local file.
        type: path
        required: true
      dest:
        description: The path in the ISO, such as V(/autorun/autorun0).
        type: str
        required: true
  remove:
    description:
      - Files of O(src) to leave out of O(dest), as paths in the ISO such as V(/sysresccd/05-old.srm) or
        V(/sysrescue.d/100-defaults.yaml). Each must be a file of O(src) (names in an ISO are case-sensitive);
        a directory, a boot image or the boot catalogue of O(src), or a path that is also added, fails the run
        before anything is written. To replace a file, add it instead.
    type: list
    elements: str
    default: []
  loadsrm:
    description:
      - What to do when O(srms) is given and the new ISO would not load the modules from some of its boot entries
        (see the description for how that is decided).
      - "V(enable) (the default, what a careful operator wants, and what C(sysrescue-customize) does) adds
        C(sysrescue.d/200-rescuefleet-loadsrm.yaml) with C(global: {loadsrm: true}), unless one of O(configs) sets
        C(global.loadsrm) itself (that is the operator's decision and stays as given) or a file is added at that
        path. It sorts after the stock C(100-defaults.yaml); a later YAML file or a C(loadsrm=n) on a menu line still
        wins, and the entries it leaves off are named in a warning."
      - V(warn) adds nothing and warns, naming each entry that will not load the modules and why.
    type: str
    choices: [enable, warn]
    default: enable
  implant_md5:
    description:
      - Implant an MD5 checksum for the media check (C(checkisomd5)) with C(implantisomd5), and return it as RV(md5).
    type: bool
    default: false
notes:
  - Refuses a O(src) that is not an ISO9660 image, a O(dest) that is O(src), a directory, or in a directory that
    does not exist.
  - Refuses an O(srms[].src) that is not a regular file or not a squashfs image (as M(rescuefleet.media.srm_deploy)
    does, because SystemRescue would skip it at boot), and module names SystemRescue would not load.
  - Refuses O(configs) SystemRescue would not read as meant, and a O(files[].src) for C(sysrescue.d/) that
    SystemRescue's reader skips or fails on (it warns about one it does not read at all), checked as
    M(rescuefleet.media.sysrescue_config) checks them.
  - Refuses additions that collide (also when their names differ only in case), O(remove) paths that are not files
    of the source or are its boot images, and, in check mode too, a new image that does not fit beside O(dest).
  - Refuses a record beside O(dest) that is not a regular file, and leaves O(dest) as it was when the new image
    would not boot like the source.
  - Values of C(rootpass), C(vncpass) and C(rootcryptpass) in O(configs) are never shown, whatever their type. A
    list or mapping given by mistake is refused without its items or keys appearing in the message, the diff or
    the invocation printed at C(-vvv).
  - The source ISO's names and links are data from outside; the boot configs and YAML files judged for
    O(loadsrm) are read only from the image itself, never through a link it holds to a file of the host.
seealso:
  - module: rescuefleet.media.srm_build
  - module: rescuefleet.media.media_info
'''

EXAMPLES = r'''
- name: Make the fleet's rescue ISO (loading the modules is turned on, as sysrescue-customize does)
  rescuefleet.media.sysrescue_iso:
    src: /srv/iso/systemrescue-12.00-amd64.iso
    dest: /srv/iso/fleet-rescue.iso
    srms:
      - src: /srv/srm/10-tools.srm
      - src: /srv/srm/20-site.srm
        name: 20-site.srm
    configs:
      - name: 500-fleet.yaml
        config: {global: {setkmap: de-latin1}}
    files:
      - src: files/autorun0
        dest: /autorun/autorun0
    implant_md5: true
  register: fleet_iso

- name: Show from which boot entries the modules load
  ansible.builtin.debug:
    msg: "{{ fleet_iso.loadsrm | map(attribute='early_load') | list }}"

- name: Replace an older remaster's module and drop the stock YAML; only warn when the modules would not load
  rescuefleet.media.sysrescue_iso:
    src: /srv/iso/systemrescue-custom.iso
    dest: /srv/iso/fleet-rescue-2.iso
    srms:
      - src: /srv/srm/10-tools.srm
    remove:
      - /sysresccd/customize.srm
      - /sysrescue.d/100-defaults.yaml
    loadsrm: warn

- name: Inspect the result with the same report as sticks
  rescuefleet.media.media_info:
    media: {image: /srv/iso/fleet-rescue.iso}
'''

RETURN = r'''
src:
  description: The source ISO (absolute path).
  returned: always
  type: str
dest:
  description: The written ISO (absolute path).
  returned: always
  type: str
record:
  description: The record of the inputs beside O(dest).
  returned: always
  type: str
  sample: /srv/iso/fleet-rescue.iso.rescuefleet.json
volume_id:
  description: The volume id of the source, kept in O(dest).
  returned: always
  type: str
  sample: RESCUE1200
src_sha256:
  description: sha256 of the source; V(null) in check mode when the run would hash it while writing.
  returned: always
  type: str
dest_sha256:
  description: sha256 of O(dest); V(null) in check mode when O(dest) would change.
  returned: always
  type: str
additions:
  description: Every addition in O(dest).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Path in the ISO.
      type: str
      returned: always
    kind:
      description: V(srm), V(config) or V(file).
      type: str
      returned: always
    sha256:
      description: sha256 of its content.
      type: str
      returned: always
    size:
      description: Size in bytes.
      type: int
      returned: always
added:
  description: Paths that this run adds (they are not in the source).
  returned: always
  type: list
  elements: str
  sample: [sysresccd/10-tools.srm]
replaced:
  description: Paths of the source that this run replaces.
  returned: always
  type: list
  elements: str
removed:
  description: Additions of the previous run that are no longer listed (O(dest) no longer holds them).
  returned: always
  type: list
  elements: str
deleted:
  description: Files of O(src) that O(dest) leaves out (O(remove)).
  returned: always
  type: list
  elements: str
  sample: [sysresccd/customize.srm]
loadsrm:
  description:
    - When O(srms) is given, each boot entry of O(dest) that loads modules from O(basedir), with whether it
      early-loads them and why, as M(rescuefleet.media.media_info) reports it (RV(rescuefleet.media.media_info#module:loadsrm)).
      Empty when O(srms) is empty.
  returned: always
  type: list
  elements: dict
  sample: [{file: boot/grub/grubsrcd.cfg, title: Boot SystemRescue using default options, label: null,
            early_load: true, reason: global.loadsrm is true in 200-rescuefleet-loadsrm.yaml}]
loadsrm_config:
  description: The YAML file this module added to turn loading on (O(loadsrm=enable)), or V(null).
  returned: always
  type: str
  sample: sysrescue.d/200-rescuefleet-loadsrm.yaml
md5:
  description: The implanted MD5 (O(implant_md5=true)), else V(null).
  returned: always
  type: str
boot:
  description: The boot records of O(dest) (El Torito platforms, system area, GPT); V(null) in check mode before a first write.
  returned: always
  type: dict
  sample: {el_torito: [BIOS, UEFI], system_area: MBR isohybrid cyl-align-on GPT, gpt: true}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.sysrescue_iso import SysrescueIso


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path', required=True),
            dest=dict(type='path', required=True),
            basedir=dict(type='str', default='sysresccd'),
            srms=dict(type='list', elements='dict', default=[], options=dict(
                src=dict(type='path', required=True),
                name=dict(type='str'),
            )),
            configs=dict(type='list', elements='dict', default=[], options=dict(
                name=dict(type='str', required=True),
                config=dict(type='dict', default={}),
            )),
            files=dict(type='list', elements='dict', default=[], options=dict(
                src=dict(type='path', required=True),
                dest=dict(type='str', required=True),
            )),
            remove=dict(type='list', elements='str', default=[]),
            loadsrm=dict(type='str', default='enable', choices=['enable', 'warn']),
            implant_md5=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    run_task(module, SysrescueIso(module.params, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == '__main__':
    main()
