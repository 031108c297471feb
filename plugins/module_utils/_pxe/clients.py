# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The clients of a PXE tree and the site they boot from: validation, and the one kernel command line.

``Site`` holds the tree's URLs and directories; ``Site.cmdline(client)`` is the only place where a
client's kernel command line is put together, so every boot file and the YAML's effective check
use the same arguments. ``parse_clients`` checks every client at once and raises one
:class:`PxeError` that lists all the problems.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR, BASEDIR_ARG, HTTP_PXE_ARG, SYSRESCUECFG_ARG

LOADERS = ('pxelinux', 'grub', 'ipxe')
# A client name becomes part of file names and URLs: keep it to what a hostname may hold.
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$')
_MAC_SEPARATORS = re.compile(r'[:\-.]')
_HEX12 = re.compile(r'^[0-9a-f]{12}$')
_URL = re.compile(r'^https?://[^\s/]+/(\S*/)?$')


class PxeError(RescueFleetError):
    """The task cannot go ahead; the message says what to do. Nothing was changed."""


def normalize_mac(value):
    """``aabbccddeeff`` for any of ``AA:BB:..``, ``aa-bb-..``, ``aabb.ccdd.eeff``, ``aabbcc..``; else None."""
    if not isinstance(value, str):
        return None
    text = _MAC_SEPARATORS.sub('', value.strip().lower())
    return text if _HEX12.match(text) else None


def deep_merge(base, over):
    """``over`` merged into a copy of ``base``, mappings recursively (Ansible's ``combine(recursive=true)``)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


class Client:
    """One machine that boots from the tree."""

    __slots__ = ('name', 'mac', 'module', 'config', 'kernel_args', 'ip')

    def __init__(self, name, mac, module, config, kernel_args, ip):
        self.name = name
        self.mac = mac              # 12 lower-case hex digits
        self.module = module        # URL for late_load_srm, or ''
        self.config = config        # merged configuration, late_load_srm included
        self.kernel_args = kernel_args
        self.ip = ip

    @property
    def mac_dashed(self):
        return '-'.join(self.mac[i:i + 2] for i in range(0, 12, 2))

    @property
    def mac_colons(self):
        return self.mac_dashed.replace('-', ':')


class Site:
    """The tree's URLs and directories, and the kernel command line built from them."""

    def __init__(self, params):
        self.url = params['url']
        boot_url = params.get('boot_url')
        self.boot_url = self.url if boot_url is None else boot_url
        self.basedir = params.get('basedir') or BASEDIR
        self.hosts_dir = (params.get('hosts_dir') or 'hosts').strip('/')
        self.srm_dir = (params.get('srm_dir') or 'srm').strip('/')
        self.grub_dir = (params.get('grub_dir') or 'grub').strip('/')
        self.initrds = list(params.get('initrds') or [])
        self.kernel_args = ' '.join((params.get('kernel_args') or '').split())
        self.menu_timeout = int(params.get('menu_timeout') if params.get('menu_timeout') is not None else 10)
        self.loaders = list(params.get('loaders') or LOADERS)

    def check(self):
        problems = []
        if not _URL.match(self.url or ''):
            problems.append('url %r must be an http:// or https:// URL ending in /' % (self.url,))
        if self.boot_url and not _URL.match(self.boot_url):
            problems.append('boot_url %r must be an http(s) URL ending in /, or empty to load kernel and initramfs '
                            'by TFTP' % (self.boot_url,))
        for label, value in (('basedir', self.basedir), ('hosts_dir', self.hosts_dir), ('srm_dir', self.srm_dir),
                             ('grub_dir', self.grub_dir)):
            if not value or '..' in value.split('/') or any(ch.isspace() for ch in value):
                problems.append('%s %r must be a relative directory without spaces or ..' % (label, value))
        for initrd in self.initrds:
            if not initrd or initrd.startswith('/') or any(ch.isspace() or ch == ',' for ch in initrd):
                problems.append('initrds entry %r must be a path relative to basedir without spaces or commas'
                                % (initrd,))
        if self.menu_timeout < 0:
            problems.append('menu_timeout must not be negative')
        return problems

    # -- URLs -------------------------------------------------------------------------------
    def yaml_url(self, client):
        return '%s%s/%s.yaml' % (self.url, self.hosts_dir, client.name)

    def module_url(self, module):
        """``late_load_srm`` for a module given by name (served from srm_dir) or by URL."""
        if not module:
            return ''
        if '://' in module:
            return module
        return '%s%s/%s' % (self.url, self.srm_dir, module)

    @property
    def kernel(self):
        return '%s/boot/x86_64/vmlinuz' % self.basedir

    def initrd_paths(self):
        return ['%s/%s' % (self.basedir, initrd) for initrd in self.initrds]

    def boot_urls(self, client=None):
        """Every URL a boot requests over HTTP: kernel, initramfs, root filesystem, YAML, module."""
        urls = []
        if self.boot_url:
            urls.extend(self.boot_url + path for path in [self.kernel] + self.initrd_paths())
        urls.append('%s%s/x86_64/airootfs.sfs' % (self.url, self.basedir))
        if client is not None:
            urls.append(self.yaml_url(client))
            if client.module:
                urls.append(client.module)
        return urls

    # -- the one kernel command line --------------------------------------------------------
    def cmdline(self, client=None):
        """The kernel arguments of a boot entry (without BOOTIF, which each loader adds its own way)."""
        args = ['%s=%s' % (BASEDIR_ARG, self.basedir), '%s=%s' % (HTTP_PXE_ARG, self.url),
                'ip=%s' % (client.ip if client is not None and client.ip else 'dhcp')]
        if client is not None:
            args.append('%s=%s' % (SYSRESCUECFG_ARG, self.yaml_url(client)))
        if self.kernel_args:
            args.append(self.kernel_args)
        if client is not None and client.kernel_args:
            args.append(client.kernel_args)
        return ' '.join(args)


