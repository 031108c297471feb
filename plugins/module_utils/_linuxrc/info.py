# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read-only facts about the linuxrc side of a SUSE medium, for ``media_info``.

For every ``boot/<arch>/`` that holds an installer (:mod:`.layout`): its layout (kernel and initrd
under ``loader/`` or not), the files in it with the format linuxrc would see (:mod:`.formats`),
which of them this collection manages, whether the digest list linuxrc reads (:mod:`.digests`)
lists them, and the inst-sys lines of ``config``; for every boot entry that starts a linuxrc kernel,
the architecture (from the kernel path) and the ``extend`` list as linuxrc computes it
(:mod:`.extend`), with where each part is loaded from and which named parts are missing or cannot be
loaded.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._atomic import is_temp_name
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.discovery import MAX_CONFIG_SIZE
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import read_entries, select
from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import KernelArgsError, Segment
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import digests as digest_lists
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import formats
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import layout as layouts
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.extend import Part, effective, segment_values
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import (
    INDEX_NAME, parse_config, spec_name)
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.index import parse_index

KERNELS = layouts.KERNELS
NOT_PARTS = ('config', 'loader')


def arches(medium):
    """The names of the ``boot/<arch>`` directories that hold an installer."""
    return [layout['arch'] for layout in layouts.arch_layouts(medium)]


def _files(medium, layout, listed):
    basedir = layout['basedir']
    index = parse_index(medium.read_bytes(posixpath.join(basedir, INDEX_NAME)))
    config = parse_config(medium.read_text(posixpath.join(basedir, 'config')))
    parts = []
    for entry in sorted(medium.list_dir(basedir), key=lambda e: e['name']):
        name = entry['name']
        if name == INDEX_NAME or is_temp_name(name) or name.lower() in NOT_PARTS:
            continue
        path = posixpath.join(basedir, name)
        fmt = formats.detect_on_medium(medium, path, entry)
        parts.append(dict({
            'name': name,
            'path': path,
            'type': entry['type'],
            'size': entry['size'] if entry['type'] == 'file' else None,
            'managed': name in index,
            'sha256': index[name]['sha256'] if name in index and index[name]['size'] == entry['size'] else None,
            'in_config': sorted(key for key, specs in config.items() if name in [spec_name(s) for s in specs]),
            'in_checksums': path in listed if listed is not None else None,
        }, **fmt.as_dict()))
    return dict(layout, parts=parts, config=config)


def _entry_items(medium, items, layout):
    """The facts of each item of an ``extend`` list, looked up in ``boot/<arch>/``."""
    out = []
    for item in items:
        part = Part(item)
        path = posixpath.join(layout['basedir'], part.path) if part.path else layout['basedir']
        entry = layouts.lookup(medium, path)
        fmt = formats.detect_on_medium(medium, path, entry) if entry else None
        out.append(dict(part.as_dict(), path=path, present=entry is not None,
                        loadable=fmt.loadable if fmt else None, problem=fmt.problem if fmt else None))
    return out


def _extend_entries(medium, arch_facts):
    by_arch = {a['arch']: a for a in arch_facts}
    entries, problems = [], []
    for path, fmt in layouts.menus(medium, arch_facts):
        text = medium.read_text(path)
        if text is None or len(text) > MAX_CONFIG_SIZE:
            continue
        try:
            selected = select(read_entries(fmt, text), KERNELS)
        except (BootCfgError, KernelArgsError) as exc:
            problems.append({'file': path, 'reason': str(exc)})
            continue
        for entry in selected:
            segments = [Segment(text[s.start:s.end], s.dialect, s.after_word) for s in entry.spans]
            arch = layouts.entry_arch(path, entry.kernel, by_arch)
            layout = by_arch.get(arch)
            items = _entry_items(medium, effective(segment_values(segments)), layout) if layout else []
            entries.append({
                'file': path,
                'title': entry.title or entry.label,
                'kernel': entry.kernel,
                'arch': arch,
                'extend': items,
                'missing': [i['name'] for i in items if not i['present'] and not i['optional']],
                'missing_optional': [i['name'] for i in items if not i['present'] and i['optional']],
                'unloadable': [i['name'] for i in items if i['present'] and i['loadable'] is False],
            })
    return entries, problems


def linuxrc_facts(medium):
    """The facts, or ``None`` when the medium has no ``boot/<arch>/`` of a SUSE medium."""
    found = layouts.arch_layouts(medium)
    if not found:
        return None
    digests = digest_lists.read(medium)
    listed = set(digests.digests()) if digests.present else None
    arch_facts = [_files(medium, layout, listed) for layout in found]
    entries, problems = _extend_entries(medium, arch_facts)
    return {
        'arches': arch_facts,
        'menu_arches': sorted({e['arch'] for e in entries if e['arch']}),
        'boot_entries': entries,
        'checksums': digest_lists.describe(digests),
        'problems': problems,
    }


def warnings(facts):
    """Messages for parts that boot entries name but the medium lacks or linuxrc cannot load."""
    out = []
    for e in (facts or {}).get('boot_entries', ()):
        if e['missing']:
            out.append('%s, entry %r: extend= names %s, which %s not in boot/%s/, so linuxrc cannot load it and the '
                       'medium fails its repository check. Deploy the part with rescuefleet.media.linuxrc_parts or '
                       'mark it optional (?name)' % (e['file'], e['title'], ', '.join(e['missing']),
                                                     'is' if len(e['missing']) == 1 else 'are', e['arch']))
        for item in e['extend']:
            if item['present'] and item['loadable'] is False:
                out.append('%s, entry %r: extend= names %s, which is %s linuxrc stops the boot there, even for an '
                           'optional part' % (e['file'], e['title'], item['path'], item['problem']))
    return out
