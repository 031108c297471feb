# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Find the boot configs of a medium, select boot entries and rewrite their kernel arguments.

Only the argument text of selected entries changes; every other byte of a file is kept (line
breaks, tabs, comments, the final line break or its absence). The readers per format live in
``_bootcfg_grub``, ``_bootcfg_syslinux``, ``_bootcfg_ipxe`` and ``_bootcfg_bls``; the editing of
one command line in ``_kernel_args``.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import subprocess
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import bls
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import grub
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import ipxe
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import syslinux
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.kernel_args import (
    KernelArgsError, Segment, edit_segments,
)

FORMATS = ('grub', 'syslinux', 'ipxe', 'bls', 'cmdline')
DEFAULT_KERNELS = ('vmlinuz*', '*/vmlinuz*')
MAX_CONFIG_SIZE = 1024 * 1024

READERS = {
    'grub': grub.read,
    'syslinux': syslinux.read,
    'ipxe': ipxe.read,
    'bls': bls.read_bls,
    'cmdline': bls.read_cmdline,
}

# Discovery walks the tree, bounded (a medium or PXE tree is small where configs live): at most
# MAX_DEPTH levels, MAX_DIRS directory listings (one per directory: on FAT each is an mtools call)
# and MAX_SNIFF small files read to recognise an iPXE script by its first line.
MAX_DEPTH = 6
MAX_DIRS = 400
MAX_SNIFF = 64
SNIFF_SIZE = 64 * 1024
# Never descended into: root filesystems and squashfs stores of live media (archiso's x86_64,
# Fedora's LiveOS, Ubuntu's casper, Debian/Tails' live), configuration and autorun trees, and VCS.
SKIP_DIRS = ('x86_64', 'i686', 'aarch64', 'liveos', 'casper', 'live', 'sysrescue.d', 'autorun', '.git',
             'lost+found', 'system volume information')
# In a directory that holds SRMs or airootfs.sfs (an archisobasedir), only its boot/ holds configs.
SRM_DIR_CHILDREN = ('boot',)
SYSLINUX_DIRS = ('syslinux', 'isolinux', 'extlinux', 'pxelinux.cfg')


def classify(path):
    """The format of a boot config from its path alone, or ``None`` (not one, or only by content)."""
    lower = path.lower()
    parts = lower.split('/')
    name, dirs = parts[-1], parts[:-1]
    if name.startswith('.') or name.endswith(('.bak', '.orig', '~')):
        return None
    if name.endswith('.ipxe'):
        return 'ipxe'
    if len(dirs) >= 2 and dirs[-2:] == ['loader', 'entries'] and name.endswith('.conf'):
        return 'bls'
    if dirs and dirs[-1] == 'pxelinux.cfg':
        return 'syslinux'
    if name in ('syslinux.cfg', 'isolinux.cfg', 'extlinux.conf'):
        return 'syslinux'
    if any(d in SYSLINUX_DIRS for d in dirs) and name.endswith(('.cfg', '.conf')):
        return 'syslinux'
    if name == 'grub.cfg' or name.startswith('grub.cfg-'):
        return 'grub'
    if name.endswith('.cfg') and any(d in ('grub', 'grub2') for d in dirs) or \
            name.endswith(('.cfg', '.conf')) and dirs and dirs[0] == 'efi':
        return 'grub'
    return None


def _sniffable(entry):
    name = entry['name'].lower()
    size = entry.get('size')
    small = size is None or size <= SNIFF_SIZE
    return small and ('.' not in name or name.endswith(('.txt', '.cfg', '.conf', '.pxe', '.menu')))


