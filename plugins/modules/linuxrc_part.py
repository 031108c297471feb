#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: linuxrc_part
short_description: Build a reproducible linuxrc part (a squashfs extension for SUSE installation media)
version_added: 0.1.0
description:
  - Builds one squashfs image that SUSE's installer and rescue system (linuxrc) load as a part, with
    C(extend=<name>) on the kernel command line (see M(rescuefleet.media.linuxrc_extend)) or with the C(extend <name>)
    shell command in the running installer; linuxrc loop-mounts it and links its files into C(/).
  - Uses the builder of M(rescuefleet.media.srm_build), with the same O(sources), the same reproducible output and
    the same manifest C(<dest>.manifest.json), so an unchanged part is a no-op that does not run mksquashfs.
  - O(init) and O(done) are stored as C(/.init) and C(/.done) at the root of the image with mode 0755. linuxrc runs
    C(<mountpoint>/.init <mountpoint>) B(only) when the part is added with the shell command C(extend <name>) in the
    running installer, and C(<mountpoint>/.done <mountpoint>) when C(extend -r <name>) removes it. A part loaded
    at boot through C(extend=) (or an inst-sys C(config) line) is only linked into C(/) - its C(.init) never runs,
    and linuxrc has no other way to run code from a part at boot. M(rescuefleet.media.linuxrc_extend) warns when it
    turns on a part that holds C(.init).
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports whether the part would be rebuilt and which paths would change, without writing.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  dest:
    description:
      - Path of the part to write; its directory must exist. The file name is the part's name on the medium
        unless M(rescuefleet.media.linuxrc_parts) gives another, such as C(fleet-tools) (linuxrc parts have no
        suffix).
    type: path
    required: true
  sources:
    description:
      - What goes into the part, in order; later items override earlier ones at the same path. The same as
        O(rescuefleet.media.srm_build#module:sources); each item has exactly one of O(sources[].src),
        O(sources[].path), O(sources[].content) or O(sources[].srm).
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description: A directory whose content is placed at O(sources[].dest). Symlinks are kept as symlinks.
        type: path
      path:
        description: A single file (or symlink), placed at O(sources[].dest) (inside it when it ends in C(/)).
        type: path
      content:
        description: Inline content of the file O(sources[].dest).
        type: str
      srm:
        description: An existing squashfs image (an SRM or another part) whose content is placed at O(sources[].dest).
        type: path
      dest:
        description: Location inside the part, such as C(/usr/local/bin/). Must not contain C(..).
        type: str
        default: /
      mode:
        description: Permissions of the files this item provides, as an octal string such as V('0755').
        type: raw
      exclude:
        description: Shell-style patterns of paths to leave out of O(sources[].src) or O(sources[].srm).
        type: list
        elements: str
        default: []
  init:
    description:
      - Script linuxrc runs as C(<mountpoint>/.init <mountpoint>) when the part is added with the shell command
        C(extend <name>) in the running installer (not when it is loaded at boot with C(extend=)); stored as
        C(/.init), mode 0755. Start it with a C(#!) line.
      - A source that also writes C(/.init) is refused.
    type: str
  done:
    description:
      - Script linuxrc runs as C(<mountpoint>/.done <mountpoint>) when C(extend -r <name>) removes the part; stored as
        C(/.done), mode 0755.
    type: str
  compression:
    description: Compressor used by mksquashfs. The kernel of the medium must support it (V(xz) is the safest).
    type: str
    choices: [zstd, xz, gzip, lz4, lzo]
    default: xz
  compression_level:
    description: Compression level; 1-22 for V(zstd), 1-9 for V(gzip) and V(lzo). V(xz) and V(lz4) take none.
    type: int
  block_size:
    description: Data block size, a power of two from V(4K) to V(1M), as bytes or with a K/M suffix.
    type: str
    default: 128K
  ownership:
    description: V(root) stores every file as owned by root; V(preserve) keeps the numeric owners of the sources.
    type: str
    choices: [root, preserve]
    default: root
  allow_core_overrides:
    description:
      - Allow paths such as C(/bin), C(/lib) or the C library that break a live system when a layer replaces them.
        Without this the build fails naming them.
    type: bool
    default: false
  force:
    description: Rebuild even when the manifest says that nothing changed.
    type: bool
    default: false
requirements:
  - mksquashfs from squashfs-tools 4.4 or later on the host that runs the module; unsquashfs as well for
    O(sources[].srm).
notes:
  - Facts relied on, from openSUSE's linuxrc sources (github.com/openSUSE/linuxrc) - C(auto2.c)
    C(auto2_add_extension) (reached only through the C(extend) shell command) runs C(.init) when the mounted part
    holds a regular file C(.init) at its root, and C(auto2_remove_extension) runs C(.done); C(install.c) C(add_instsys),
    which integrates the parts loaded at boot, only links them. See C(docs/linuxrc.md) in the collection.
  - Refuses an empty O(init) or O(done), and any source that also puts C(/.init) or C(/.done) into the part (its
    O(sources[].dest), a file inside a O(sources[].src) directory, a O(sources[].path), another O(sources[].srm))
    when O(init) or O(done) is given, because only one of them can be the script (a directory or SRM source can
    leave it out with O(sources[].exclude)).
  - Refuses everything M(rescuefleet.media.srm_build) refuses (a O(dest) that cannot be written, check mode too;
    C(..) in a destination; an output inside a source; paths SystemRescue needs unless O(allow_core_overrides);
    unreadable sources).
seealso:
  - module: rescuefleet.media.srm_build
  - module: rescuefleet.media.linuxrc_parts
  - module: rescuefleet.media.linuxrc_extend
'''

EXAMPLES = r'''
- name: Build a part with our tools and an SSH key for the installer's root
  rescuefleet.media.linuxrc_part:
    dest: /srv/parts/fleet-tools
    sources:
      - src: files/fleet-tools/
      - path: files/authorized_keys
        dest: /root/.ssh/authorized_keys
        mode: "0600"

- name: A part meant to be added by hand in a running installer (extend fleet-debug), with scripts for that
  rescuefleet.media.linuxrc_part:
    dest: /srv/parts/fleet-debug
    sources:
      - src: files/fleet-debug/
    # run only by the shell command "extend fleet-debug", never when the part is loaded at boot
    init: |
      #!/bin/sh
      echo "fleet-debug added at $1"
    done: |
      #!/bin/sh
      echo "fleet-debug removed"
'''

RETURN = r'''
dest:
  description: Absolute path of the part.
  returned: always
  type: str
  sample: /srv/parts/fleet-tools
sha256:
  description: SHA-256 of the part; null in check mode when a build would happen.
  returned: always
  type: str
  sample: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
size:
  description: Size of the part in bytes; null in check mode when a build would happen.
  returned: always
  type: int
  sample: 1048576
files:
  description: Number of non-directory entries in the part, the scripts included.
  returned: always
  type: int
  sample: 3
manifest:
  description: Path of the manifest kept beside the part.
  returned: always
  type: str
  sample: /srv/parts/fleet-tools.manifest.json
paths:
  description: Paths inside the part added, removed and changed since the last build.
  returned: always
  type: dict
  sample: {added: [/.init, /usr/local/bin/report-in], removed: [], changed: []}
setuid:
  description: Files with the setuid or setgid bit, with their mode.
  returned: always
  type: dict
  sample: {}
init:
  description: Whether the part has an C(/.init) script from O(init).
  returned: always
  type: bool
  sample: true
done:
  description: Whether the part has a C(/.done) script from O(done).
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_part import LinuxrcPartBuild
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.build import (
    build_options_argument_spec, sources_argument_spec)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type='path', required=True),
            sources=sources_argument_spec(),
            init=dict(type='str'),
            done=dict(type='str'),
            **build_options_argument_spec('xz')
        ),
        supports_check_mode=True,
    )
    run_task(module, LinuxrcPartBuild(module.params, module.get_bin_path('mksquashfs'), check_mode=module.check_mode,
                                      want_diff=module._diff, unsquashfs_path=module.get_bin_path('unsquashfs')))


if __name__ == '__main__':
    main()
