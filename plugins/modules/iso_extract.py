#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: iso_extract
short_description: Extract a directory of an ISO image into a directory tree, only when the ISO changed
version_added: 0.1.0
description:
  - Makes O(dest) hold the content of directory O(path) of the ISO image O(src), such as C(/sysresccd) of a
    SystemRescue ISO for the HTTP tree of a PXE server. The ISO is read with C(xorriso), never mounted, so this
    works where the kernel has no iso9660 driver (containers, execution environments).
  - The new tree is extracted beside O(dest) under a temporary name, made writable for its owner, and checked
    before it replaces O(dest) as a whole; a failed check leaves O(dest) as it was. Files the ISO restores
    read-only are made writable for the owner.
  - A record (O(record)) holds the sha256 of the ISO with its size, modification time and inode, so a run on the
    same ISO reads nothing and reports no change; another ISO, another O(path), or a missing O(dest) extracts
    again.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports whether a real run would extract, hashing O(src) when the record cannot vouch for it, and writes
        nothing; a O(dest) whose parent does not exist yet counts as missing.
  diff_mode:
    support: full
    details:
      - The ISO (name and sha256) O(dest) came from, before and after.
  idempotent:
    support: full
requirements:
  - xorriso
options:
  src:
    description: The ISO image (a file or a block device). It is only read.
    type: path
    required: true
  dest:
    description:
      - The directory that receives the content of O(path). It is replaced as a whole, so it must belong to this
        module. Missing parent directories are created.
    type: path
    required: true
  path:
    description: The directory of the ISO to extract.
    type: str
    default: /
  checksums:
    description:
      - Checksum files inside the extracted directory (paths relative to O(dest)), in the format of C(sha256sum)
        or C(sha512sum) (C(<digest>  <file>), files relative to the checksum file), such as
        V(x86_64/airootfs.sha512) of SystemRescue. Every file they name must match, or O(dest) is left as it was.
    type: list
    elements: str
    default: []
  required:
    description: Files that must be in the extracted directory (paths relative to O(dest)), such as V(boot/x86_64/vmlinuz).
    type: list
    elements: str
    default: []
  record:
    description: Where the record of the extracted ISO is kept. Defaults to C(<dest>.rescuefleet-iso.json).
    type: path
notes:
  - Refuses a O(dest) that exists and is not a directory, or is a symlink, and a record that is not a regular file
    (a FIFO would block the run).
  - Refuses, in check mode too (from the ISO's listing), a O(path) that is not a directory of the ISO, O(checksums)
    and O(required) files it lacks, a directory that does not fit beside O(dest) or cannot be written there, and
    paths with C(..).
  - Refuses an extracted tree whose files do not match its checksum files, leaving O(dest) as it was.
  - "Refuses, before the new tree replaces O(dest): a link in the extracted directory that leads out of it
    (absolute, or climbing out with C(..)), and a device, FIFO or socket, which a web server serving the tree
    would follow or choke on; a checksum file naming a path outside its directory; an O(src) or O(record) that
    lies inside O(dest) (which the swap would delete), decided on the directories themselves, however the paths
    are spelt (C(//), links, bind mounts)."
seealso:
  - module: rescuefleet.media.sysrescue_iso
  - module: rescuefleet.media.pxe_hosts
'''

EXAMPLES = r'''
- name: The SystemRescue tree of a PXE server's HTTP root, from the ISO
  rescuefleet.media.iso_extract:
    src: /srv/iso/systemrescue-12.00-amd64.iso
    path: /sysresccd
    dest: /srv/http/sysresccd
    checksums: [x86_64/airootfs.sha512]
    required: [boot/x86_64/vmlinuz]
'''

RETURN = r'''
src:
  description: The ISO image.
  type: str
  returned: always
dest:
  description: The directory that holds the extracted content.
  type: str
  returned: always
path:
  description: The directory of the ISO that was (or would be) extracted.
  type: str
  returned: always
  sample: /sysresccd
volume_id:
  description: The volume id of the ISO.
  type: str
  returned: always
  sample: RESCUE1200
sha256:
  description: The sha256 of the ISO.
  type: str
  returned: always
record:
  description: The record of the extracted ISO.
  type: str
  returned: always
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.iso_extract import IsoExtract


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path', required=True),
            dest=dict(type='path', required=True),
            path=dict(type='str', default='/'),
            checksums=dict(type='list', elements='str', default=[]),
            required=dict(type='list', elements='str', default=[]),
            record=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    run_task(module, IsoExtract(module.params, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == '__main__':
    main()
