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
  - Fails before writing anything when O(src) is not an ISO9660 image, O(dest) is O(src), the filesystem of
    O(dest) is too full, or two additions (or an addition and a file of the source) have names that differ
    only in case.
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
        description: The file name, such as V(500-fleet.yaml); it must end in C(.yaml).
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
  implant_md5:
    description:
      - Implant an MD5 checksum for the media check (C(checkisomd5)) with C(implantisomd5), and return it as RV(md5).
    type: bool
    default: false
seealso:
  - module: rescuefleet.media.srm_build
  - module: rescuefleet.media.media_info
'''

EXAMPLES = r'''
- name: Make the fleet's rescue ISO
  rescuefleet.media.sysrescue_iso:
    src: /srv/iso/systemrescue-12.00-amd64.iso
    dest: /srv/iso/fleet-rescue.iso
    srms:
      - src: /srv/srm/10-tools.srm
      - src: /srv/srm/20-site.srm
        name: 20-site.srm
    configs:
      - name: 500-fleet.yaml
        config: {global: {loadsrm: true}}
    files:
      - src: files/autorun0
        dest: /autorun/autorun0
    implant_md5: true

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
            implant_md5=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    run_task(module, SysrescueIso(module.params, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == '__main__':
    main()
