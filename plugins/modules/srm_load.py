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
    is not possible, extracted with C(unsquashfs), and its content is copied over the running root with
    C(rsync -a --checksum) (modes, owners and links kept), into the copy-on-write layer. Then, when O(root=/),
    C(systemctl daemon-reload) and C(systemctl start --no-block multi-user.target) run, as SystemRescue's boot does
    after late loading, so that units the module enables (C(Wants=) of C(multi-user.target)) start.
  - SystemRescue's own C(load-srm) is not called, even when present, because it checks no sha256 and fetches the
    module itself; this module runs the same copy command and the same systemd steps.
  - Before anything is copied, every module to load is checked against its sha256, listed as a squashfs image
    (anything else is refused), and the space its new files take is compared with the free space of the
    filesystem holding O(root). Any of these failing leaves the root unchanged.
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
      - Reports the modules that would be loaded. Local files are verified (sha256, squashfs, space) as in a real
        run; modules given by O(srms[].url) are not downloaded, so their verification happens in the real run only.
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
        has not loaded.
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
          - An C(http), C(https), C(ftp) or C(file) URL the managed host downloads the module from. Needs O(srms[].sha256).
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
    description: O(srms[].src) is a path on the managed host instead of the controller.
    type: bool
    default: false
  allow_installed_system:
    description:
      - Load into O(root=/) even when the host does not look like a live system. Late loading writes over the root
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
      - With O(root=/), run C(systemctl daemon-reload) and C(systemctl start --no-block multi-user.target) after
        loading, as SystemRescue's late loading does.
    type: bool
    default: true
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
  description: What was done with systemd after loading, or why nothing was.
  returned: always
  type: str
  sample: ran systemctl daemon-reload and start --no-block multi-user.target
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
            validate_certs=dict(type='bool', default=True),
            timeout=dict(type='int', default=30),
        ),
        supports_check_mode=True,
    )
    run_task(module, SrmLoad(module.params, check_mode=module.check_mode, want_diff=module._diff))


if __name__ == '__main__':
    main()
