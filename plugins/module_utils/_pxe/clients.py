# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The clients of a PXE tree and the site they boot from: validation, and the one kernel command line.

``Site`` holds the tree's URLs and directories; ``Site.cmdline(client)`` is the only place where a
client's kernel command line is put together, so every boot file and the YAML's effective check
use the same arguments. ``parse_clients`` checks every client at once and raises one
:class:`PxeError` that lists all the problems.

Two systems boot from a tree. ``sysrescue``: SystemRescue over HTTP, each client with its YAML
(``sysrescuecfg=``) whose ``late_load_srm`` names its one module. ``dracut``: a dracut live system
whose initramfs holds the collection's ``loadsrm`` module (the ``dracut_media`` role in netboot
mode); the caller gives the arguments every client needs (``root=live:...``, as that role reports
them) in ``kernel_args``, and each client adds one ``rd.loadsrm.url=<url>#sha256=<hex>`` per module,
which ``loadsrm`` checks before stacking the module. No YAML is written for it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.rescuefleet.media.plugins.module_utils import _kernel_args as cmdline_args
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR, BASEDIR_ARG, HTTP_PXE_ARG, SYSRESCUECFG_ARG

LOADERS = ('pxelinux', 'grub', 'ipxe')
# How each loader's files spell a kernel argument (the dialects of _kernel_args, which quotes for each)
LOADER_DIALECTS = {'pxelinux': 'kernel', 'grub': 'shell', 'ipxe': 'ipxe'}
# Characters a path or URL written into a boot file may not hold: script syntax of GRUB or iPXE (quotes,
# backslash, $ and ${...}, command separators, braces, comments, wildcards), parentheses (GRUB's device
# names), and the comma that separates pxelinux's INITRD list.
BOOT_PATH_SYNTAX = frozenset('\'"\\$;{}|&<>#`*?[]()')
SYSTEMS = ('sysrescue', 'dracut')
MENU_DEFAULTS = ('local', 'network')
# What each system boots when the caller names nothing else: directory of the tree, kernel and
# initramfs images relative to it (SystemRescue's ISO layout; the dracut_media role's netboot tree).
SYSTEM_DEFAULTS = {
    'sysrescue': {'basedir': BASEDIR, 'kernel': 'boot/x86_64/vmlinuz',
                  'initrds': ['boot/intel_ucode.img', 'boot/amd_ucode.img', 'boot/x86_64/sysresccd.img'],
                  'title': 'SystemRescue'},
    'dracut': {'basedir': 'LiveOS', 'kernel': 'vmlinuz', 'initrds': ['initrd.img'], 'title': 'Live system'},
}
# The argument of the loadsrm dracut module (roles/dracut_media/files/loadsrm-mount.sh) that names one
# module to fetch and the sha256 it must have.
LOADSRM_URL = 'rd.loadsrm.url'
# A client name becomes part of file names and URLs: keep it to what a hostname may hold.
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,62}\Z')
_MAC_SEPARATORS = re.compile(r'[:\-.]')
_HEX12 = re.compile(r'^[0-9a-f]{12}\Z')
_URL = re.compile(r'^https?://[^\s/]+/(\S*/)?\Z')
_SHA256 = re.compile(r'^[0-9a-f]{64}\Z')


class PxeError(RescueFleetError):
    """The task cannot go ahead; the message says what to do. Nothing was changed."""


def normalize_mac(value):
    """``aabbccddeeff`` for any of ``AA:BB:..``, ``aa-bb-..``, ``aabb.ccdd.eeff``, ``aabbcc..``; else None."""
    if not isinstance(value, str):
        return None
    text = _MAC_SEPARATORS.sub('', value.strip().lower())
    return text if _HEX12.match(text) else None


def normalize_args(text):
    """A command line with its arguments as written, separated by single spaces (whitespace inside quotes
    is part of an argument and stays)."""
    return ' '.join(token.raw for token in cmdline_args.tokenize(text or ''))


