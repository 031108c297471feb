#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: bootcfg_loadsrm
short_description: Turn loadsrm and other kernel arguments on or off in the boot menus of rescue media
version_added: 0.1.0
description:
  - Adds or removes C(loadsrm), which makes SystemRescue load the SRMs of its medium at boot, and any other
    kernel arguments, in every boot entry of a medium or PXE tree that boots the rescue kernel, and nowhere else.
  - "Reads GRUB (C(linux), C(linuxefi), C(linux16), including menus written inside C(eval \"...\") as
    SystemRescue does, submenus, quoted arguments and variables), the syslinux family (syslinux, isolinux,
    extlinux, pxelinux: C(LINUX)/C(KERNEL) and C(APPEND) in C(LABEL) blocks, keywords in any case), iPXE scripts
    (C(kernel), C(chain), C(imgexec), C(imgselect), C(imgload), C(imgargs)), systemd-boot / Boot Loader
    Specification entries (C(options) lines) and plain one-line command-line files."
  - Arguments are matched as whole tokens by key, the text before the first C(=). V(loadsrm) never matches
    C(noloadsrm) or C(loadsrm_x). Setting an argument replaces its first occurrence in place and removes later
    duplicates; a new argument goes after the last argument of the entry. Existing arguments keep their position.
  - Only the argument text of the selected entries changes. Every other byte of a file stays as it was (line
    breaks, tabs, comments, the final line break), so enabling and then disabling an argument that was absent gives
    back the original file byte for byte.
  - Syslinux entries that do not boot a Linux kernel (C(COM32) modules such as C(whichsys.c32) or C(chain.c32),
    C(CONFIG), C(KERNEL) of a C(.c32) file) are never edited, whatever O(kernel) says; their C(APPEND) lines
    are module options.
  - "Syslinux global C(APPEND) (before the first C(LABEL)): a selected label without its own C(APPEND) inherits it.
    The global line is edited only when every label that inherits it is selected; otherwise the module fails and
    says which labels share it. A Linux label without any C(APPEND) gets a new C(APPEND) line after its kernel line,
    which is removed again with its last argument. A label with C(APPEND -) is refused."
  - All files are read and planned, and GRUB results checked, before anything is written; each file is then
    replaced atomically. A failure leaves the medium byte-identical.
author:
  - rescuefleet.media founders (@rescuefleet)
extends_documentation_fragment:
  - rescuefleet.media.attributes
  - rescuefleet.media.media
attributes:
  check_mode:
    support: full
    details:
      - Reports exactly the entries and files a real run would change, without writing (no lock file either).
  diff_mode:
    support: full
    details:
      - Returns one before/after diff per changed file.
  idempotent:
    support: full