def parse_clients(site, items, default_config):
    """Checked :class:`Client` objects for the module's ``clients``; one error listing every problem."""
    problems = site.check()
    by_mac = {}
    by_name = {}
    clients = []
    for index, item in enumerate(items or []):
        name = item.get('name')
        label = name if isinstance(name, str) and name else 'clients[%d]' % index
        if not isinstance(name, str) or not _NAME.match(name):
            problems.append('%s: name %r must be a hostname (letters, digits, ".", "_", "-"; at most 63 characters)'
                            % (label, name))
        mac = normalize_mac(item.get('mac'))
        if mac is None:
            problems.append('%s: MAC address %r is not 12 hex digits (aa:bb:cc:dd:ee:ff, aa-bb-.. or aabbcc..)'
                            % (label, item.get('mac')))
        else:
            by_mac.setdefault(mac, []).append(label)
        by_name.setdefault(label, []).append(index)
        ip = item.get('ip') or ''
        if any(ch.isspace() for ch in ip):
            problems.append('%s: ip %r must not contain spaces (the ip= kernel argument, e.g. '
                            '10.0.0.5::10.0.0.1:255.255.255.0:host:eth0:none)' % (label, ip))
        kernel_args = ' '.join((item.get('kernel_args') or '').split())
        config = item.get('config') or {}
        if not isinstance(config, dict):
            problems.append('%s: config must be a mapping of scopes' % label)
            config = {}
        config = deep_merge(default_config or {}, config)
        module = site.module_url(item.get('module') or '')
        if module:
            if any(ch.isspace() for ch in module):
                problems.append('%s: module %r must not contain spaces' % (label, module))
            config = deep_merge(config, {'global': {'late_load_srm': module}})
        clients.append(Client(label, mac, module, config, kernel_args, ip))
    duplicates = sorted('%s (%s)' % (':'.join(mac[i:i + 2] for i in range(0, 12, 2)), ', '.join(labels))
                        for mac, labels in by_mac.items() if len(labels) > 1)
    if duplicates:
        problems.append('MAC addresses given to more than one client: %s' % '; '.join(duplicates))
    names = sorted('%s (%d times)' % (name, len(indexes)) for name, indexes in by_name.items() if len(indexes) > 1)
    if names:
        problems.append('client names given more than once: %s' % ', '.join(names))
    if problems:
        raise PxeError('the PXE clients cannot be written: %s. Fix the inventory; nothing was changed'
                       % '; '.join(problems))
    return clients