def args_problems(parts, loaders):
    """Why the arguments ``parts`` (command line texts, one line joined by spaces) cannot be written for some of
    ``loaders``: ``[message]``, one per loader that cannot carry them (the message names the argument by its key
    only: values may be passwords)."""
    problems = []
    for loader in loaders:
        try:
            cmdline_args.write_parts(parts, LOADER_DIALECTS[loader])
        except cmdline_args.KernelArgsError as exc:
            problems.append('%s (for %s)' % (exc, loader))
    return problems


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

    __slots__ = ('name', 'mac', 'module', 'modules', 'config', 'kernel_args', 'ip')

    def __init__(self, name, mac, module, config, kernel_args, ip, modules=()):
        self.name = name
        self.mac = mac              # 12 lower-case hex digits
        self.module = module        # URL for late_load_srm, or '' (SystemRescue)
        self.modules = list(modules)  # [(URL, sha256)] for rd.loadsrm.url (dracut live system)
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
        self.system = params.get('system') or 'sysrescue'
        defaults = SYSTEM_DEFAULTS.get(self.system, SYSTEM_DEFAULTS['sysrescue'])
        self.title = defaults['title']
        self.basedir = params.get('basedir') or defaults['basedir']
        self.kernel_path = params.get('kernel') or defaults['kernel']
        self.hosts_dir = (params.get('hosts_dir') or 'hosts').strip('/')
        self.srm_dir = (params.get('srm_dir') or 'srm').strip('/')
        self.grub_dir = (params.get('grub_dir') or 'grub').strip('/')
        initrds = params.get('initrds')
        self.initrds = list(defaults['initrds'] if initrds is None else initrds)
        self.kernel_args = normalize_args(params.get('kernel_args'))
        self.menu_timeout = int(params.get('menu_timeout') if params.get('menu_timeout') is not None else 10)
        self.menu_default = params.get('menu_default') or 'local'
        self.loaders = list(params.get('loaders') or LOADERS)

    @property
    def live(self):
        """A dracut live system: modules by rd.loadsrm.url on the command line, no YAML."""
        return self.system == 'dracut'

    @property
    def writes_yaml(self):
        return not self.live

    def check(self):
        problems = []
        if self.system not in SYSTEMS:
            problems.append('system %r must be one of %s' % (self.system, ', '.join(SYSTEMS)))
        if self.menu_default not in MENU_DEFAULTS:
            problems.append('menu_default %r must be one of %s' % (self.menu_default, ', '.join(MENU_DEFAULTS)))
        if not _URL.match(self.url or ''):
            problems.append('url %r must be an http:// or https:// URL ending in /' % (self.url,))
        if self.boot_url and not _URL.match(self.boot_url):
            problems.append('boot_url %r must be an http(s) URL ending in /, or empty to load kernel and initramfs '
                            'by TFTP' % (self.boot_url,))
        for label, value in (('basedir', self.basedir), ('hosts_dir', self.hosts_dir), ('srm_dir', self.srm_dir),
                             ('grub_dir', self.grub_dir)):
            if not value or '..' in value.split('/') or any(ch.isspace() for ch in value):
                problems.append('%s %r must be a relative directory without spaces or ..' % (label, value))
        for label, path in [('kernel', self.kernel_path)] + [('initrds entry', initrd) for initrd in self.initrds]:
            if not path or path.startswith('/') or '..' in path.split('/') or any(
                    ch.isspace() or ch == ',' for ch in path):
                problems.append('%s %r must be a path relative to basedir without spaces, commas or ..'
                                % (label, path))
        for label, value in (('url', self.url), ('boot_url', self.boot_url), ('basedir', self.basedir),
                             ('kernel', self.kernel_path)) + tuple(('initrds entry', i) for i in self.initrds):
            syntax = sorted(set(ch for ch in value or '' if ch in BOOT_PATH_SYNTAX or ord(ch) < 32 or ord(ch) == 127))
            if syntax:
                problems.append('%s %r holds %s, which GRUB, iPXE or pxelinux would read as part of their script '
                                'syntax; use a path or URL without them' % (label, value, ' '.join(syntax)))
        problems.extend('kernel_args: %s' % problem for problem in args_problems(self.cmdline_parts(), self.loaders))
        if self.live and not cmdline_args.get(self.kernel_args, 'root'):
            problems.append('kernel_args must name the live root for system dracut (root=live:<url of the '
                            'squashfs image>, with the other arguments the dracut_media role reports in '
                            'dracut_media_result.netboot.cmdline)')
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
        return '%s/%s' % (self.basedir, self.kernel_path)

    def initrd_paths(self):
        return ['%s/%s' % (self.basedir, initrd) for initrd in self.initrds]

    def _root_url(self):
        """The root filesystem a boot fetches over HTTP, if any."""
        if not self.live:
            return '%s%s/x86_64/airootfs.sfs' % (self.url, self.basedir)
        root = cmdline_args.get(self.kernel_args, 'root')
        if isinstance(root, str) and root.startswith('live:http'):
            return root[len('live:'):]
        return None

    def boot_urls(self, client=None):
        """Every URL a boot requests over HTTP: kernel, initramfs, root filesystem, YAML, modules."""
        urls = []
        if self.boot_url:
            urls.extend(self.boot_url + path for path in [self.kernel] + self.initrd_paths())
        root = self._root_url()
        if root:
            urls.append(root)
        if client is not None:
            if self.writes_yaml:
                urls.append(self.yaml_url(client))
            if client.module:
                urls.append(client.module)
            urls.extend(url for url, _sha256 in client.modules)
        return urls

    # -- the one kernel command line --------------------------------------------------------
    def cmdline(self, client=None):
        """The kernel arguments of a boot entry (without BOOTIF, which each loader adds its own way), as a
        command line in the kernel's dialect; each loader's files quote it their way (``_kernel_args.write``)."""
        return ' '.join(self.cmdline_parts(client))

    def cmdline_parts(self, client=None):
        """:meth:`cmdline` as the texts it joins with spaces: the ones shared by every client, and the client's."""
        site_args = [self.kernel_args] if self.kernel_args else []
        own = self.client_args(client) if client is not None else ([] if self.live else ['ip=dhcp'])
        if self.live:
            return site_args + own
        fixed = ['%s=%s' % (BASEDIR_ARG, self.basedir), '%s=%s' % (HTTP_PXE_ARG, self.url)]
        first = 2 if client is not None else 1  # ip= (and sysrescuecfg=) come before the site's arguments
        return fixed + own[:first] + site_args + own[first:]

    def client_args(self, client):
        """The arguments that depend on ``client``, in order (``ip=`` and ``sysrescuecfg=`` first for
        SystemRescue, the modules for a live system, then the client's own ``kernel_args``)."""
        if self.live:
            # loadsrm stacks the modules by name, whatever their order here
            args = ['%s=%s#sha256=%s' % (LOADSRM_URL, url, sha256) for url, sha256 in client.modules]
        else:
            args = ['ip=%s' % (client.ip or 'dhcp'), '%s=%s' % (SYSRESCUECFG_ARG, self.yaml_url(client))]
        if client.kernel_args:
            args.append(client.kernel_args)
        return args


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
        kernel_args = normalize_args(item.get('kernel_args'))
        config = item.get('config') or {}
        if not isinstance(config, dict):
            problems.append('%s: config must be a mapping of scopes' % label)
            config = {}
        module = site.module_url(item.get('module') or '')
        if module and any(ch.isspace() for ch in module):
            problems.append('%s: module %r must not contain spaces' % (label, module))
        if site.live:
            problems.extend('%s: %s' % (label, problem) for problem in _live_only(item, ip, config, module))
            modules, module_problems = _live_modules(site, item.get('modules') or [])
            problems.extend('%s: %s' % (label, problem) for problem in module_problems)
            client = Client(label, mac, '', {}, kernel_args, '', modules)
            problems.extend('%s: kernel_args: %s' % (label, problem)
                            for problem in args_problems(site.client_args(client), site.loaders))
            clients.append(client)
            continue
        if item.get('modules'):
            problems.append('%s: modules (with their sha256) are for system dracut; SystemRescue loads one module '
                            'late: give it as module (a combined module for several)' % label)
        config = deep_merge(default_config or {}, config)
        if module:
            config = deep_merge(config, {'global': {'late_load_srm': module}})
        client = Client(label, mac, module, config, kernel_args, ip)
        problems.extend('%s: kernel_args: %s' % (label, problem)
                        for problem in args_problems(site.client_args(client), site.loaders))
        clients.append(client)
    duplicates = sorted('%s (%s)' % (':'.join(mac[i:i + 2] for i in range(0, 12, 2)), ', '.join(labels))
                        for mac, labels in by_mac.items() if len(labels) > 1)
    if duplicates:
        problems.append('MAC addresses given to more than one client: %s' % '; '.join(duplicates))
    names = sorted('%s (%d times)' % (name, len(indexes)) for name, indexes in by_name.items() if len(indexes) > 1)
    if names:
        problems.append('client names given more than once: %s' % ', '.join(names))
    if site.live and default_config:
        problems.append('default_config is SystemRescue configuration, which a dracut live system does not read: '
                        'leave it empty for system dracut')
    if problems:
        raise PxeError('the PXE clients cannot be written: %s. Fix the inventory; nothing was changed'
                       % '; '.join(problems))
    return clients


