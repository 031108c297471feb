# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The edit of one boot config: the kernel arguments of the selected entries rewritten, every other byte kept.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import (
    DEFAULT_KERNELS, describe_entry, read_entries, select)
from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import KernelArgsError, Segment, edit_segments
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import mask_cmdline_text


class FilePlan:
    """The result of planning one file: ``text`` (new), ``entries`` (reports), ``changed``.

    Passwords (``rootpass=`` and the like, anywhere in the file, before and after) never leave it: the
    diff and the entries' reports show them masked, and ``secrets`` holds their values for Ansible."""

    def __init__(self, path, fmt, old, new, entries):
        self.path = path
        self.format = fmt
        self.old = old
        self.new = new
        self.secrets = mask_cmdline_text(old)[1] + mask_cmdline_text(new)[1]
        self.entries = [dict(entry, before=mask_cmdline_text(entry['before'])[0],
                             after=mask_cmdline_text(entry['after'])[0]) for entry in entries]

    @property
    def changed(self):
        return self.old != self.new

    def result(self):
        return {'path': self.path, 'format': self.format, 'changed': self.changed, 'entries': self.entries}

    def diff(self):
        """Ansible's before/after of the file (bytes that are not UTF-8 shown as replacement characters),
        passwords masked in both."""
        return {'before_header': self.path, 'after_header': self.path,
                'before': mask_cmdline_text(_shown(self.old))[0], 'after': mask_cmdline_text(_shown(self.new))[0]}


def _shown(text):
    return text.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')


def plan_config(text, fmt, changes, present=None, kernels=DEFAULT_KERNELS, titles=None, path='config'):
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
