# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The boot files of a PXE tree, one renderer per loader (pxelinux, GRUB, iPXE).

Every file carries :data:`MARKER`, which is how the tree writer knows a file is its own and may
remove it when its client is gone. Kernel arguments come from :meth:`Site.cmdline` only, written for
each loader by ``_kernel_args.write`` (which quotes them for GRUB, iPXE and pxelinux, and refuses what a
loader cannot carry; :func:`.clients.parse_clients` has checked that every loader can carry them).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import write_parts
from ansible_collections.rescuefleet.media.plugins.module_utils._pxe.clients import LOADER_DIALECTS

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


def _args(site, client, loader):
    """The command line of a boot entry in the language of ``loader``'s files."""
    return write_parts(site.cmdline_parts(client), LOADER_DIALECTS[loader])


def _about(site, client):
    if site.live:
        names = [url.rsplit('/', 1)[-1] for url, _sha256 in client.modules]
        what = 'a live system over HTTP with %s' % (', '.join(names) or 'no module')
    else:
        what = 'SystemRescue over HTTP with %s' % (client.module or 'no module')
    return '# %s (%s): %s.\n# %s\n' % (client.name, client.mac_colons, what, MARKER)


def _entry_label(site):
    """The label of the network boot entry in the default menus."""
    return 'live_http' if site.live else 'sysresccd_http'


def _entry_title(site):
    return '%s (HTTP, %s)' % (site.title, 'no modules' if site.live else 'no host configuration')


# -- per client ----------------------------------------------------------------------------
def pxelinux_host(site, client):
    base = _http_base(site)
    return ''.join((
        _about(site, client),
        'DEFAULT rescuefleet\nPROMPT 0\nTIMEOUT %d\n\n' % (site.menu_timeout * 10),
        'LABEL rescuefleet\n',
        '  MENU LABEL %s for %s (HTTP)\n' % (site.title, client.name),
        '  LINUX %s%s\n' % (base, site.kernel),
        '  INITRD %s\n' % ','.join(base + path for path in site.initrd_paths()),
        '  APPEND %s\n' % _args(site, client, 'pxelinux'),
        # SYSAPPEND 2 adds BOOTIF= for the interface pxelinux booted from
        '  SYSAPPEND 2\n',
    ))


def grub_host(site, client):
    base = _grub_base(site)
    return ''.join((
        _about(site, client),
        'set timeout=%d\nset default=0\n\n' % site.menu_timeout,
        "menuentry '%s for %s (HTTP)' {\n" % (site.title, client.name),
        '\tlinux %s%s %s BOOTIF=01-%s\n' % (base, site.kernel, _args(site, client, 'grub'), client.mac_dashed),
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
    args = '%s BOOTIF=01-%s' % (_args(site, client, 'ipxe'), client.mac_dashed)
    return '#!ipxe\n' + _about(site, client) + _ipxe_entry(site, args)


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
# Machines without files of their own get a menu of two entries: the local disk and the tree's system
# without a client's modules or configuration; menu_default says which one boots after the timeout.
def pxelinux_default(site):
    base = _http_base(site)
    label = _entry_label(site)
    default = 'local' if site.menu_default == 'local' else label
    return ''.join((
        '# Machines without a file of their own (pxelinux.cfg/01-<mac>) get this menu.\n# %s\n' % MARKER,
        'DEFAULT %s\nPROMPT 1\nTIMEOUT %d\n\n' % (default, site.menu_timeout * 10),
        'LABEL local\n  MENU LABEL Boot from the local disk\n  LOCALBOOT 0\n\n',
        'LABEL %s\n  MENU LABEL %s\n' % (label, _entry_title(site)),
        '  LINUX %s%s\n' % (base, site.kernel),
        '  INITRD %s\n' % ','.join(base + path for path in site.initrd_paths()),
        '  APPEND %s\n  SYSAPPEND 2\n' % _args(site, None, 'pxelinux'),
    ))


def grub_default(site):
    base = _grub_base(site)
    return ''.join((
        '# GRUB reads grub.cfg-01-<mac> of a machine first, then this menu.\n# %s\n' % MARKER,
        'set timeout=%d\nset default=%d\n\n' % (site.menu_timeout, 1 if site.menu_default == 'local' else 0),
        "menuentry '%s' {\n" % _entry_title(site),
        '\tlinux %s%s %s BOOTIF=01-${net_default_mac}\n' % (base, site.kernel, _args(site, None, 'grub')),
        '\tinitrd %s\n}\n\n' % ' '.join(base + path for path in site.initrd_paths()),
        "menuentry 'Boot from the local disk' {\n\texit\n}\n",
    ))


def ipxe_default(site):
    label = _entry_label(site)
    local, network = ('--default ', '') if site.menu_default == 'local' else ('', '--default ')
    return ''.join((
        '#!ipxe\n',
        '# Entry point: a machine with a file of its own (by MAC or hostname) boots it, others get the menu.\n',
        '# %s\n' % MARKER,
        'chain --autofree MAC-${mac:hexraw}.ipxe || chain --autofree MAC-${mac:hexhyp}.ipxe || '
        'chain --autofree HOSTNAME-${hostname}.ipxe || goto menu\n\n',
        ':menu\nmenu %s\n' % site.title,
        'item %slocal Boot from the local disk\n' % local,
        'item %s%s %s\n' % (network, label, _entry_title(site)),
        'choose --timeout %d target && goto ${target} || goto local\n\n' % (site.menu_timeout * 1000),
        ':%s\n' % label,
        _ipxe_entry(site, '%s BOOTIF=01-${mac:hexhyp}' % _args(site, None, 'ipxe')),
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
