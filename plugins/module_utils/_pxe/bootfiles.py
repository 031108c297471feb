# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The boot files of a PXE tree, one renderer per loader (pxelinux, GRUB, iPXE).

Every file carries :data:`MARKER`, which is how the tree writer knows a file is its own and may
remove it when its client is gone. Kernel arguments come from :meth:`Site.cmdline` only.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MARKER = 'Managed by rescuefleet.media.pxe_hosts; local changes are overwritten.'
# Files the pxe_server role wrote before pxe_hosts existed carry this one; they are ours too.
MARKERS = (MARKER.split(';', maxsplit=1)[0], 'Managed by rescuefleet.media.pxe_server')


def _http_base(site):
    return site.boot_url if site.boot_url else '/'


def _grub_base(site):
    if not site.boot_url:
        return '/'
    parts = urlsplit(site.boot_url)
    return '(http,%s)%s' % (parts.netloc, parts.path)


def _about(client):
    return ('# %s (%s): SystemRescue over HTTP with %s.\n# %s\n'
            % (client.name, client.mac_colons, client.module or 'no module', MARKER))


# -- per client ----------------------------------------------------------------------------
def pxelinux_host(site, client):
    base = _http_base(site)
    return ''.join((
        _about(client),
        'DEFAULT rescuefleet\nPROMPT 0\nTIMEOUT %d\n\n' % (site.menu_timeout * 10),
        'LABEL rescuefleet\n',
        '  MENU LABEL SystemRescue for %s (HTTP)\n' % client.name,
        '  LINUX %s%s\n' % (base, site.kernel),
        '  INITRD %s\n' % ','.join(base + path for path in site.initrd_paths()),
        '  APPEND %s\n' % site.cmdline(client),
        # SYSAPPEND 2 adds BOOTIF= for the interface pxelinux booted from
        '  SYSAPPEND 2\n',
    ))


def grub_host(site, client):
    base = _grub_base(site)
    return ''.join((
        _about(client),
        'set timeout=%d\nset default=0\n\n' % site.menu_timeout,
        "menuentry 'SystemRescue for %s (HTTP)' {\n" % client.name,
        '\tlinux %s%s %s BOOTIF=01-%s\n' % (base, site.kernel, site.cmdline(client), client.mac_dashed),
        '\tinitrd %s\n' % ' '.join(base + path for path in site.initrd_paths()),
        '}\n',
    ))


def _ipxe_entry(site, args):
    base = _http_base(site)
    # UEFI kernels find the initramfs iPXE hands over only through initrd=<name> on the command line
    names = ''.join(' initrd=%s' % path.rsplit('/', 1)[-1] for path in site.initrds)
    lines = ['kernel %s%s %s%s\n' % (base, site.kernel, args, names)]
    lines.extend('initrd %s%s\n' % (base, path) for path in site.initrd_paths())
    lines.append('boot\n')
    return ''.join(lines)


def ipxe_host(site, client):
    args = '%s BOOTIF=01-%s' % (site.cmdline(client), client.mac_dashed)
    return '#!ipxe\n' + _about(client) + _ipxe_entry(site, args)


def host_files(site, client):
    """``[(root, relative path, text)]`` of one client's boot files; root is ``'tftp'``."""
    files = []
    if 'pxelinux' in site.loaders:
        files.append(('tftp', 'pxelinux.cfg/01-%s' % client.mac_dashed, pxelinux_host(site, client)))
    if 'grub' in site.loaders:
        files.append(('tftp', '%s/grub.cfg-01-%s' % (site.grub_dir, client.mac_dashed), grub_host(site, client)))
    if 'ipxe' in site.loaders:
        text = ipxe_host(site, client)
        # the spellings iPXE scripts chain to: ${mac:hexraw}, ${mac:hexhyp} and ${hostname}
        files.append(('tftp', 'MAC-%s.ipxe' % client.mac, text))
        files.append(('tftp', 'MAC-%s.ipxe' % client.mac_dashed, text))
        files.append(('tftp', 'HOSTNAME-%s.ipxe' % client.name, text))
    return files


# -- default menus -------------------------------------------------------------------------
def pxelinux_default(site):
    base = _http_base(site)
    return ''.join((
        '# Machines without a file of their own (pxelinux.cfg/01-<mac>) get this menu.\n# %s\n' % MARKER,
        'DEFAULT local\nPROMPT 1\nTIMEOUT %d\n\n' % (site.menu_timeout * 10),
        'LABEL local\n  MENU LABEL Boot from the local disk\n  LOCALBOOT 0\n\n',
        'LABEL sysresccd_http\n  MENU LABEL SystemRescue (HTTP, no host configuration)\n',
        '  LINUX %s%s\n' % (base, site.kernel),
        '  INITRD %s\n' % ','.join(base + path for path in site.initrd_paths()),
        '  APPEND %s\n  SYSAPPEND 2\n' % site.cmdline(),
    ))


def grub_default(site):
    base = _grub_base(site)
    return ''.join((
        '# GRUB reads grub.cfg-01-<mac> of a machine first, then this menu.\n# %s\n' % MARKER,
        'set timeout=%d\nset default=0\n\n' % site.menu_timeout,
        "menuentry 'SystemRescue (HTTP, no host configuration)' {\n",
        '\tlinux %s%s %s BOOTIF=01-${net_default_mac}\n' % (base, site.kernel, site.cmdline()),
        '\tinitrd %s\n}\n\n' % ' '.join(base + path for path in site.initrd_paths()),
        "menuentry 'Boot from the local disk' {\n\texit\n}\n",
    ))


def ipxe_default(site):
    return ''.join((
        '#!ipxe\n',
        '# Entry point: a machine with a file of its own (by MAC or hostname) boots it, others get the menu.\n',
        '# %s\n' % MARKER,
        'chain --autofree MAC-${mac:hexraw}.ipxe || chain --autofree MAC-${mac:hexhyp}.ipxe || '
        'chain --autofree HOSTNAME-${hostname}.ipxe || goto menu\n\n',
        ':menu\nmenu SystemRescue\n',
        'item --default local local Boot from the local disk\n',
        'item sysresccd_http SystemRescue (HTTP, no host configuration)\n',
        'choose --timeout %d target && goto ${target} || goto local\n\n' % (site.menu_timeout * 1000),
        ':sysresccd_http\n',
        _ipxe_entry(site, '%s BOOTIF=01-${mac:hexhyp}' % site.cmdline()),
        '\n:local\nexit\n',
    ))


def default_files(site):
    files = []
    if 'pxelinux' in site.loaders:
        files.append(('tftp', 'pxelinux.cfg/default', pxelinux_default(site)))
    if 'grub' in site.loaders:
        files.append(('tftp', '%s/grub.cfg' % site.grub_dir, grub_default(site)))
    if 'ipxe' in site.loaders:
        files.append(('tftp', 'boot.ipxe', ipxe_default(site)))
    return files


def is_host_file_name(directory_kind, name):
    """Whether ``name`` in a directory of the given kind is named like a file this module writes
    (per-client files and default menus), so that a marked one may be removed when no longer wanted."""
    if directory_kind == 'pxelinux':
        return name.startswith('01-') or name == 'default'
    if directory_kind == 'grub':
        return name.startswith('grub.cfg-01-') or name == 'grub.cfg'
    return name == 'boot.ipxe' or (name.endswith('.ipxe') and name.startswith(('MAC-', 'HOSTNAME-')))
