#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: srm_load
short_description: Late-load SystemRescue modules (SRMs) into a running rescue system, verified and idempotent
version_added: 0.1.0
description:
  - Does what SystemRescue's late loading (C(load-srm), C(late_load_srm)) does, on a host already booted into
    SystemRescue and reached over SSH, without a reboot. Each module is mounted read-only (loop) or, where mounting
    is not possible, extracted with C(unsquashfs), in O(staging_dir), and its content is copied over the running
    root with C(rsync -a --sparse --checksum) as C(load-srm) does (modes, owners and links kept, sparse files stay
    sparse), into the copy-on-write layer.
  - "Then, when O(root=/): C(systemctl daemon-reload), and C(systemctl start --no-block) of exactly the units whose
    links the modules added under a C(.wants/) (or C(.requires/)) directory of a system unit directory
    (C(multi-user.target.wants/), C(sockets.target.wants/), C(timers.target.wants/), ...: what
    C(systemctl enable) or O(rescuefleet.media.srm_build#module:systemd_enable) makes). A link the root already had
    starts nothing. Targets are never started, C(multi-user.target) least of all: SystemRescue's boot queues
    C(multi-user.target) after its early late loading, but after boot that starts again every unit it wants that
    the operator stopped, such as SystemRescue's firewall (C(iptables.service), enabled), whose rules then drop
    every new SSH connection and lock the fleet out. systemd still starts what each started unit itself requires
    or wants."
  - "A module that carries C(/root/.ssh/authorized_keys) or C(/etc/hosts) would replace the lines SystemRescue's boot
    appended from the YAML configuration (C(sysconfig.authorized_keys), C(sysconfig.hosts)), possibly the key
    Ansible logs in with; at boot those lines come after the modules. O(boot_files) says what happens: by default
    the module's file is followed by every line of the running system's file that it lacks (V(merge))."
  - SystemRescue's own C(load-srm) is not called, even when present, because it checks no sha256, fetches the
    module itself and leaves the systemd steps and the boot files to the boot script.
  - Before anything is copied, every module to load is checked against its sha256, listed as a squashfs image
    (anything else is refused), opened, and compared with the root by a dry run of the same rsync command. The
    space the changes take is compared with the free space of the filesystem holding O(root) (on a live system
    the copy-on-write space, in RAM). A new file costs its size, a file written anew its new size, and a file of
    the lower (read-only) layers that the module changes, even only in mode, owner or time, its whole size, since
    overlayfs copies it up. Any of these failing leaves the root unchanged.
  - "Where module files wait: a module sent from the controller (the action plugin transfers it into a private
    directory in O(staging_dir), not into Ansible's C(~/.ansible/tmp), which on a live system is copy-on-write
    space) and a downloaded one (with retries, as C(load-srm)'s C(curl --retry 2 --retry-connrefused)) wait in
    O(staging_dir), C(/tmp) by default, SystemRescue's own tmpfs. A module that already lies on the host, such as
    one on the read-only boot medium under C(/run/archiso/bootmnt), is loaded from where it lies, and nothing is
    created beside it."
  - A record, C(<root>/run/rescuefleet/srm_load.json), holds name, sha256, size and time of every module loaded.
    A module whose name and sha256 it holds is not loaded again (a second run changes nothing); a known name with
    another sha256 is loaded again (V(update)). The record lives under C(/run), so it goes away at the next boot,
    as the loaded files do.
  - Modules are loaded in the order given; where two modules hold the same path, the one loaded later wins (the
    opposite of early loading, where the first name wins).
  - "What late loading cannot do: files that a newer version of a module no longer holds stay on the root; there is
    no unload; everything loaded lives in the copy-on-write space, which is RAM on a live system (a warning says
    when little of it stays free); the result is lost at reboot (early loading from the medium, M(rescuefleet.media.srm_deploy),
    is the lasting way)."
  - With O(root=/), refuses a host that is not a SystemRescue/archiso live system unless O(allow_installed_system=true).
    A host counts as live when C(/run/archiso) exists, or C(/etc/os-release) has C(ID=sysrescue), or the root
    filesystem is an overlay whose lower layers include C(airootfs). Any other O(root) (a directory tree, for tests)
    is used as given.
  - The action plugin hashes each O(srms[].src) on the controller, asks the host which modules its record lacks,
    and transfers only those; with a local connection it reads them in place.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
attributes:
  check_mode:
    support: full
    details:
      - Reports the modules that would be loaded, the units that would start and the boot files that would be
        merged. Local files are verified (sha256, squashfs) and opened in O(staging_dir) (a read-only mount, or an
        extraction), and a dry run of the copy decides space, units and boot files, as in a real run; modules
        given by O(srms[].url) are not downloaded, so their verification happens in the real run only.
  diff_mode:
    support: full
    details:
      - Shows the record's modules (name and sha256) before and after.
  idempotent:
    support: full
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - Hashes and transfers O(srms[].src) from the controller unless O(remote_src=true), only for modules the host
        has not loaded, into a private directory in O(staging_dir).
options:
  srms:
    description:
      - The modules to load, in order. Each has O(srms[].src) or O(srms[].url).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name the module is recorded under. Defaults to the file name of O(srms[].src) or of the O(srms[].url) path.
        type: str
      src:
        description:
          - The module file, on the controller (found like the C(src) of M(ansible.builtin.copy), in C(files/)), or
            on the managed host with O(remote_src=true).
        type: path
      url:
        description:
          - An C(http), C(https), C(ftp) or C(file) URL the managed host downloads the module from, into
            O(staging_dir). Needs O(srms[].sha256). Redirects are followed; see O(retries).
        type: str
      sha256:
        description:
          - SHA-256 of the module. Required with O(srms[].url). With O(srms[].src) the action plugin computes it on
            the controller; the host checks the file against it before loading.
        type: str
      size:
        description: Size of the module in bytes, checked when given.
        type: int
  root:
    description:
      - The root to load into. V(/) is the running system; any other directory is treated as a root tree (for tests),
        and then the record goes to C(<root>/run/rescuefleet/) and systemd is not touched.
    type: path
    default: /
  remote_src:
    description:
      - O(srms[].src) is a path on the managed host instead of the controller. The file is read where it lies (it
        may be on the read-only boot medium, for example C(/run/archiso/bootmnt/sysresccd/)); nothing is written
        beside it.
    type: bool
    default: false
  allow_installed_system:
    description:
      - Load into the running system's root even when the host does not look like a live system. Whether O(root) is
        the running system's root is decided on the directory itself, however it is spelt (C(//), a link to C(/)). Late loading writes over the root
        and cannot be undone; this is rarely what is wanted on an installed system.
    type: bool
    default: false
    aliases: [force]
  method:
    description:
      - How the module's content is reached. V(mount) mounts it read-only on a loop device as C(load-srm) does
        (needs root); V(unsquashfs) extracts it into a temporary directory (more RAM while it runs); V(auto) mounts
        when running as root and extracts when the mount is refused.
    type: str
    choices: [auto, mount, unsquashfs]
    default: auto
  systemd:
    description:
      - With O(root=/), run C(systemctl daemon-reload) after loading and C(systemctl start --no-block) of the units
        the modules added (see the description; targets and C(multi-user.target) are never started).
    type: bool
    default: true
  boot_files:
    description:
      - What to do when a module carries C(/root/.ssh/authorized_keys) or C(/etc/hosts) and the running system's
        file has lines the module's version lacks (lines SystemRescue's boot appended from its YAML
        configuration, the key Ansible logs in with among them, or lines an operator added).
      - V(merge) writes the module's file followed by those lines, in their order, with the module's mode and
        owner, under a temporary name renamed into place (so the file is never without them), as the boot would
        have had it. Lines a module's older version brought stay too.
      - V(replace) copies the module's file as C(load-srm) does, and those lines are gone (a key that Ansible
        needs to log in included).
      - V(refuse) fails before anything is copied, naming the file; nothing is changed.
    type: str
    choices: [merge, replace, refuse]
    default: merge
  staging_dir:
    description:
      - Absolute path of the directory on the managed host where module files wait (sent from the controller, or
        downloaded) and modules are opened (mount points, or the extracted content with O(method=unsquashfs)),
        each run in a private directory it removes.
      - On SystemRescue C(/tmp) is a tmpfs of its own, apart from the copy-on-write space that the loaded files
        fill; a warning says when O(staging_dir) lies on the root filesystem.
    type: path
    default: /tmp
  retries:
    description:
      - How many times a download that failed for a transient reason (a timeout, a refused connection, HTTP 408,
        429, 500, 502, 503 or 504) is tried again, after 1 s, then 2 s, 4 s, ... (or what the server's
        C(Retry-After) asks, at most O(timeout) seconds). V(2) is what C(load-srm) does.
    type: int
    default: 2
  validate_certs:
    description: Verify the TLS certificate of an C(https) O(srms[].url).
    type: bool
    default: true
  timeout:
    description: Seconds to wait for a download to respond.
    type: int
    default: 30