options:
  media:
    description:
      - The boot filesystem to work on, as for the other modules of this collection. Give either O(media.path) or
        O(media.image).
      - Exactly one of O(media) and O(path) is required.
    type: dict
  path:
    description:
      - A single boot config file to edit, instead of a medium. Its format comes from its name and content, or from
        O(format).
    type: path
  files:
    description:
      - Boot configs to edit on O(media), as paths relative to its root, such as V(boot/grub/grubsrcd.cfg). Each
        must exist.
      - "Without it, every directory of the medium is searched, whatever its name (boot loaders read a config
        from wherever they were installed: SUSE's C(boot/x86_64/loader/), C(LiveOS/syslinux/), beside SRMs), for
        configs known by their name: C(grub.cfg), C(*.cfg) under C(grub/) or C(grub2/) and in C(EFI/),
        C(syslinux.cfg), C(isolinux.cfg), C(extlinux.conf), C(*.cfg) under C(syslinux/), C(isolinux/) or
        C(extlinux/), C(pxelinux.cfg/*), C(loader/entries/*.conf), C(*.ipxe), and small files that start with
        C(#!ipxe). Directory names are matched in any case; hidden files and files ending in C(.bak) are skipped."
      - "The search is bounded by counts only: 8 directory levels, 4000 directories and 64 files read for
        C(#!ipxe), shallow directories first. A medium so large that a bound is reached gets a warning naming
        what was not searched; name the configs here then."
    type: list
    elements: str
  format:
    description:
      - Format of the files. V(auto) tells it from the place, the name and the content of each file.
      - V(cmdline) is a plain file holding one kernel command line; it has no kernel path, so O(kernel) does not
        apply to it.
    type: str
    choices: [auto, grub, syslinux, ipxe, bls, cmdline]
    default: auto
  state:
    description:
      - V(present) makes every selected entry boot with C(loadsrm); an existing C(loadsrm=n) is replaced, while
        a value SystemRescue reads as true (C(y), C(yes), C(t), C(true), C(on), C(1), C(1.0)) is kept as it is.
      - V(absent) removes every C(loadsrm) argument from the selected entries.
      - V(keep) leaves C(loadsrm) alone, to edit only O(args).
    type: str
    choices: [present, absent, keep]
    default: present
  args:
    description:
      - Other kernel arguments to set or remove in the selected entries, by name.
      - A string value writes C(name=value), V(true) a bare flag C(name), V(false) or V(null) removes every
        occurrence of C(name).
      - Values are literal text the kernel receives, quoted for the language of each file (double quotes for
        syslinux, systemd-boot, command-line files and iPXE when the value holds a space; single quotes for GRUB
        where it holds anything but letters, digits and C(-_.,:/=+@%^~#), so a C($) is not expanded by GRUB, with
        the C($) escaped once more inside C(eval "...")). A value a file's language cannot carry is refused, naming
        the key and why, and nothing is written (see the notes).
      - C(loadsrm) itself is set with O(state) (or here when O(state=keep)).
    type: dict
    default: {}
  kernel:
    description:
      - Shell-style patterns of the kernel paths whose entries are edited, matched against the path as written
        (C(*) also matches C(/)). A GRUB device prefix such as C((hd0,1)) is ignored.
      - The default selects the kernels called C(vmlinuz*), which is how SystemRescue names its kernel
        (C(/sysresccd/boot/x86_64/vmlinuz), C(boot/x86_64/vmlinuz) in syslinux), and leaves memtest, EFI shells and
        chain loaders alone.
    type: list
    elements: str
    default: ['vmlinuz*', '*/vmlinuz*']
  titles:
    description:
      - Shell-style patterns; when given, only entries whose title (GRUB C(menuentry), syslinux C(MENU LABEL), BLS
        C(title), iPXE C(item) text), label (syslinux C(LABEL), iPXE C(:label)) or GRUB submenu path
        (C(Submenu>Entry)) matches one of them are edited. Matching is case-sensitive.
    type: list
    elements: str
    default: []
  backup:
    description:
      - Keep a copy of each changed file beside it, named C(<name>.<YYYYmmddTHHMMSS>.bak), without C(:) so that
        FAT accepts it.
    type: bool
    default: false
  validate_grub:
    description:
      - Check each changed GRUB file with C(grub-script-check) (C(grub2-script-check) on RPM systems) when it
        is installed on the host that runs the module. A result that fails the check is not written and the task fails.
      - When C(grub-script-check) is missing, the module warns and writes without the check.
    type: bool
    default: true
requirements:
  - C(grub-script-check) (package grub-common) or C(grub2-script-check) (package grub2-tools-minimal) to check
    GRUB results; optional.
  - mtools when O(media.image) is used.
notes:
  - SystemRescue also reads C(loadsrm) from its YAML configuration (C(global.loadsrm) in C(sysrescue.d/*.yaml)),
    which covers BIOS and UEFI menus at once; the kernel command line overrides it.
  - Runs on the same medium take turns through an advisory lock (on the root directory of O(media.path), on the
    image file or device of O(media.image)); nothing is left on the medium for it.
  - Refuses, before any file is written, an edit whose GRUB result fails C(grub-script-check) (with
    O(validate_grub)), so no menu is left unreadable.
  - Refuses C(loadsrm) in O(args) together with O(state) C(present) or C(absent), argument names with whitespace,
    C(=), quotes or backslashes, values on several lines or with a double quote, and values of another type than a
    string, true or false.
  - Refuses an ISO9660 or read-only medium (check mode too), a O(path) that is not a file, an empty O(files) list,
    and boot configs that are directories or special files.
  - Values of C(rootpass), C(vncpass) and C(rootcryptpass) are shown as C(********) in the diffs (before and after,
    in every entry of a file, selected or not) and in RV(files), and a value of one given in O(args) with the wrong
    type is refused without showing it.
  - "Refuses, before anything is written: a value in O(args) that a file's language cannot hand to the kernel
    unchanged: a double quote (the kernel has no escape for it); for GRUB C('), C(\") and C(\\) (GRUB 2.06 hands them
    on with a backslash in front) and a character whose UTF-8 bytes hold 0xa0 without a plain space (the kernel
    reads that byte as a space, GRUB does not quote it); for iPXE a word starting with C(#) (a comment), the words
    C(||), C(&&) and C(;) (another command), C(${...}) (a setting, which iPXE cannot escape), runs of spaces (iPXE
    joins words with one) and a trailing backslash (it joins the next line); control characters everywhere; an
    iPXE entry whose arguments go on over a backslash-continued line; a path (O(path), O(files)) that is a link
    leading out of the medium or out of the directory of O(path)."
seealso:
  - name: SystemRescue modules
    description: How SystemRescue loads SRMs and what loadsrm does.
    link: https://www.system-rescue.org/Modules/
'''

EXAMPLES = r'''
- name: Enable SRM loading in every SystemRescue entry of a mounted stick
  rescuefleet.media.bootcfg_loadsrm:
    media:
      path: /mnt/rescue

- name: Enable it on the FAT partition of a disk image, without mounting, keeping backups
  rescuefleet.media.bootcfg_loadsrm:
    media:
      image: /srv/images/rescue-usb.img
      label: RESCUE1200
    backup: true

- name: Add a per-host configuration and a serial console to the PXE menus, and disable SRMs
  rescuefleet.media.bootcfg_loadsrm:
    media:
      path: /srv/tftp
    files:
      - pxelinux.cfg/default
      - boot.ipxe
    state: absent
    args:
      sysrescuecfg: http://boot.example.net/hosts/web01.yaml
      console: ttyS0,115200n8
      nomodeset: false

- name: Only the copy-to-RAM entries
  rescuefleet.media.bootcfg_loadsrm:
    media:
      path: /mnt/rescue
    titles: ["*copytoram*"]

- name: Edit one GRUB file outside a medium
  rescuefleet.media.bootcfg_loadsrm:
    path: /srv/tftp/grub/grub.cfg-01-aa-bb-cc-dd-ee-ff
    state: keep
    args:
      copytoram: true
'''

RETURN = r'''
files:
  description: The boot configs read, in the order read, with the entries selected in each.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Path of the file relative to the root of the medium (the file name with O(path)).
      type: str
      returned: always
      sample: boot/grub/grubsrcd.cfg
    format:
      description: Format the file was read as.
      type: str
      returned: always
      sample: grub
    changed:
      description: Whether the file was (or in check mode would be) rewritten.
      type: bool
      returned: always
    entries:
      description: The selected boot entries of the file.
      type: list
      elements: dict
      returned: always
      contains:
        title:
          description: Menu title, or the label when there is none; null for plain command-line files.
          type: str
        label:
          description: Syslinux C(LABEL) or iPXE C(:label); null for other formats.
          type: str
        path:
          description: Titles of enclosing GRUB submenus and of the entry, joined with C(>).
          type: str
        kernel:
          description: Kernel path as written in the file.
          type: str
        before:
          description: The argument text of the entry before the edit, as written in the file.
          type: str
        after:
          description: The argument text after the edit.
          type: str
  sample:
    - path: boot/grub/grubsrcd.cfg
      format: grub
      changed: true
      entries:
        - title: Boot SystemRescue using default options
          label: null
          path: Boot SystemRescue using default options
          kernel: /sysresccd/boot/x86_64/vmlinuz
          before: archisobasedir=sysresccd $archiso_param iomem=relaxed
          after: archisobasedir=sysresccd $archiso_param iomem=relaxed loadsrm
backups:
  description: Backup files written, relative to the root of the medium.
  returned: always
  type: list
  elements: str
  sample: [boot/grub/grubsrcd.cfg.20261122T101500.bak]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.rescuefleet.media.plugins.module_utils._module_glue import run_task
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import media_argument_spec
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import find_bin

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import DEFAULT_KERNELS, FORMATS
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.bootcfg_loadsrm import LoadsrmRun


def main():
    module = AnsibleModule(
        argument_spec=dict(
            media=media_argument_spec(required=False),
            path=dict(type='path'),
            files=dict(type='list', elements='str'),
            format=dict(type='str', default='auto', choices=['auto'] + list(FORMATS)),
            state=dict(type='str', default='present', choices=['present', 'absent', 'keep']),
            args=dict(type='dict', default={}),
            kernel=dict(type='list', elements='str', default=list(DEFAULT_KERNELS)),
            titles=dict(type='list', elements='str', default=[]),
            backup=dict(type='bool', default=False),
            validate_grub=dict(type='bool', default=True),
        ),
        mutually_exclusive=[('media', 'path'), ('path', 'files')],
        required_one_of=[('media', 'path')],
        supports_check_mode=True,
    )
    run_task(module, LoadsrmRun(module.params, check_mode=module.check_mode, want_diff=module._diff,
                                grub_check=find_bin(module.get_bin_path, 'grub-script-check', 'grub2-script-check')))


if __name__ == '__main__':
    main()