def _live_only(item, ip, config, module):
    """What a client of a dracut live tree may not have: the SystemRescue-only options."""
    problems = []
    if module:
        problems.append('module is SystemRescue\'s late_load_srm; for system dracut list the client\'s modules '
                        'with their sha256 in modules')
    if config:
        problems.append('config is SystemRescue configuration, which a dracut live system does not read')
    if ip:
        problems.append('ip is for SystemRescue; for system dracut put the address into kernel_args (ip=...)')
    return problems


def _live_modules(site, items):
    """``[(URL, sha256)]`` of a dracut live client's modules, and the problems with them."""
    modules = []
    problems = []
    seen = set()
    for entry in items:
        name = entry.get('name') if isinstance(entry, dict) else None
        sha256 = entry.get('sha256') if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or any(ch.isspace() for ch in name):
            problems.append('modules entry %r needs a name (a file of srm_dir or a URL) without spaces' % (entry,))
            continue
        if not isinstance(sha256, str) or not _SHA256.match(sha256.lower()):
            problems.append('module %s needs its sha256 (64 hex digits): loadsrm refuses a module it cannot check'
                            % name)
            continue
        url = site.module_url(name)
        if '#' in url:
            problems.append('module %s: a URL with # cannot carry #sha256=' % name)
            continue
        if url in seen:
            problems.append('module %s is listed twice' % name)
            continue
        seen.add(url)
        modules.append((url, sha256.lower()))
    return modules, problems
