# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filesystem label that a SystemRescue medium's boot menus wait for (``archisolabel=``).

A stick whose label differs from it does not boot: the initramfs waits 30 s for
``/dev/disk/by-label/<archisolabel>`` and gives up.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import re

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.layout import BASEDIR

MENU_FILES = (
    'boot/grub/grubsrcd.cfg',
    '%s/boot/syslinux/sysresccd_sys.cfg' % BASEDIR,
    '%s/boot/syslinux/sysresccd_pxe.cfg' % BASEDIR,
    'isolinux/isolinux.cfg',
    '%s/boot/syslinux/syslinux.cfg' % BASEDIR,
)

_LABEL = re.compile(r'(?:^|[\s"\'])archisolabel=([^\s"\'\\]+)')


def labels_in(text):
    return _LABEL.findall(text or '')


def expected_labels(medium):
    """``{label: [menu files that name it]}`` from the medium's menus."""
    found = {}
    for path in MENU_FILES:
        text = medium.read_text(path)
        for label in labels_in(text):
            found.setdefault(label, [])
            if path not in found[label]:
                found[label].append(path)
    return found


def check_label(medium, wanted):
    """Compare the filesystem label with ``wanted`` (a label, or ``auto`` for the menus' one).

    Returns ``(ok, message)``; ``ok`` is ``None`` when there was nothing to compare.
    """
    actual = medium.label()
    if wanted == 'auto':
        expected = expected_labels(medium)
        if not expected:
            return None, 'no archisolabel= found in the boot menus of the medium; label check skipped'
        if len(expected) > 1:
            return False, 'the boot menus disagree about archisolabel: %s' % '; '.join(
                '%s in %s' % (label, ', '.join(files)) for label, files in sorted(expected.items()))
        wanted = next(iter(expected))
        source = 'the boot menus expect'
    else:
        source = 'label is set to'
    if actual is None:
        return None, 'the filesystem label of this medium cannot be read; label check skipped'
    if actual != wanted:
        return False, ('the filesystem is labelled %s but %s %s: the medium would not boot (the initramfs waits '
                       'for /dev/disk/by-label/%s). Relabel it (fatlabel, or mlabel -i IMAGE@@OFFSET ::%s) or fix '
                       'the menus' % (actual, source, wanted, wanted, wanted))
    return True, 'filesystem label %s matches' % actual
