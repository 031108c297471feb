#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: srm_deploy
short_description: Put a set of SystemRescue modules (SRMs) on USB media, disk images and PXE trees
version_added: 0.1.0
description:
  - Makes the C(*.srm) files in O(basedir) of a medium match a declared set. SystemRescue early-loads every
    C(<basedir>/*.srm) in byte order of the names, and the first name wins where two modules hold the same
    path, so the names given here decide the order.
  - Compares by size, then by sha256 (never by modification time, which FAT keeps to 2 seconds). A small index
    C(<basedir>/.rescuefleet-srm.json) records name, size and sha256 of the modules on the medium so that
    O(verify=fast) does not read them back.
  - Writes each module under a temporary 8.3 name (C(~rfXXXXX.tmp), which SystemRescue ignores) and renames it
    into place. An interrupted run leaves the old module or the new one, never a partial C(*.srm); the next
    run removes the temporary leftovers.
  - Refuses ISO9660 media (a stick written like a CD-ROM), read-only media, and a set that does not fit, before
    writing anything. Two runs on the same medium take turns through a lock.
  - The action plugin hashes each O(srms[].src) on the controller and transfers only the modules the medium
    lacks, streaming them; with a local connection it reads them in place. Its planning run trusts the index
    (O(verify=fast)); with O(verify=full) the real run reads every module back once, and a module it finds
    changed is sent and the run repeated.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
  - rescuefleet.media.media
attributes:
  check_mode:
    support: full
    details:
      - Reports the planned actions (add, replace, remove) with names, sizes and sha256, and fails where a real
        run would fail (read-only or ISO9660 medium, not enough space, wrong label).
  diff_mode:
    support: full
  idempotent:
    support: full
    details:
      - A run without changes may still create or refresh the index file when it was missing or stale; that is
        not reported as a change.
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - Hashes and transfers O(srms[].src) from the controller unless O(remote_src=true).
options:
  media:
    required: true
  srms:
    description:
      - The modules. With O(state=absent) only O(srms[].name) is used.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - File name on the medium. Must end in C(.srm) (lower case; SystemRescue's pattern is case-sensitive)
            and be a plain name without C(/), C(\), C(:) and the other characters FAT refuses.
          - Defaults to the file name of O(srms[].src).
        type: str
      src:
        description:
          - The module file, on the controller (found like the C(src) of M(ansible.builtin.copy), in C(files/)),
            or on the managed host with O(remote_src=true).
        type: path
      sha256:
        description:
          - SHA-256 of the module. Without O(srms[].src), it names content that must already be on the medium.
            With O(srms[].src), it is trusted as the hash of that file (the action plugin sets it so the file is
            not hashed twice).
        type: str
      size:
        description: Size of the module in bytes; needed with O(srms[].sha256) when O(srms[].src) is not given.
        type: int
  basedir:
    description: Directory on the medium that SystemRescue reads modules from (its C(archisobasedir)).
    type: str
    default: sysresccd
  state:
    description:
      - V(present) puts the listed modules on the medium; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), remove every other C(*.srm) in O(basedir). Files with other names are never touched.
    type: bool
    default: false
  allow_non_squashfs:
    description:
      - Deploy an O(srms[].src) that is not a squashfs image (it does not start with the squashfs magic C(hsqs)).
      - By default such a file is refused before anything is transferred or written, since SystemRescue skips a
        module it cannot mount. Set it only for testing how the boot handles a broken module.
    type: bool
    default: false
  remote_src:
    description: O(srms[].src) is a path on the managed host instead of the controller.
    type: bool
    default: false
  verify:
    description:
      - V(fast) trusts the index on the medium where the size still matches; V(full) reads every module on the
        medium back and hashes it.
    type: str
    choices: [fast, full]
    default: fast
  _medium:
    description:
      - Internal, set by the action plugin; do not set it. The RV(medium) facts of its planning run just before, so
        that the real run does not probe the partition table again when the same FAT filesystem (the same volume
        serial in its boot sector) is still at that offset.
    type: dict
  label:
    description:
      - Check the filesystem label before writing. V(auto) compares it with the C(archisolabel=) of the medium's
        boot menus (a stick whose label differs does not boot); any other value must equal the label.
      - Skipped with a warning when the label cannot be read (a plain directory tree).
    type: str
requirements:
  - mtools, sfdisk (util-linux) and blkid on the managed host for O(media.image).
notes:
  - On a FAT medium reached through O(media.image), names (modules and O(basedir)) must be printable ASCII without
    the characters FAT refuses and without a trailing dot or space; on a directory medium a name may have at most
    238 bytes, so that its temporary name fits the 255-byte limit. Both are checked before anything is written.
  - On a directory medium, a path that leads outside O(media.path) through a symlink (for example C(sysresccd)
    pointing elsewhere) is refused; nothing is written, deleted or read there.
  - Refuses, before anything on the medium changes and in check mode too, an ISO9660 or read-only medium, and a
    filesystem label that is not the menus' C(archisolabel) (with O(label)), because that medium would not boot.
  - Refuses a O(srms[].src) that is not a regular file, or not a squashfs image unless O(allow_non_squashfs),
    because SystemRescue skips such a module at boot.
  - Refuses module names SystemRescue would not load (not ending in C(.srm)) or the medium cannot hold (FAT
    characters, non-ASCII, too long with the temporary name), and a name given twice (FAT ignores case).
  - Refuses to write where the medium holds a directory or a special file (FIFO, socket, device) with a module's
    name (case-insensitively on FAT), or where O(basedir) is a file, because the module never replaces what it did
    not create.
  - Refuses a set that does not fit on the medium, a path that leads out of O(media.path) through a symlink, and a
    module that must be written when no O(srms[].src) was given.
seealso:
  - module: rescuefleet.media.srm_build
'''

EXAMPLES = r'''
- name: Put the fleet's modules on a USB stick image, dropping any others
  rescuefleet.media.srm_deploy:
    media:
      image: /var/lib/rescue/stick.img
      label: RESCUE1200
    srms:
      - src: build/10-fleet-tools.srm
      - src: build/fleet-config.srm
        name: 20-fleet-config.srm
    exclusive: true
    label: auto

- name: Publish modules in a PXE/NFS tree already on the server
  rescuefleet.media.srm_deploy:
    media:
      path: /srv/pxe/sysrescue
    srms:
      - src: /srv/srm/10-fleet-tools.srm
    remote_src: true

- name: Remove a module
  rescuefleet.media.srm_deploy:
    media:
      path: /run/media/rescue
    srms:
      - name: 30-old.srm
    state: absent
'''

RETURN = r'''
actions:
  description: What was done (or would be done in check mode), in order.
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description: V(add), V(replace) or V(remove).
      type: str
      returned: always
    name:
      description: Module name.
      type: str
      returned: always
    size:
      description: Size in bytes of the module written, or of the module removed.
      type: int
      returned: always
    sha256:
      description: SHA-256 of the module written (or removed, when known).
      type: str
      returned: when known
  sample: [{action: add, name: 10-fleet-tools.srm, size: 4096, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}]
srms:
  description: The C(*.srm) files in O(basedir) after the run, in the order SystemRescue loads them.
  returned: always
  type: list
  elements: dict
  sample: [{name: 10-fleet-tools.srm, size: 4096, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}]
medium:
  description: Facts about the medium (kind, filesystem, label, size, free space, partition).
  returned: always
  type: dict
  sample: {kind: fat-image, fstype: vfat, label: RESCUE1200, partition: 1, size: 1073741824, free: 1000000000}
transferred:
  description:
    - Names of the modules the action plugin sent from the controller in this run (only those the medium lacked).
      Empty with a local connection, in check mode, and when nothing had to change.
  returned: when O(remote_src=false) and O(state=present)
  type: list
  elements: str
  sample: [10-fleet-tools.srm]
swept:
  description:
    - Temporary files of interrupted runs that were removed (or would be, in check mode), as paths on the
      medium. Check mode lists exactly what a real run removes.
    - Removing them counts as a change.
  returned: always
  type: list
  elements: str
  sample: [sysresccd/~rf1a2b3.tmp]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.deploy import deploy_options_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.wanted import srms_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import media_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.srm_deploy import SrmDeploy


def main():
    module = AnsibleModule(
        argument_spec=dict(
            media=media_argument_spec(),
            srms=srms_argument_spec(),
            basedir=dict(type='str', default='sysresccd'),
            remote_src=dict(type='bool', default=False),
            allow_non_squashfs=dict(type='bool', default=False),
            label=dict(type='str'),
            _medium=dict(type='dict'),
            **deploy_options_argument_spec()
        ),
        supports_check_mode=True,
    )
    run_task(module, SrmDeploy(module.params, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == '__main__':
    main()
