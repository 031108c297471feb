#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: pxe_hosts
short_description: Write every PXE client's SystemRescue YAML and boot files in one call
version_added: 0.1.0
description:
  - Owns the per-client files of a SystemRescue HTTP PXE tree (or of a dracut live system's, see O(system)) and
    writes all of them in one call, for hundreds or thousands of clients.
  - For each client, C(<http_root>/<hosts_dir>/<name>.yaml) (written by the same writer as
    M(rescuefleet.media.sysrescue_config), with C(global.late_load_srm) set to the client's module), and, per
    loader in O(loaders), pxelinux C(pxelinux.cfg/01-aa-bb-cc-dd-ee-ff), GRUB C(<grub_dir>/grub.cfg-01-aa-bb-cc-dd-ee-ff)
    and iPXE C(MAC-aabbccddeeff.ipxe), C(MAC-aa-bb-cc-dd-ee-ff.ipxe) and C(HOSTNAME-<name>.ipxe) under O(tftp_root).
  - Every boot entry gets one kernel command line, C(archisobasedir) C(archiso_http_srv) C(ip) C(sysrescuecfg),
    then O(kernel_args) and the client's own arguments; GRUB and iPXE add C(BOOTIF), pxelinux C(SYSAPPEND 2).
  - With O(system=dracut), the clients boot a dracut live system whose initramfs holds the collection's C(loadsrm)
    dracut module (the C(rescuefleet.media.dracut_media) role in netboot mode). No YAML is written; every entry gets
    O(kernel_args) (which must name the live root, C(root=live:<url>), as that role reports in
    C(dracut_media_result.netboot.cmdline)), then one C(rd.loadsrm.url=<url>#sha256=<hex>) per module in
    O(clients[].modules), then the client's own arguments.
  - With O(menus), also the default menus C(pxelinux.cfg/default), C(<grub_dir>/grub.cfg) and C(boot.ipxe), which
    chains the per-MAC and per-hostname iPXE files. Machines without files of their own get a menu with the local
    disk and the tree's system without any client's modules or configuration; O(menu_default) says which one boots
    after O(menu_timeout).
  - Content is compared before writing; a file is written only when it differs, under a temporary name renamed
    into place. Files of clients no longer listed are removed, but only files this module (or the
    C(rescuefleet.media.pxe_server) role before it) wrote, recognised by their marker comment or YAML header.
  - A file at a path this module writes that carries no marker (a site's own C(pxelinux.cfg/default) with other
    installers, a hand-written per-MAC file or client YAML) is someone else's, so the run is refused, naming every such
    file, unless O(adopt_unmarked) allows replacing them.
  - Writes go through the same directory-medium layer as the other modules' writes to a tree. Runs on the same
    tree take turns through an advisory lock on O(http_root) and O(tftp_root) (nothing is left in the tree for
    it), and a path that leads out of a root through a symlink is refused before anything is written.
  - Bad input (a MAC address that is not 12 hex digits, a MAC or name given twice, a configuration SystemRescue
    would not read as meant) fails with one message listing every problem, and nothing is written.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
attributes:
  check_mode:
    support: full
    details:
      - Missing directories count as empty, so check mode on a first run reports every file it would write.
  diff_mode:
    support: full
    details:
      - Up to 20 changed files, each file before and after, secrets of the YAML replaced by C(********). Above
        that, one line per changed client naming its files.
  idempotent:
    support: full
options:
  http_root:
    description: The HTTP document root; the YAML files go to C(<http_root>/<hosts_dir>/).
    type: path
    required: true
  tftp_root:
    description: Where the boot loader files go. Defaults to O(http_root).
    type: path
  url:
    description: The URL at which O(http_root) is served, ending in C(/).
    type: str
    required: true
  boot_url:
    description:
      - Base URL of kernel and initramfs in the boot files. Defaults to O(url).
      - V("") loads them by TFTP, relative to O(tftp_root), which must then hold the tree.
    type: str
  system:
    description:
      - What the clients boot. V(sysrescue) is SystemRescue over HTTP with a YAML file per client. V(dracut) is a
        dracut live system with the collection's C(loadsrm) module, its modules given on the command line with their
        sha256.
    type: str
    choices: [sysrescue, dracut]
    default: sysrescue
  basedir:
    description:
      - The directory of the tree that holds the system, relative to O(url) and O(boot_url); for SystemRescue its
        C(archisobasedir).
      - Default V(sysresccd), or V(LiveOS) with O(system=dracut).
    type: str
  kernel:
    description:
      - The kernel, relative to O(basedir).
      - Default V(boot/x86_64/vmlinuz), or V(vmlinuz) with O(system=dracut).
    type: str
  hosts_dir:
    description: Directory of O(http_root) for the per-client YAML files. It belongs to the module.
    type: str
    default: hosts
  srm_dir:
    description: Directory of O(http_root) from which modules named in O(clients[].module) are served.
    type: str
    default: srm
  grub_dir:
    description: Directory of O(tftp_root) that GRUB reads its configuration from (its C($prefix)).
    type: str
    default: grub
  initrds:
    description:
      - Initramfs images, relative to O(basedir), in order.
      - Default V([boot/intel_ucode.img, boot/amd_ucode.img, boot/x86_64/sysresccd.img]), or V([initrd.img]) with
        O(system=dracut).
    type: list
    elements: str
  kernel_args:
    description:
      - Extra kernel arguments of every boot entry, written as for the kernel itself (double quotes group words,
        as in C(rootpass="two words")). Each argument reaches the kernel as written, whatever the loader,
        pxelinux gets it as it is, GRUB in single quotes where it holds anything but letters, digits and
        C(-_.,:/=+@%^~#) (so C($) is not expanded and C(;) does not end the command), iPXE as it is.
      - An argument a loader of O(loaders) cannot carry is refused, naming its key and the loader; leave that
        loader out of O(loaders) or the characters out of the argument. GRUB hands C('), C(") and C(\) to the
        kernel with a backslash in front (C(grub_create_loader_cmdline)); iPXE reads a word starting with C(#) as a
        comment, the words C(||), C(&&) and C(;) as the start of another command and replaces C(${...}); the
        kernel cannot receive a double quote inside a value. Tabs, line breaks and other control characters, and
        empty arguments, are refused for every loader.
      - With O(system=dracut), the arguments every client needs, starting with the live root (C(root=live:<url>)).
    type: str
    default: ''
  menu_timeout:
    description: Seconds before the menus boot their default entry.
    type: int
    default: 10
  menu_default:
    description:
      - The entry of the default menus that boots after O(menu_timeout) on a machine without files of its own.
      - V(local) boots from the local disk, V(network) boots the tree's system without any client's modules or
        configuration.
    type: str
    choices: [local, network]
    default: local
  loaders:
    description: The boot loaders to write files for; marked files of the others are removed.
    type: list
    elements: str
    choices: [pxelinux, grub, ipxe]
    default: [pxelinux, grub, ipxe]
  menus:
    description: Also write the default menus.
    type: bool
    default: true
  default_config:
    description:
      - SystemRescue configuration every client gets, under its own (merged recursively).
      - Must stay empty with O(system=dracut).
    type: dict
    default: {}
  adopt_unmarked:
    description:
      - Replace files at the paths this module writes although they carry no marker of this module (hand-written
        default menus, per-MAC files or client YAML). Once replaced they carry the marker and belong to the module,
        which removes them when their client is gone.
      - Without it such files are refused and named, and nothing is written; to keep your own default menus, set
        O(menus=false) instead.
    type: bool
    default: false
  verify:
    description:
      - After writing, ask the server at O(url) (and O(boot_url)) for every file a client's boot requests, with
        HTTP C(HEAD) requests, and fail naming the ones that do not answer C(200). Not done in check mode.
    type: bool
    default: false
  verify_timeout:
    description: Seconds to wait for each answer with O(verify).
    type: int
    default: 10
  clients:
    description: The clients. An empty list removes every client's files.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The client's name (a hostname), used for its YAML file and C(HOSTNAME-<name>.ipxe).
        type: str
        required: true
      mac:
        description: MAC address, as C(aa:bb:cc:dd:ee:ff), C(AA-BB-CC-DD-EE-FF) or C(aabbccddeeff).
        type: str
        required: true
      module:
        description:
          - The module for C(global.late_load_srm), a file name served from O(srm_dir) (a combined module for a
            client with several) or a full C(http://) or C(https://) URL. Empty for none.
          - SystemRescue only; with O(system=dracut) use O(clients[].modules).
        type: str
        default: ''
      modules:
        description:
          - With O(system=dracut), the modules the client stacks on its live root, each a file name served from
            O(srm_dir) or a full URL, with the sha256 the C(loadsrm) dracut module checks it against. Where modules
            hold the same path, the one whose name sorts first wins, whatever the order here.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: The module's file name in O(srm_dir), or its URL.
            type: str
            required: true
          sha256:
            description: Its sha256, 64 hex digits.
            type: str
            required: true
      config:
        description:
          - The client's SystemRescue configuration, merged over O(default_config).
          - Must stay empty with O(system=dracut).
        type: dict
        default: {}
      kernel_args:
        description: Extra kernel arguments of this client's boot entries, written and checked as O(kernel_args).
        type: str
        default: ''
      ip:
        description:
          - The value of C(ip=) instead of V(dhcp), for a static address
            (C(client-ip::gateway:netmask:hostname:device:none)).
          - SystemRescue only; with O(system=dracut) put C(ip=) into O(clients[].kernel_args).
        type: str
requirements:
  - PyYAML on the host that runs the module.
  - requests on the host that runs the module, for O(verify).
notes:
  - Refuses, before anything is written and in check mode too, clients whose MAC address is not 12 hex digits or
    whose name is not a hostname, MACs and names given twice, and configurations SystemRescue would not read as
    meant, listing every problem at once.
  - Refuses O(url) and O(boot_url) that are not http(s) URLs ending in C(/), directories with C(..) or spaces, and
    with O(system=dracut) O(kernel_args) without the live root and SystemRescue-only client options.
  - Refuses to overwrite files at its paths that it did not write (no marker, such as a site's own
    C(pxelinux.cfg/default)) and names them, unless O(adopt_unmarked); O(menus=false) keeps the site's own menus.
  - Refuses a directory or special file where it writes a file, a file where it needs a directory, roots that are
    not directories or cannot be written (check mode too), and a path that leads out of a root through a symlink.
  - Values of C(rootpass), C(vncpass) and C(rootcryptpass) are never returned or shown in a diff, whatever their
    type (a list or mapping given by mistake is refused without showing its items), also the old values of a
    file the run changes or removes. They are plain text in the served YAML, readable by anyone who can fetch it;
    prefer C(rootcryptpass) with a crypt hash.
  - "Refuses, before anything is written (check mode too), with one message listing every problem: kernel
    arguments a loader of O(loaders) cannot hand to the kernel unchanged (the message names the argument by its
    key and the loader; see O(kernel_args)); paths and URLs (O(url), O(boot_url), O(basedir), O(kernel),
    O(initrds)) holding characters that GRUB or iPXE read as script syntax (quotes, backslash, C($), C(;),
    braces, C(|), C(&), C(<), C(>), C(#), wildcards, parentheses), because they are written into the boot files
    as they are; a GRUB file that C(grub-script-check) rejects, when it is installed; a file of the tree that is a
    link leading out of O(http_root) or O(tftp_root) (what it points at is never read, nor shown in a diff)."
seealso:
  - module: rescuefleet.media.sysrescue_config
  - name: SystemRescue PXE
    description: Booting SystemRescue from the network.
    link: https://www.system-rescue.org/manual/PXE_network_booting/
'''

EXAMPLES = r'''
- name: Every client's YAML and boot files
  rescuefleet.media.pxe_hosts:
    http_root: /srv/http/rescue
    tftp_root: /srv/tftp
    url: http://pxe.example.com/rescue/
    kernel_args: iomem=relaxed
    default_config:
      sysconfig:
        timezone: UTC
    clients:
      - name: web01
        mac: "52:54:00:12:34:01"
        module: 10-fleet-tools+20-fleet-config.srm
      - name: db01
        mac: 52-54-00-12-34-02
        module: https://srm.example.com/db-tools.srm
        config:
          global:
            setkmap: de-latin1
        ip: 10.0.0.12::10.0.0.1:255.255.255.0:db01:eth0:none
  register: pxe

- name: Show which clients changed
  ansible.builtin.debug:
    var: pxe.changed_clients

- name: Clients of a dracut live system (dracut_media role in netboot mode earlier in the play)
  rescuefleet.media.pxe_hosts:
    http_root: /srv/http/live
    url: http://pxe.example.com/live/
    system: dracut
    kernel_args: "{{ dracut_media_result.netboot.cmdline }} console=ttyS0,115200"
    menu_default: network
    clients:
      - name: web01
        mac: "52:54:00:12:34:01"
        modules:
          - {name: 10-fleet-tools.srm, sha256: "{{ srm_catalog_built['10-fleet-tools.srm'].sha256 }}"}
'''

RETURN = r'''
clients:
  description: The number of clients.
  returned: success
  type: int
  sample: 1000
files:
  description: The number of files the tree holds for the clients and the default menus.
  returned: success
  type: int
  sample: 6003
created:
  description: Files written that did not exist (would be, in check mode).
  returned: success
  type: int
  sample: 6
updated:
  description: Files rewritten because their content differed.
  returned: success
  type: int
  sample: 0
unchanged:
  description: Files left as they were.
  returned: success
  type: int
  sample: 5997
removed:
  description: Files of clients no longer listed, removed (would be, in check mode).
  returned: success
  type: list
  elements: str
  sample: [/srv/tftp/pxelinux.cfg/01-52-54-00-12-34-09]
changed_clients:
  description: Names of the clients with a file written.
  returned: success
  type: list
  elements: str
  sample: [web01]
boot_urls:
  description:
    - Every URL the clients' boots request over HTTP, once each; kernel, initramfs images and root filesystem first,
      then each client's YAML and modules.
  returned: success
  type: list
  elements: str
  sample: [http://pxe.example.com/rescue/sysresccd/boot/x86_64/vmlinuz, http://pxe.example.com/rescue/hosts/web01.yaml]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import find_bin
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.pxe_hosts import PxeHosts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            http_root=dict(type='path', required=True),
            tftp_root=dict(type='path'),
            url=dict(type='str', required=True),
            boot_url=dict(type='str'),
            system=dict(type='str', choices=['sysrescue', 'dracut'], default='sysrescue'),
            basedir=dict(type='str'),
            kernel=dict(type='str'),
            hosts_dir=dict(type='str', default='hosts'),
            srm_dir=dict(type='str', default='srm'),
            grub_dir=dict(type='str', default='grub'),
            initrds=dict(type='list', elements='str'),
            kernel_args=dict(type='str', default=''),
            menu_timeout=dict(type='int', default=10),
            menu_default=dict(type='str', choices=['local', 'network'], default='local'),
            loaders=dict(type='list', elements='str', choices=['pxelinux', 'grub', 'ipxe'],
                         default=['pxelinux', 'grub', 'ipxe']),
            menus=dict(type='bool', default=True),
            adopt_unmarked=dict(type='bool', default=False),
            default_config=dict(type='dict', default={}),
            verify=dict(type='bool', default=False),
            verify_timeout=dict(type='int', default=10),
            clients=dict(type='list', elements='dict', default=[], options=dict(
                name=dict(type='str', required=True),
                mac=dict(type='str', required=True),
                module=dict(type='str', default=''),
                modules=dict(type='list', elements='dict', default=[], options=dict(
                    name=dict(type='str', required=True),
                    sha256=dict(type='str', required=True),
                )),
                config=dict(type='dict', default={}),
                kernel_args=dict(type='str', default=''),
                ip=dict(type='str'),
            )),
        ),
        supports_check_mode=True,
    )
    # Passwords sit inside the configurations: run_task masks them wherever Ansible prints arguments or results.
    run_task(module, PxeHosts(module.params, check_mode=module.check_mode, want_diff=module._diff,
                              grub_check=find_bin(module.get_bin_path, 'grub-script-check', 'grub2-script-check')))


if __name__ == '__main__':
    main()
