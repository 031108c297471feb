#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: srm_build
short_description: Build a reproducible SystemRescue module (SRM) from declared sources
version_added: 0.1.0
description:
  - Builds one squashfs file (an SRM, which SystemRescue overlays on its live root) from directories,
    single files and inline content, each placed at a chosen path inside the module.
  - The result is reproducible. The same inputs and options give a byte-identical file whatever the
    timestamps of the source files or the clock of the build host. All times are stored as 0, extended
    attributes and hard links are not stored, and entries are sorted.
  - A manifest of the inputs (paths, types, modes, owners, sizes, sha256, link targets) and the options is
    kept beside the output as C(<dest>.manifest.json). When the inputs are unchanged and the output is
    intact, nothing is rebuilt and mksquashfs is not run. Files whose stat data (size, mtime, ctime, inode,
    device) equal the recorded ones are not even hashed again.
  - The output is written to a temporary file beside O(dest), whose name starts with a dot and does not
    end in C(.srm), and renamed into place. An interrupted build never leaves a partial C(.srm); the
    next run removes its leftovers.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports whether the module would be rebuilt and which paths would change, without writing.
      - RV(sha256) and RV(size) are not known before a build and are returned as null in check mode
        when a build would happen.
  diff_mode:
    support: full
    details:
      - The diff lists the paths added, removed and changed (type, mode, owner, size, sha256 prefix),
        at most 500 of them.
  idempotent:
    support: full