def walk(medium, root=''):
    """``[(path, format)]`` of the boot configs under ``root``, recognised by name and content."""
    found = []
    pending = [(root, 0)]
    listed = 0
    sniffed = 0
    while pending and listed < MAX_DIRS:
        directory, depth = pending.pop(0)
        entries = sorted(medium.list_dir(directory), key=lambda e: e['name'])
        listed += 1
        names = [e['name'].lower() for e in entries if e['type'] == 'file']
        srm_dir = 'airootfs.sfs' in names or any(n.endswith('.srm') for n in names)
        for entry in entries:
            path = posixpath.join(directory, entry['name']) if directory else entry['name']
            lower = entry['name'].lower()
            if entry['type'] == 'dir':
                if depth + 1 >= MAX_DEPTH or lower in SKIP_DIRS or (srm_dir and lower not in SRM_DIR_CHILDREN):
                    continue
                pending.append((path, depth + 1))
                continue
            if entry['type'] != 'file':
                continue
            fmt = classify(path)
            if fmt is None and sniffed < MAX_SNIFF and _sniffable(entry) and not lower.startswith('.'):
                sniffed += 1
                head = medium.read_bytes(path) or b''
                if head[:SNIFF_SIZE].lstrip().lower().startswith(b'#!ipxe'):
                    fmt = 'ipxe'
            if fmt:
                found.append((path, fmt))
    return found


def decode(data):
    return data.decode('utf-8', 'surrogateescape')


def encode(text):
    return text.encode('utf-8', 'surrogateescape')


def detect_format(path, text):
    """The format of a config from its path, then from its content."""
    lower = path.replace('\\', '/').lower()
    name = posixpath.basename(lower)
    parts = lower.split('/')
    if name.endswith('.ipxe') or text.lstrip().startswith('#!ipxe'):
        return 'ipxe'
    if 'entries' in parts[:-1] and name.endswith('.conf') and 'loader' in parts[:-1]:
        return 'bls'
    if name in ('cmdline', 'cmdline.txt') or name.endswith('.cmdline'):
        return 'cmdline'
    if 'pxelinux.cfg' in parts[:-1] or name in ('syslinux.cfg', 'isolinux.cfg', 'extlinux.conf') or \
            any(p in ('syslinux', 'isolinux', 'extlinux') for p in parts[:-1]):
        return 'syslinux'
    if name.startswith('grub') or any(p.startswith('grub') for p in parts[:-1]):
        return 'grub'
    if re.search(r'^\s*(menuentry|submenu)\s', text, re.M) or re.search(r'^\s*linux(efi|16)?\s+\S', text, re.M) \
            and re.search(r'^\s*(set|insmod|initrd)\s', text, re.M):
        return 'grub'
    if re.search(r'^(title|options)\s', text, re.M) and not re.search(r'^\s*(label|append)\s', text, re.M | re.I):
        return 'bls'
    if re.search(r'^\s*(label|append|default|kernel|linux)\s', text, re.M | re.I):
        return 'syslinux'
    raise BootCfgError('cannot tell the format of %s from its name or content; set format to one of %s'
                       % (path, ', '.join(FORMATS)))


def read_entries(fmt, text):
    if fmt not in READERS:
        raise BootCfgError('unknown boot config format %r; use one of %s' % (fmt, ', '.join(FORMATS)))
    return READERS[fmt](text)


def discover(medium):
    """``[(path, format)]`` of the boot configs of a medium or PXE tree (see :func:`walk`)."""
    return walk(medium)


def _kernel_matches(kernel, patterns):
    if kernel is None:
        return True
    candidates = [kernel, re.sub(r'^\([^)]*\)', '', kernel)]
    return any(fnmatch.fnmatchcase(c, p) for c in candidates for p in patterns)


def _title_matches(entry, patterns):
    if not patterns:
        return True
    names = [n for n in (entry.title, entry.label, entry.path) if n]
    return any(fnmatch.fnmatchcase(n, p) for n in names for p in patterns)


def select(entries, kernels=DEFAULT_KERNELS, titles=None):
    """The entries that boot a matching Linux kernel and carry a matching title or label."""
    return [e for e in entries if e.linux and _kernel_matches(e.kernel, kernels) and _title_matches(e, titles)]


