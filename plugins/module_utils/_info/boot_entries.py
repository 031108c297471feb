# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The boot entries of a medium and, per entry, whether SystemRescue will early-load the SRMs.

The boot configs are found and read by ``_bootcfg`` (GRUB, syslinux family, iPXE, BLS). For every
entry that boots a Linux kernel, the arguments are read as the boot loader passes them (quotes
removed, escapes applied; boot loader variables such as ``$archiso_param`` stay as written).

Whether the SRMs load is decided as SystemRescue does it: ``global.loadsrm`` after merging the
YAML files of ``sysrescue.d/``, the ``sysrescuecfg=`` sources of the entry and the overriding
options of its command line (a bare ``loadsrm`` means yes, the last occurrence wins). An entry that
boots over HTTP PXE (``archiso_http_srv=``) reads no ``sysrescue.d/`` and loads no SRMs of the
medium, whatever ``loadsrm`` says.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.discovery import MAX_CONFIG_SIZE, discover
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import decode
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.readers import read_entries, select
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError
from ansible_collections.rescuefleet.media.plugins.module_utils._kernel_args import KernelArgsError, tokenize
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR_ARG, HTTP_PXE_ARG, NBD_PXE_ARG, NFS_PXE_ARG
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import (
    CMDLINE_SOURCE, compute_effective, early_load, hook_loadsrm)
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.secrets import MASK, SECRET_KEYS

# Boot modes of SystemRescue's initramfs, from the kernel arguments.
BOOT_MODES = ((HTTP_PXE_ARG, 'http_pxe'), (NFS_PXE_ARG, 'nfs_pxe'), (NBD_PXE_ARG, 'nbd_pxe'))


def entry_tokens(text, entry):
    """``[(key, value)]`` of the arguments of ``entry`` in the config ``text``; ``value`` is ``True``
    for a bare flag."""
    tokens = []
    for span in entry.spans:
        for token in tokenize(text[span.start:span.end], span.dialect):
            tokens.append((token.key, token.value))
    return tokens


def render_tokens(tokens, mask=True):
    """A command line from ``[(key, value)]``; values of password keys are masked when ``mask``."""
    words = []
    for key, value in tokens:
        if value is True:
            words.append(key)
            continue
        if mask and key in SECRET_KEYS and value != '':
            value = MASK
        if value == '' or any(c.isspace() for c in value):
            value = '"%s"' % value
        words.append('%s=%s' % (key, value))
    return ' '.join(words)


def boot_mode(tokens):
    """``medium``, ``http_pxe``, ``nfs_pxe`` or ``nbd_pxe`` (the last of these arguments counts)."""
    mode = 'medium'
    for key, _value in tokens:
        for arg, name in BOOT_MODES:
            if key == arg:
                mode = name
    return mode


def is_sysrescue(entry):
    """Does the entry boot a Linux kernel that looks like SystemRescue's (``vmlinuz``)?"""
    return bool(select([entry]))


def read_configs(medium, notes=None):
    """``(configs, problems)``: ``[(path, format, text, entries)]`` of the boot configs found on the
    medium, and ``[{'file', 'reason'}]`` of those that cannot be read; what discovery's bounds left out
    goes to ``notes``."""
    configs = []
    problems = []
    found = discover(medium, notes)
    medium.preload([path for path, _fmt in found], MAX_CONFIG_SIZE)
    for path, fmt in found:
        data = medium.read_bytes(path)
        if data is None:
            continue
        if len(data) > MAX_CONFIG_SIZE:
            problems.append({'file': path, 'reason': 'larger than %d bytes, not read as a boot config'
                                                     % MAX_CONFIG_SIZE})
            continue
        text = decode(data)
        try:
            entries = read_entries(fmt, text)
        except (BootCfgError, KernelArgsError) as exc:
            problems.append({'file': path, 'reason': str(exc)})
            continue
        configs.append((path, fmt, text, entries))
    return configs, problems