options:
  dest:
    description:
      - Path of the SRM file to write. Its directory must exist.
      - Name it C(*.srm) so that SystemRescue loads it; the name orders it among other modules.
    type: path
    required: true
  sources:
    description:
      - What goes into the module, in order. Later items override earlier ones at the same path.
      - Each item has exactly one of O(sources[].src), O(sources[].path), O(sources[].content),
        O(sources[].srm) or O(sources[].pacman).
      - Note that this is the opposite of SystemRescue's rule for modules on a medium, where the module whose
        name sorts first wins. To combine modules into one that behaves like the set, list them in reverse
        name order (the C(srm_catalog) role does this for its combined modules).
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description:
          - A directory on the host running the module. Its content (not the directory itself) is placed
            at O(sources[].dest).
          - Symlinks are stored as symlinks and never followed. Sockets, FIFOs and device nodes are skipped
            with a warning.
        type: path
      path:
        description:
          - A single file (or symlink). When O(sources[].dest) ends in C(/) or names a directory of the
            module, the file keeps its name inside it; otherwise O(sources[].dest) is the full file path.
        type: path
      content:
        description:
          - Inline content of a file at O(sources[].dest), which must name a file.
        type: str
      srm:
        description:
          - An existing SRM (any squashfs image) whose content is placed at O(sources[].dest), as if it
            were a O(sources[].src) directory. This makes one module out of several, for C(late_load_srm),
            which takes a single module.
          - Every file is recorded with its own sha256 in the manifest, so the combined module is rebuilt
            exactly when the content it takes changes.
          - For a module built by this module, the records of its manifest are used when the manifest
            still describes it (same sha256); its files are extracted only when a build is needed. Any
            other module is extracted into a temporary directory and hashed on every run.
          - O(sources[].mode) and O(sources[].exclude) apply as for O(sources[].src). Owners are those
            stored in the module with O(ownership=preserve) (when extracted, as the extracting user could
            restore them).
        type: path
      pacman:
        description:
          - Pacman packages with their dependencies, minus what O(sources[].pacman.base) already has, installed
            by pacman into a private staging root. The module gets their files and their pacman database
            entries (C(/var/lib/pacman/local/<name>-<version>/)), as C(cowpacman2srm) produces, so pacman in the
            live system knows them. No SystemRescue needs to run.
          - Resolution is computed from the repositories' databases (by name in the first repository that has
            it, else the first package that provides it), and the manifest records the resolved set (names,
            versions, sha256 of each package file). When that set, the base and the options are unchanged, the
            module is a no-op that downloads no package and does not run pacman; a new package version in a
            repository is a change, which check mode reports in RV(packages) without downloading packages.
          - Install scriptlets (C(.INSTALL)) do not run; they are programs of the target system, the staging root
            holds none of the base's tools to run them, and running them on the controller would run the
            controller's tools instead. Packages that need them to set up users or generated files need a
            O(sources[].content) or an autorun script instead. Hooks do not run either.
          - The result is reproducible; the install date in each database entry is the package's build date,
            dependencies are recorded as installed as dependencies, and file times are stored as 0.
          - A package that would overwrite a path of the base is refused unless O(allow_core_overrides=true); so
            is a dependency that needs a newer version of a base package (a module cannot remove the base's old
            files). Packages are installed only when a build needs them, which takes root (C(become)).
        type: dict
        suboptions:
          packages:
            description: Names of the packages to add (or names that packages provide); dependencies follow.
            type: list
            elements: str
            required: true
          repositories:
            description:
              - Pacman sync repositories, in order of preference.
            type: list
            elements: dict
            required: true
            suboptions:
              name:
                description: Repository name; its database is C(<url>/<name>.db).
                type: str
                required: true
              url:
                description:
                  - An C(http://) or C(https://) URL of the directory that holds C(<name>.db) and the packages,
                    such as a dated archive snapshot (C(https://archive.archlinux.org/repos/2025/04/07/extra/os/x86_64))
                    so that the result does not change under your feet, or an absolute local directory.
                  - HTTP downloads use the Python library C(requests) with timeouts (10 s to connect, 60 s between
                    bytes), three retries with back-off, and conditional requests for databases; not pacman's own
                    downloader, because the databases are needed before pacman runs (a no-op never runs it) and
                    the cache belongs beside the modules rather than in pacman's cache.
                type: str
                required: true
          base:
            description:
              - The root filesystem the module will overlay, whose pacman database says what is installed
                already, normally SystemRescue's C(sysresccd/x86_64/airootfs.sfs) (a squashfs image), or a
                directory holding a root filesystem. It must hold C(/var/lib/pacman/local).
              - Without it every package and dependency goes into the module.
            type: path
          cache_dir:
            description:
              - Where downloaded databases and packages are kept. Default C(.pacman-cache) in the directory of O(dest).
            type: path
          database_max_age:
            description:
              - Seconds for which a downloaded repository database is used without asking the server again.
              - V(0) asks on every run (a conditional request that costs little when nothing changed).
            type: int
            default: 0
          signatures:
            description:
              - V(required) verifies every package against its detached signature (C(<file>.sig)) with the keys
                of O(sources[].pacman.keyring).
              - V(never) does not check signatures and says so in a warning. The sha256 of every package file
                is checked against the repository database in both cases.
            type: str
            choices: [never, required]
            default: never
          keyring:
            description:
              - A GnuPG home directory holding the trusted keys, such as a copy of C(/etc/pacman.d/gnupg)
                populated by C(pacman-key --populate archlinux). Required with O(sources[].pacman.signatures=required).
            type: path
          architecture:
            description: Architecture of the packages, as pacman names it.
            type: str
            default: x86_64
      dest:
        description:
          - Location inside the module, such as C(/etc/ssh/) or C(/usr/local/bin/tool). Must not contain C(..).
        type: str
        default: /
      mode:
        description:
          - Permissions of the files this item provides, as an octal string such as V('0755').
          - For O(sources[].src) and O(sources[].srm), applies to regular files; directories keep their own mode.
          - Without it, files keep the mode of their source; inline content gets V('0644').
        type: raw
      exclude:
        description:
          - Shell-style patterns of paths to leave out of a O(sources[].src) directory or an O(sources[].srm)
            module. A pattern matches the path relative to it or the last component, so V(.git) and V(*.pyc)
            both work; an excluded directory is left out with everything in it.
        type: list
        elements: str
        default: []
  systemd_enable:
    description:
      - Units to enable by adding C(/etc/systemd/system/multi-user.target.wants/<unit>) symlinks, the way
        C(cowpacman2srm) keeps enabled units.
      - The link points to the unit in C(/etc/systemd/system) or C(/usr/lib/systemd/system) when the module
        provides it there, otherwise to C(/usr/lib/systemd/system/<unit>) of the live system. Template
        instances such as V(getty@tty2.service) link to the template file.
      - SystemRescue's late loading (C(late_load_srm)) only starts units wanted by C(multi-user.target).
        M(rescuefleet.media.srm_load) starts each unit enabled this way by name (never C(multi-user.target)).
    type: list
    elements: str
    default: []
  compression:
    description: Compressor used by mksquashfs.
    type: str
    choices: [zstd, xz, gzip, lz4, lzo]
    default: zstd
  compression_level:
    description:
      - Compression level; 1-22 for V(zstd), 1-9 for V(gzip) and V(lzo). V(xz) and V(lz4) take none.
      - Without it, mksquashfs uses its default for the compressor.
    type: int
  block_size:
    description: Data block size, a power of two from V(4K) to V(1M), as bytes or with a K/M suffix.
    type: str
    default: 128K
  ownership:
    description:
      - V(root) stores every file as owned by root, as SystemRescue's own modules are.
      - V(preserve) keeps the numeric owner and group of the source files (inline content and directories
        the module creates are owned by root).
    type: str
    choices: [root, preserve]
    default: root
  allow_core_overrides:
    description:
      - Allow paths that can make SystemRescue unbootable when a module overrides them. Without this the
        build fails naming them.
      - Guarded are C(/bin), C(/sbin), C(/lib), C(/lib64), C(/usr/sbin) (symlinks on SystemRescue, which a
        module would turn into directories), kernel modules under C(/usr/lib/modules), the C library and
        dynamic loader, systemd's core binaries and libraries, C(/usr/bin/init), and C(/etc/fstab).
    type: bool
    default: false
  force:
    description: Rebuild even when the manifest says that nothing changed.
    type: bool
    default: false
requirements:
  - mksquashfs from squashfs-tools 4.4 or later on the host that runs the module; unsquashfs as well for
    O(sources[].srm) and for a squashfs O(sources[].pacman.base).
  - For O(sources[].pacman), pacman 6 (Debian 12 packages C(pacman-package-manager) and C(libarchive-tools);
    native on Arch Linux), and the Python library C(requests) for HTTP repositories.
notes:
  - Setuid and setgid files are allowed and reported in RV(setuid).
  - Refuses, before anything is written and in check mode too, a O(dest) whose directory is missing or cannot be
    written (permission or a read-only filesystem), and a O(dest) that is a directory.
  - Refuses an output inside a O(sources[].src) directory, or an O(sources[].srm) that is the output itself, because
    the module would contain itself.
  - Refuses a O(sources[].dest) with C(..) or a NUL byte, a path two sources make both a file and a directory, and
    names that are not UTF-8, because SystemRescue's tools and Ansible's results need them whole.
  - Refuses paths that SystemRescue needs to boot (C(/bin), C(/sbin), C(/lib), C(/lib64), C(/usr/sbin), kernel
    modules, the C library, systemd's core, C(/etc/fstab)) unless O(allow_core_overrides), because a module
    overriding them makes the rescue system unbootable.
  - Refuses an O(sources[].srm) that is not a regular file or not a squashfs image, and sources it cannot read,
    naming the source.
  - Refuses a O(sources[].pacman) install without root (check mode too), packages that would overwrite files of
    O(sources[].pacman.base) unless O(allow_core_overrides), and package files whose sha256 differs from the
    repository database.
  - Refuses a build when mksquashfs (or, for O(sources[].srm), unsquashfs) is missing or does not support
    O(compression), and an O(block_size) or O(compression_level) mksquashfs would not take.
  - "Refuses, before anything is written: a pacman repository database whose C(%FILENAME%) is not a plain file
    name (a C(/), a leading C(.), more than 255 bytes), as libalpm refuses it (C(_alpm_validate_filename)), since
    the name is joined to the cache directory and a hostile or intercepted C(http://) repository could otherwise
    write or delete files anywhere; nothing is downloaded. A package whose sha256 differs from the database is
    removed from the cache, and only from there. Records of an C(srm) source (its manifest) with a path that is
    not a clean path inside the module. An output whose directory lies inside a C(src) directory, found by the
    directory itself (a bind mount or link under another name included)."
seealso:
  - name: SystemRescue modules
    description: How SystemRescue loads SRMs.
    link: https://www.system-rescue.org/Modules/
'''

EXAMPLES = r'''
- name: Build a module with our tools, keys and an enabled service
  rescuefleet.media.srm_build:
    dest: /srv/srm/20-fleet-tools.srm
    sources:
      - src: files/fleet-tools/
        exclude: [".git", "*.pyc"]
      - path: files/authorized_keys
        dest: /root/.ssh/authorized_keys
        mode: "0600"
      - content: |
          [Unit]
          Description=Report in to the fleet
          [Service]
          Type=oneshot
          ExecStart=/usr/local/bin/report-in
          [Install]
          WantedBy=multi-user.target
        dest: /etc/systemd/system/report-in.service
    systemd_enable:
      - report-in.service
      - sshd.service

- name: A module from Arch packages, exactly what the SystemRescue release lacks
  rescuefleet.media.srm_build:
    dest: /srv/srm/30-tools.srm
    sources:
      - pacman:
          packages: [htop, nmap]
          repositories:
            - name: extra
              url: https://archive.archlinux.org/repos/2025/04/07/extra/os/x86_64
          base: /srv/iso/sysresccd/x86_64/airootfs.sfs
      - content: "Fleet tools\n"
        dest: /etc/motd
  become: true

- name: Build with maximum xz compression for a slow PXE link
  rescuefleet.media.srm_build:
    dest: /srv/srm/30-small.srm
    compression: xz
    block_size: 1M
    sources:
      - src: files/small/

- name: One module out of two for late_load_srm; 10-tools wins where both hold a path
  rescuefleet.media.srm_build:
    dest: /srv/pxe/srm/tools+config.srm
    sources:
      - srm: /srv/srm/20-config.srm
      - srm: /srv/srm/10-tools.srm
'''

RETURN = r'''
dest:
  description: Absolute path of the module.
  returned: always
  type: str
  sample: /srv/srm/20-fleet-tools.srm
sha256:
  description: SHA-256 of the module file; null in check mode when a build would happen.
  returned: always
  type: str
  sample: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
size:
  description: Size of the module file in bytes; null in check mode when a build would happen.
  returned: always
  type: int
  sample: 1048576
files:
  description: Number of non-directory entries (files and symlinks) in the module.
  returned: always
  type: int
  sample: 42
manifest:
  description: Path of the manifest kept beside the module.
  returned: always
  type: str
  sample: /srv/srm/20-fleet-tools.srm.manifest.json
paths:
  description: Paths inside the module added, removed and changed since the last build.
  returned: always
  type: dict
  contains:
    added:
      description: Paths new in this build (all of them on a first build).
      type: list
      elements: str
      returned: always
    removed:
      description: Paths no longer in the module.
      type: list
      elements: str
      returned: always
    changed:
      description: Paths whose content, type, mode, owner or link target changed.
      type: list
      elements: str
      returned: always
  sample: {added: [/usr/local/bin/report-in], removed: [], changed: [/etc/motd]}
packages:
  description:
    - For each O(sources[].pacman) source (by its place, such as V(sources[0])), the packages added,
      removed and changed (with the old and new version) since the last build.
  returned: when a source is O(sources[].pacman)
  type: dict
  sample: {"sources[0]": {added: [libnl 3.11.0-1], removed: [], changed: [htop 3.3.0-1 -> 3.4.0-1]}}
setuid:
  description: Files with the setuid or setgid bit, with their mode.
  returned: always
  type: dict
  sample: {/usr/local/bin/helper: "4755"}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.build import build_options_argument_spec, sources_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.srm_build import SrmBuild


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type='path', required=True),
            sources=sources_argument_spec(pacman=True),
            systemd_enable=dict(type='list', elements='str', default=[]),
            **build_options_argument_spec()
        ),
        supports_check_mode=True,
    )
    run_task(module, SrmBuild(module.params, module.get_bin_path('mksquashfs'), check_mode=module.check_mode,
                              want_diff=module._diff, unsquashfs_path=module.get_bin_path('unsquashfs'),
                              pacman_path=module.get_bin_path('pacman')))


if __name__ == '__main__':
    main()
