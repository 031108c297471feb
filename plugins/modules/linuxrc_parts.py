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
  - Each part is checked as linuxrc checks it, by content - a filesystem image (squashfs, ext2/3/4, ...), a newc or
    binary cpio, a POSIX tar or an rpm archive, cpio and tar also compressed with gzip, xz or zstd. Anything else
    (odc or crc cpio, zip, GNU-format tar, a compressed filesystem image, a file shorter than 512 bytes) is refused
    with advice, because linuxrc stops the boot at a part it cannot load, even an optional one.
  - The digest list linuxrc reads is kept correct - C(/content) (its C(HASH) lines) on SUSE-tags media, else
    C(/CHECKSUMS). linuxrc checks every part it loads against it, and a part without an entry fails that check
    exactly like a wrong digest, so every part gets its entry. Entries that will be wrong are dropped before the parts
    are written and the new ones added afterwards. Entries of files linuxrc does not read (boot menus) are never
    touched.
  - A signed list (C(CHECKSUMS.asc), C(content.asc)) that no longer matches makes linuxrc stop with "Invalid signature.
    Installation aborted.", with no way to go on except booting with C(insecure=1). So by default
    (O(signed_media=refuse)) a change to a signed list fails before anything is written. O(signed_media=resign)
    re-signs the list with O(sign_key) as mksusecd does and adds the public key to C(/installkey.gpg) of the medium's
    initrds (C(boot/<arch>/loader/initrd), C(boot/<arch>/initrd)) by appending a small cpio archive, without rebuilding
    them; O(signed_media=invalidate) writes the change and leaves the signature broken. RV(signature) says what was
    done and whether the signature holds.
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
            C(?), C(+), a leading C(-) or characters FAT refuses. Defaults to the file name of O(parts[].src).
        type: str
      src:
        description: The part file on the host that runs the module (built by M(rescuefleet.media.linuxrc_part), or a
          filesystem image, newc cpio, POSIX tar or rpm archive, which linuxrc mounts or unpacks).
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
  signed_media:
    description:
      - What to do when the change alters a signed digest list (C(CHECKSUMS.asc) or C(content.asc)).
      - V(refuse) fails before anything is written, saying how to go on.
      - V(resign) signs the new list with O(sign_key) (a new detached, armored C(.asc)) and adds the key's public part
        to C(/installkey.gpg) of every initrd of the medium, appended as a gzip-compressed cpio archive (the kernel
        unpacks it over the original one; the original bytes stay as they are), and updates the initrd's entry in the
        list. The signature is then checked with gpg against the keyring each initrd holds. Needs gpg on the host that
        runs the module.
      - V(invalidate) writes the change and leaves the signature as it is; the medium then installs only when booted
        with C(insecure=1) (which turns off signature and digest checks).
    type: str
    choices: [refuse, resign, invalidate]
    default: refuse
  sign_key:
    description:
      - With O(signed_media=resign), a file on the host that runs the module holding the secret key to sign with
        (C(gpg --export-secret-keys --armor KEYID > key.asc)). gpg uses a temporary home directory; no keyring of the
        user is read or changed.
    type: path
  sign_key_passphrase:
    description: The passphrase of O(sign_key), when it has one.
    type: str
requirements:
  - mtools, sfdisk (util-linux) and blkid on the managed host for O(media.image).
  - gpg (gnupg) for O(signed_media=resign), and to report whether a signature holds.
  - zstd to read zstd-compressed parts and initrds.
notes:
  - C(CHECKSUMS) lines are C(<sha256>  <path>) with paths relative to the root of the medium (linuxrc C(file.c)
    C(file_parse_checksums); mksusecd writes C("%s  %s\n")); C(/content) lines are C(HASH SHA256 <hex>  <path>).
    When C(/content) exists linuxrc does not read C(CHECKSUMS). See C(docs/linuxrc.md) in the collection for the
    sources of every fact.
  - What was not shown by booting a real SUSE installer is listed in C(docs/linuxrc.md).
  - Refuses a medium without C(boot/<arch>/) (not a SUSE installation medium for O(arch)), an ISO9660 or read-only
    medium, and a set of parts that does not fit.
  - Refuses part names of the medium's own parts (files it did not put there) and names linuxrc or the medium use
    for something else (C(config), C(loader), C(linux), C(initrd), ...), because replacing them breaks the
    installer; the message says to choose another name.
  - Refuses parts linuxrc cannot load (odc or crc cpio, zip, anything not a filesystem image, newc or binary cpio,
    tar or rpm), because linuxrc stops the boot at such a part even when it is optional.
  - Refuses a change to a signed C(CHECKSUMS) or C(content) unless O(signed_media) says to re-sign or invalidate it,
    because linuxrc aborts on a signature that no longer matches.
seealso:
  - module: rescuefleet.media.linuxrc_part
  - module: rescuefleet.media.linuxrc_extend
  - module: rescuefleet.media.srm_deploy
'''

EXAMPLES = r'''
- name: Put our part on an unsigned openSUSE installation stick image
  rescuefleet.media.linuxrc_parts:
    media:
      image: /var/lib/rescue/opensuse-stick.img
      partition: 2
    parts:
      - src: /srv/parts/fleet-tools

- name: Put it on a signed medium, re-signing CHECKSUMS with our key as mksusecd --sign-key does
  rescuefleet.media.linuxrc_parts:
    media:
      path: /srv/install/leap-15.6
    parts:
      - src: /srv/parts/fleet-tools
    signed_media: resign
    sign_key: /etc/rescuefleet/media-signing-key.asc
    sign_key_passphrase: "{{ vault_media_signing_passphrase }}"

- name: Remove it again
  rescuefleet.media.linuxrc_parts:
    media:
      path: /srv/install/leap-15.6
    parts:
      - name: fleet-tools
    state: absent
    signed_media: resign
    sign_key: /etc/rescuefleet/media-signing-key.asc
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
  description: The digest list linuxrc reads (C(CHECKSUMS) or C(content)), whether the medium has it, whether it is
    signed (and by which file), and whether its entries changed.
  returned: always
  type: dict
  sample: {file: CHECKSUMS, present: true, signed: true, signature: CHECKSUMS.asc, changed: true}
signature:
  description:
    - What happened to the signature of the digest list. C(file) is the signature file (null when the list is not
      signed), C(mode) is O(signed_media), C(action) is V(none), V(resigned) or V(invalidated), C(key) the fingerprint
      of O(sign_key) when it was used, C(initrds) the initrds that got the public key.
    - C(holds) says whether the signature matches the list for the installer - checked with gpg against the keyring
      C(/installkey.gpg) of every initrd; V(false) after V(invalidated); null when the list is not signed or it cannot
      be told (no gpg, no initrd keyring). In check mode with O(signed_media=resign) a pending re-signing counts as
      holding, as the real run checks it.
  returned: always
  type: dict
  sample: {file: CHECKSUMS.asc, mode: resign, action: resigned, key: 0123456789ABCDEF0123456789ABCDEF01234567,
           initrds: [boot/x86_64/loader/initrd], holds: true}
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
            signed_media=dict(type='str', default='refuse', choices=['refuse', 'resign', 'invalidate']),
            sign_key=dict(type='path'),
            sign_key_passphrase=dict(type='str', no_log=True),
            **deploy_options_argument_spec()
        ),
        required_if=[('signed_media', 'resign', ['sign_key'])],
        supports_check_mode=True,
    )
    run_task(module, LinuxrcParts(module.params, check_mode=module.check_mode, want_diff=module._diff,
                                  gpg=module.get_bin_path('gpg')))


if __name__ == '__main__':
    main()