def loadsrm_reason(on, why, mode, value, source, tokens, error):
    """Why the initramfs does (not) load the SRMs, in the terms of section 3b."""
    if mode == 'http_pxe':
        return ('boots over HTTP PXE (%s=): only airootfs.sfs is downloaded, so SRMs of the medium are not '
                'loaded; use global.late_load_srm in a YAML given with sysrescuecfg=' % HTTP_PXE_ARG)
    hook = hook_loadsrm(tokens)
    line = ('the kernel command line sets loadsrm to %r' % hook) if hook is not None else \
        'the kernel command line has no loadsrm'
    if error:
        return ('SystemRescue\'s reader writes no configuration (%s), so only the command line counts: %s%s'
                % (error, line, '' if on else ' (only a bare or empty loadsrm, or loadsrm=y, turns it on)'))
    if why == 'json':
        where = 'on the kernel command line' if source == CMDLINE_SOURCE else 'in %s' % source
        return 'global.loadsrm is %s %s' % (_show(value), where)
    if source is None:
        state = 'global.loadsrm is not set'
    else:
        where = 'on the kernel command line' if source == CMDLINE_SOURCE else 'in %s' % source
        state = 'global.loadsrm is %s %s, which the initramfs does not take as on' % (_show(value), where)
    return '%s; %s%s' % (state, line, ', so the SRMs load' if on else '')


def _show(value):
    """A value as the reader wrote it: strings quoted, booleans and numbers in JSON spelling."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def entry_facts(path, fmt, text, entry, yaml_files, extra_cmdline='', sources=None):
    """The facts of one Linux boot entry.

    ``yaml_files``: ``[(name, bytes)]`` of ``sysrescue.d/``; ``extra_cmdline``: arguments appended
    to the entry's own (what a PXE server adds); ``sources``: a callable giving the text of a
    ``sysrescuecfg=`` value, or ``None`` when it cannot be read here. Returns ``(facts, warnings)``.
    """
    tokens = entry_tokens(text, entry)
    extra = [(t.key, t.value) for t in tokenize(extra_cmdline or '', 'kernel')]
    everything = tokens + extra
    facts = {
        'file': path,
        'format': fmt,
        'title': entry.title,
        'label': entry.label,
        'menu_path': entry.path,
        'kernel': entry.kernel,
        'args': render_tokens(tokens),
        'sysrescue': is_sysrescue(entry),
        'boot': boot_mode(everything),
        'loadsrm': None,
        'loadsrm_from': None,
        'early_load': None,
        'archisobasedir': None,
    }
    warnings = []
    if not facts['sysrescue']:
        return facts, warnings
    for key, value in everything:
        if key == BASEDIR_ARG and value is not True:
            facts['archisobasedir'] = value
    cfg_sources = []
    for key, value in everything:
        if key == 'sysrescuecfg' and value not in (True, ''):
            found = sources(value, everything) if sources else None
            if found is not None:
                cfg_sources.append((value, found))
    effective = compute_effective(yaml_files, cfg_sources, everything)
    warnings.extend(effective.warnings)
    config = effective.config
    glob = config.get('global') if isinstance(config, dict) and isinstance(config.get('global'), dict) else {}
    value = glob.get('loadsrm')
    source = effective.origin.get(('global', 'loadsrm')) if 'loadsrm' in glob else None
    on, why = early_load(config, everything)
    facts['loadsrm'] = on
    facts['loadsrm_from'] = (source if why == 'json' else CMDLINE_SOURCE) if on else source
    facts['early_load'] = on and facts['boot'] != 'http_pxe'
    facts['config_error'] = effective.error
    facts['reason'] = loadsrm_reason(on, why, facts['boot'], value, source, everything, effective.error)
    return facts, warnings


def boot_entries(medium, yaml_files, extra_cmdline='', sources=None):
    """``(entries, problems, warnings)`` for every Linux boot entry of every boot config found."""
    warnings = []
    configs, problems = read_configs(medium, warnings)
    entries = []
    for path, fmt, text, found in configs:
        for entry in found:
            if not entry.linux:
                continue
            facts, notes = entry_facts(path, fmt, text, entry, yaml_files, extra_cmdline, sources)
            entries.append(facts)
            for note in notes:
                if note not in warnings:
                    warnings.append(note)
    return entries, problems, warnings


def summary(entries):
    """One line per SystemRescue entry: does it early-load the SRMs, and why."""
    return [{'file': e['file'], 'title': e['title'], 'label': e['label'], 'early_load': e['early_load'],
             'reason': e['reason']} for e in entries if e['sysrescue']]


def basedir_mismatches(entries, basedir):
    """Warnings for SystemRescue entries whose ``archisobasedir=`` is not ``basedir``."""
    wanted = posixpath.normpath('/' + basedir).lstrip('/')
    out = []
    for entry in entries:
        value = entry.get('archisobasedir')
        if entry['sysrescue'] and value and posixpath.normpath('/' + value).lstrip('/') != wanted:
            out.append('%s, entry %r boots with archisobasedir=%s but basedir is %s: that entry loads SRMs from %s/'
                       % (entry['file'], entry['title'], value, basedir, value))
    return out
