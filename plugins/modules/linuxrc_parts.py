#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: linuxrc_parts
short_description: Put linuxrc parts into boot/<arch>/ of SUSE installation media, USB images and trees
version_added: 0.1.0
description:
  - Makes the parts this collection manages in C(boot/<arch>/) of a SUSE installation medium (a USB stick or disk
    image with a FAT partition, a mounted medium, or an installation tree served over the network) match a declared
    set. linuxrc loads a part named C(name) from C(boot/<arch>/name) when C(extend=name) is on the kernel command
    line (see M(rescuefleet.media.linuxrc_extend)), when a C(boot/<arch>/config) line names it, or with the
    C(extend name) command.
  - Works like M(rescuefleet.media.srm_deploy) and shares its code - compares by size then sha256, writes each part
    under a temporary 8.3 name and renames it, checks free space first, refuses ISO9660 and read-only media, and
    keeps the index C(boot/<arch>/.rescuefleet-parts.json) (which linuxrc never reads).
  - Only parts listed in that index are managed - the medium's own parts (C(common), C(root), C(bind), ...) are
    never replaced or removed, and a name that is already taken by one of them is refused.
  - When the medium has a C(CHECKSUMS) file (sha256 per file, which linuxrc checks every file it reads against),
    the entries of the parts are added, updated or removed with it. Stale entries are dropped before the parts are
    written and the new ones added afterwards, so C(CHECKSUMS) never names a file with a wrong digest. When
    C(CHECKSUMS.asc) is present the signature no longer matches after a change, and the module warns.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
  - rescuefleet.media.media
attributes:
  check_mode:
    support: full
    details:
      - Reports the planned actions and whether C(CHECKSUMS) changes, and fails where a real run would fail.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  media:
    required: true
  parts:
    description: The parts. With O(state=absent) only O(parts[].name) is used.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - File name in C(boot/<arch>/), and the name C(extend=) uses. A plain name without whitespace, C(/), C(,),
            C(?), C(+) or characters FAT refuses. Defaults to the file name of O(parts[].src).
        type: str
      src:
        description: The part file on the host that runs the module (built by M(rescuefleet.media.linuxrc_part), or an
          rpm or cpio archive, which linuxrc unpacks).
        type: path
      sha256:
        description: SHA-256 of O(parts[].src) when it is known (trusted), or of a part already on the medium.
        type: str
      size:
        description: Size of the part in bytes; needed with O(parts[].sha256) when O(parts[].src) is not given.
        type: int
  arch:
    description: The architecture directory under C(boot/), which must exist on the medium.
    type: str
    default: x86_64
  state:
    description: V(present) puts the listed parts on the medium; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description: With O(state=present), remove every other part this collection put into C(boot/<arch>/).
    type: bool
    default: false
  verify:
    description:
      - V(fast) trusts the index on the medium where the size still matches; V(full) reads every managed part back.
    type: str
    choices: [fast, full]
    default: fast
requirements:
  - mtools, sfdisk (util-linux) and blkid on the managed host for O(media.image).
notes:
  - C(CHECKSUMS) lines are C(<sha256>  <path>) with paths relative to the root of the medium, the format linuxrc's
    C(file_parse_checksums) reads (linuxrc C(file.c), openSUSE/linuxrc pull request 160). See C(docs/linuxrc.md).
seealso:
  - module: rescuefleet.media.linuxrc_part
  - module: rescuefleet.media.linuxrc_extend
  - module: rescuefleet.media.srm_deploy
'''

EXAMPLES = r'''
- name: Put our part on an openSUSE installation stick image
  rescuefleet.media.linuxrc_parts:
    media:
      image: /var/lib/rescue/opensuse-stick.img
      partition: 2
    parts:
      - src: /srv/parts/fleet-tools

- name: Remove it again
  rescuefleet.media.linuxrc_parts:
    media:
      path: /srv/install/leap-15.6
    parts:
      - name: fleet-tools
    state: absent
'''

RETURN = r'''
actions:
  description: What was done (or would be done in check mode), in order; V(add), V(replace) or V(remove).
  returned: always
  type: list
  elements: dict
  sample: [{action: add, name: fleet-tools, size: 4096, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}]
parts:
  description: The parts this collection manages in C(boot/<arch>/) after the run, with size, sha256 and path.
  returned: always
  type: list
  elements: dict
  sample: [{name: fleet-tools, path: boot/x86_64/fleet-tools, size: 4096,
            sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}]
basedir:
  description: The directory of the parts on the medium.
  returned: always
  type: str
  sample: boot/x86_64
checksums:
  description: Whether the medium has C(CHECKSUMS), whether it is signed (C(CHECKSUMS.asc)), and whether it changed.
  returned: always
  type: dict
  sample: {present: true, signed: true, changed: true}
medium:
  description: Facts about the medium (kind, filesystem, label, size, free space, partition).
  returned: always
  type: dict
  sample: {kind: fat-image, fstype: vfat, label: OPENSUSE, partition: 2, size: 1073741824, free: 1000000000}
swept:
  description: Temporary files of interrupted runs that were removed (or would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [boot/x86_64/~rf1a2b3.tmp]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import deploy_options_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.wanted import srms_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_parts import LinuxrcParts
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import media_argument_spec


def main():
    module = AnsibleModule(
        argument_spec=dict(
            media=media_argument_spec(),
            parts=srms_argument_spec(),
            arch=dict(type='str', default='x86_64'),
            **deploy_options_argument_spec()
        ),
        supports_check_mode=True,
    )
    run_task(module, LinuxrcParts(module.params, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == '__main__':
    main()