def describe_entry(entry, name):
    return entry.title or entry.label or name


class FilePlan:
    """The result of planning one file: ``text`` (new), ``entries`` (reports), ``changed``."""

    def __init__(self, path, fmt, old, new, entries):
        self.path = path
        self.format = fmt
        self.old = old
        self.new = new
        self.entries = entries

    @property
    def changed(self):
        return self.old != self.new

    def result(self):
        return {'path': self.path, 'format': self.format, 'changed': self.changed, 'entries': self.entries}


def plan(text, fmt, changes, present=None, kernels=DEFAULT_KERNELS, titles=None, path='config'):
    """Plan the edit of one config; returns a :class:`FilePlan`. Raises :class:`BootCfgError` when a
    selected entry cannot be edited. ``changes`` is the edit of :func:`edit_segments`, or a callable
    that returns the new texts for the :class:`Segment` list of each selected entry."""
    entries = read_entries(fmt, text)
    selected = select(entries, kernels, titles)
    name = posixpath.basename(path)
    new_span_text = {}
    reports = []
    problems = []
    for entry in selected:
        title = describe_entry(entry, name)
        if entry.problem:
            problems.append('%s, entry %r: %s' % (path, title, entry.problem))
            continue
        if not entry.spans:
            continue
        segments = [Segment(text[s.start:s.end], s.dialect, s.after_word) for s in entry.spans]
        try:
            # a callable computes the new texts per entry from its arguments (linuxrc's extend= list)
            new_texts = changes(segments) if callable(changes) else edit_segments(segments, changes, present)
        except KernelArgsError as exc:
            raise BootCfgError('%s, entry %r: %s' % (path, title, exc))
        if entry.inherits and new_texts[0] != segments[0].text:
            others = [describe_entry(e, name) for e in entries if e.inherits and e not in selected]
            if others:
                problems.append(
                    '%s, entry %r: its arguments come from the global APPEND line, which also applies to %s; give '
                    'the entry its own APPEND line, or select all of them' % (path, title, ', '.join(repr(o) for o in others)))
                continue
        for span, new in zip(entry.spans, new_texts):
            new_span_text[span.ident] = (span, new)
        reports.append({
            'title': entry.title,
            'label': entry.label,
            'path': entry.path,
            'kernel': entry.kernel,
            'before': _args_line(text[s.start:s.end] for s in entry.spans),
            'after': _args_line(new_texts),
        })
    if problems:
        raise BootCfgError('; '.join(problems))
    return FilePlan(path, fmt, text, _apply(text, new_span_text.values()), reports)


def _args_line(texts):
    return ' '.join(t.strip() for t in texts if t.strip())


def _apply(text, edits):
    """Rewrite the spans of ``edits`` (``(span, new text)``) in ``text``."""
    replacements = []
    for span, new in edits:
        old = text[span.start:span.end]
        if span.insert is not None:
            if new.strip():
                replacements.append((span.start, span.start, span.insert + new))
        elif span.line is not None and not new.strip() and old.strip():
            replacements.append((span.line[0], span.line[1], ''))
        elif new != old:
            replacements.append((span.start, span.end, new))
    out = []
    pos = 0
    for start, end, new in sorted(replacements, key=lambda r: (r[0], r[1])):
        if start < pos:
            raise BootCfgError('internal error: overlapping edits at offset %d' % start)
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return ''.join(out)


def grub_script_check(binary, data):
    """``None`` when ``grub-script-check`` accepts ``data``, else its complaint."""
    fd, temp = tempfile.mkstemp(prefix='rescuefleet-grub-', suffix='.cfg')
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
        proc = subprocess.run([binary, temp], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
    finally:
        os.unlink(temp)
    if proc.returncode == 0:
        return None
    message = proc.stdout.decode('utf-8', 'replace').replace(temp, '<result>').strip()
    return message or 'grub-script-check exited with %d' % proc.returncode