requirements:
  - squashfs-tools (C(unsquashfs)) and rsync on the managed host; C(mount) with loop support for O(method=mount).
notes:
  - Refuses a host that is not a SystemRescue/archiso live system unless O(allow_installed_system), because the
    modules would be copied over an installed system.
  - Refuses, before anything is copied, a module whose sha256 differs from the one given, one that is not a squashfs
    image (only those can be late-loaded), one whose new files do not fit the free copy-on-write space, and an
    O(srms[].url) without O(srms[].sha256).
  - Refuses a record under O(root) that is not a regular file (a FIFO would block the run), and O(method=mount)
    without root.
  - "Refuses, before anything is fetched or copied: the running system's root when the host does not look like a
    live system (unless O(allow_installed_system)), also when O(root) names it another way (C(//), C(/./), a link
    to C(/)); a record (C(run/rescuefleet/srm_load.json) under O(root)) or a directory on its way that is a link
    leading out of O(root), since the record is read and written there; a module name, given or taken from the
    last component of a URL, that is not a plain file name."
seealso:
  - module: rescuefleet.media.srm_build
  - module: rescuefleet.media.srm_deploy
'''

EXAMPLES = r'''
- name: Late-load the fleet's tools on every host booted into SystemRescue
  rescuefleet.media.srm_load:
    srms:
      - src: build/10-fleet-tools.srm
      - url: https://pxe.example.com/srm/20-monitoring.srm
        sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae

- name: Load a module that lies on the boot medium (read-only), keeping the boot's authorized_keys lines
  rescuefleet.media.srm_load:
    remote_src: true
    boot_files: merge
    srms:
      - src: /run/archiso/bootmnt/sysresccd/late/30-recovery.srm

- name: Refuse a module that would take away lines of /root/.ssh/authorized_keys or /etc/hosts
  rescuefleet.media.srm_load:
    boot_files: refuse
    srms:
      - src: build/40-site-config.srm

- name: Try a module on a directory tree first
  rescuefleet.media.srm_load:
    root: /srv/test-root
    srms:
      - src: /srv/srm/10-fleet-tools.srm
    remote_src: true
'''

RETURN = r'''
actions:
  description: The modules loaded in this run (or that would be, in check mode), in order.
  returned: always
  type: list
  elements: dict
  contains:
    action:
      description: V(load) (not loaded before) or V(update) (loaded before with another sha256).
      type: str
      returned: always
    name:
      description: Module name.
      type: str
      returned: always
    sha256:
      description: SHA-256 of the module.
      type: str
      returned: always
    size:
      description: Size of the module file in bytes.
      type: int
      returned: when known
    old_sha256:
      description: SHA-256 of the version loaded before, for V(update).
      type: str
      returned: for update
    source:
      description: V(file) or V(url).
      type: str
      returned: always
    boot_files:
      description:
        - The boot files (C(/root/.ssh/authorized_keys), C(/etc/hosts)) the module carries while the running
          system's file has lines the module's version lacks; each with C(path), C(handling) (O(boot_files)) and
          C(lines), how many such lines were kept (V(merge)) or dropped (V(replace)). In check mode counted
          against the root as it is before the run.
      type: list
      elements: dict
      returned: when there are any
      sample: [{path: /root/.ssh/authorized_keys, handling: merge, lines: 1}]
  sample: [{action: load, name: 10-fleet-tools.srm, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae, size: 4096, source: file}]
loaded:
  description: The modules the record holds after the run (predicted in check mode), in load order.
  returned: always
  type: list
  elements: dict
  sample: [{name: 10-fleet-tools.srm, sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae, size: 4096,
            content_bytes: 12000, files_changed: 3, source: file, loaded_at: "2026-11-29T16:00:00Z"}]
root:
  description: The root loaded into.
  returned: always
  type: str
  sample: /
record:
  description: Path of the record on the managed host.
  returned: always
  type: str
  sample: /run/rescuefleet/srm_load.json
systemd:
  description: What was done with systemd after loading (or would be, in check mode), or why nothing was.
  returned: always
  type: str
  sample: ran systemctl daemon-reload and start --no-block recovery-agent.service
units:
  description:
    - The units the loaded modules enabled (new links under a C(.wants/) or C(.requires/) directory), which are
      started (or would be, in check mode) when O(root=/) and O(systemd=true). Targets are left out.
  returned: always
  type: list
  elements: str
  sample: [recovery-agent.service]
transferred:
  description:
    - Names of the modules the action plugin sent from the controller in this run (only those the host had not
      loaded). Empty with a local connection, in check mode, and when nothing had to change.
  returned: when O(remote_src=false)
  type: list
  elements: str
  sample: [10-fleet-tools.srm]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.wanted import srms_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.srm_load import SrmLoad


def main():
    module = AnsibleModule(
        argument_spec=dict(
            srms=srms_argument_spec(url=True),
            root=dict(type='path', default='/'),
            remote_src=dict(type='bool', default=False),
            allow_installed_system=dict(type='bool', default=False, aliases=['force']),
            method=dict(type='str', default='auto', choices=['auto', 'mount', 'unsquashfs']),
            systemd=dict(type='bool', default=True),
            boot_files=dict(type='str', default='merge', choices=['merge', 'replace', 'refuse']),
            staging_dir=dict(type='path', default='/tmp'),
            retries=dict(type='int', default=2),
            validate_certs=dict(type='bool', default=True),
            timeout=dict(type='int', default=30),
        ),
        supports_check_mode=True,
    )
    run_task(module, SrmLoad(module.params, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == '__main__':
    main()
