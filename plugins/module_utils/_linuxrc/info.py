# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read-only facts about the linuxrc side of a SUSE medium, for ``media_info``.

For every ``boot/<arch>/`` that looks like a SUSE installation medium (it has ``loader/`` or
``config``): the parts in it (files linuxrc can load as ``extend=`` or ``config`` parts), which of
them this collection manages, whether ``CHECKSUMS`` lists them, the inst-sys lines of ``config``;
and for every boot entry that starts the linuxrc kernel, its effective ``extend=`` list with where
each part is loaded from and which named parts are missing.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._atomic import is_temp_name
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.discovery import MAX_CONFIG_SIZE, discover
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import read_entries, select
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError
from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import KernelArgsError, tokenize
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import checksums as sums
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import KEY, effective
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import (
    INDEX_NAME, parse_config, spec_name)
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import parse_index

_ARCH_IN_PATH = re.compile(r'(?:^|/)boot/([A-Za-z0-9_]+)/loader/', re.IGNORECASE)
KERNELS = ('linux', '*/loader/linux')


def arches(medium):
    """The ``boot/<arch>`` directories that hold ``loader/`` or ``config``."""
    found = []
    for entry in medium.list_dir('boot'):
        if entry['type'] != 'dir':
            continue
        names = {e['name'].lower() for e in medium.list_dir('boot/' + entry['name'])}
        if 'loader' in names or 'config' in names:
            found.append(entry['name'])
    return sorted(found)


def _parts(medium, arch, listed):
    basedir = 'boot/' + arch
    index = parse_index(medium.read_bytes(posixpath.join(basedir, INDEX_NAME)))
    config = parse_config(medium.read_text(posixpath.join(basedir, 'config')))
    parts = []
    for entry in sorted(medium.list_dir(basedir), key=lambda e: e['name']):
        name = entry['name']
        if entry['type'] != 'file' or name == INDEX_NAME or is_temp_name(name) or name.lower() == 'config':
            continue
        path = posixpath.join(basedir, name)
        parts.append({
            'name': name,
            'path': path,
            'size': entry['size'],
            'managed': name in index,
            'sha256': index[name]['sha256'] if name in index and index[name]['size'] == entry['size'] else None,
            'in_config': sorted(key for key, specs in config.items() if name in [spec_name(s) for s in specs]),
            'in_checksums': path in listed if listed is not None else None,
        })
    return {'arch': arch, 'basedir': basedir, 'parts': parts, 'config': config}


def _entry_arch(path, kernel, default):
    for text in (kernel or '', path):
        match = _ARCH_IN_PATH.search(text if text.endswith('/') else text + '/')
        if match:
            return match.group(1)
    return default


def _extend_entries(medium, present_by_arch, default_arch):
    menus = []
    for arch in present_by_arch:
        loader = 'boot/%s/loader' % arch
        menus.extend((posixpath.join(loader, e['name']), 'syslinux') for e in medium.list_dir(loader)
                     if e['type'] == 'file' and e['name'].lower() == 'isolinux.cfg')
    configs = discover(medium, also=menus)  # each config once: discovery finds these menus as well
    entries = []
    problems = []
    for path, fmt in configs:
        text = medium.read_text(path)
        if text is None or len(text) > MAX_CONFIG_SIZE:
            continue
        try:
            selected = select(read_entries(fmt, text), KERNELS)
        except (BootCfgError, KernelArgsError) as exc:
            problems.append({'file': path, 'reason': str(exc)})
            continue
        for entry in selected:
            values = [t.value for s in entry.spans for t in tokenize(text[s.start:s.end], s.dialect) if t.key == KEY]
            arch = _entry_arch(path, entry.kernel, default_arch)
            present = present_by_arch.get(arch, set())
            items = []
            for item in effective(values):
                items.append(dict(item.as_dict(), path='boot/%s/%s' % (arch, item.name), present=item.name in present))
            entries.append({
                'file': path,
                'title': entry.title or entry.label,
                'kernel': entry.kernel,
                'arch': arch,
                'extend': items,
                'missing': [i['name'] for i in items if not i['present'] and not i['optional']],
                'missing_optional': [i['name'] for i in items if not i['present'] and i['optional']],
            })
    return entries, problems


def linuxrc_facts(medium):
    """The facts, or ``None`` when the medium has no ``boot/<arch>/`` of a SUSE medium."""
    found = arches(medium)
    if not found:
        return None
    checksums = sums.Checksums.read(medium)
    listed = set(checksums.digests()) if checksums.present else None
    arch_facts = [_parts(medium, arch, listed) for arch in found]
    present_by_arch = {a['arch']: {p['name'] for p in a['parts']} for a in arch_facts}
    entries, problems = _extend_entries(medium, present_by_arch, found[0])
    return {
        'arches': arch_facts,
        'boot_entries': entries,
        'checksums': {'present': checksums.present, 'signed': checksums.signed},
        'problems': problems,
    }


def warnings(facts):
    """Messages for parts that boot entries name but the medium lacks."""
    return ['%s, entry %r: extend= names %s, which %s not in boot/%s/, so linuxrc cannot load it. Deploy the part with '
            'rescuefleet.media.linuxrc_parts or mark it optional (?name)'
            % (e['file'], e['title'], ', '.join(e['missing']), 'is' if len(e['missing']) == 1 else 'are', e['arch'])
            for e in (facts or {}).get('boot_entries', ()) if e['missing']]
