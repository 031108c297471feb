# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whether the SRMs of a remastered ISO load at boot, judged as SystemRescue judges it.

docs/systemrescue.md 2 and 3b: the initramfs loads ``<archisobasedir>/*.srm`` when ``global.loadsrm`` of the
effective configuration (the YAML files of ``sysrescue.d/`` merged, then the kernel command line) is on, or
the command line turns it on. The stock ``100-defaults.yaml`` says ``loadsrm: false``, so a remaster that
adds modules and nothing else gives an ISO whose modules never load; 7: ``sysrescue-customize`` therefore
writes ``sysrescue.d/200-customize.yaml`` with ``global: {loadsrm: true}`` whenever it builds a module.

The answer is the collection's reader (``_info.boot_entries``: discovery of the menus, the early-load
decision per entry) run over the ISO as it will be written (:class:`.view.RemasterView`). The entries that
count are those that load modules from the directory the modules go to: a SystemRescue kernel with
``archisobasedir=<basedir>`` that does not boot over HTTP PXE (which loads no module of the medium).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import posixpath

from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.discovery import MAX_CONFIG_SIZE, discover
from ansible_collections.rescuefleet.media.plugins.module_utils._info.boot_entries import boot_entries, summary
from ansible_collections.rescuefleet.media.plugins.module_utils._info.media_info import read_yaml_files, sysrescuecfg_reader
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import CONFIG_DIR
from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import Reading, reads_name

# What the module adds to turn loading on (sysrescue-customize's 200-customize.yaml, under a name of ours):
# it sorts after the stock 100-defaults.yaml, and before the 500- files operators usually write.
LOADSRM_CONFIG = '200-rescuefleet-loadsrm.yaml'
LOADSRM_ON = {'global': {'loadsrm': True}}
MODES = ('enable', 'warn')


def preload(view):
    """Read every boot config and YAML file of ``view`` at once (one xorriso run for an ISO)."""
    configs = discover(view)
    names = [posixpath.join(CONFIG_DIR, e['name']) for e in view.list_dir(CONFIG_DIR)
             if e['type'] == 'file' and reads_name(e['name'])]
    view.preload([path for path, _fmt in configs] + names, MAX_CONFIG_SIZE)


def _same_dir(a, b):
    return posixpath.normpath('/' + a).strip('/') == posixpath.normpath('/' + b).strip('/')


def loading(view, basedir):
    """``(entries, notes)``: per boot entry of ``view`` that loads modules from ``basedir/``, ``{'file',
    'title', 'label', 'early_load', 'reason'}``; ``notes`` are what the reading found worth a warning."""
    yaml_files = [(name, Reading(data)) for name, data in read_yaml_files(view)[0]]
    entries, problems, notes = boot_entries(view, yaml_files, '', sysrescuecfg_reader(view))
    notes = list(notes) + ['boot config %s cannot be read: %s' % (p['file'], p['reason']) for p in problems]
    judged = [e for e in entries if e['sysrescue'] and e['boot'] != 'http_pxe' and e.get('archisobasedir')
              and _same_dir(e['archisobasedir'], basedir)]
    return summary(judged), notes


def sets_loadsrm(configs):
    """Whether one of the ``configs`` option's files sets ``global.loadsrm`` (to any value): the operator decided."""
    for item in configs or []:
        glob = (item.get('config') or {}).get('global')
        if isinstance(glob, dict) and 'loadsrm' in glob:
            return True
    return False


def describe_off(entries):
    """One line naming the entries that do not load the modules, with why."""
    return '; '.join('%s, entry %r: %s' % (e['file'], e['title'] or e['label'], e['reason'])
                     for e in entries if not e['early_load'])
