# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one protocol of the modules' run objects, and the one place that drives it.

Every module's run object (``_tasks/<module>.py``) subclasses :class:`Task` and implements three steps:

``open()``
    checks what needs no target (the options, the local source files), then opens the target (a
    medium, a directory tree, an output file, an ISO, a device, a host root) and checks it; it raises
    before anything is changed.
``plan(target)``
    reads the target and returns a :class:`~.._plan.Plan`: what a real run changes, worked out without writing.
    In check mode the run stops here, so the plan's result is the prediction.
``apply(target, plan)``
    writes; returns what only writing learns (the sha256 of what was written, the backups made), which
    updates the plan's result. It runs in every real run, also for an unchanged plan (to refresh a
    cache or record), and never in check mode.

:meth:`Task.run` is the only caller of the three, and no task overrides it: it takes the target's
lock, lists what interrupted runs left at :meth:`Task.leftover_places` (in :attr:`Task.swept`, so the
plan can report it), plans, and outside check mode sweeps those leftovers and applies; it adds the
diff when asked and closes the target whatever happens. The sweep comes after the plan: a run that
the plan refuses changes nothing, not even the leftovers, and check mode plans on the same medium
the real run plans on. Only what was listed before the plan is swept, so a temporary file the plan
itself made (a download, a staging root) is never taken for a leftover. Every temporary name a task
writes lies at one of its places, whatever moment a kill hits (see tests/functional/test_kill_leftovers.py).
``_module_glue.run_task`` hands the result, the warnings and the secrets to Ansible.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import contextlib
import os

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import flocked


class Target:
    """What a task works on when it is not a medium (a device, a directory of this host, a host root).

    It has no lock (runs on it never took turns) and no leftovers; subclasses add what they have.
    ``sweep(place, found)`` removes ``found``, the leftovers :meth:`leftovers` listed at ``place`` before
    the plan (never what the run itself made meanwhile under a name of the same kind).
    """

    def locked(self):
        return contextlib.nullcontext()

    def leftovers(self, place):
        return []

    def sweep(self, place, found):
        return []

    def close(self):
        pass


class Inside(str):
    """A leftover place that is a directory of this host: every temporary name of :mod:`.._atomic` in it (a
    cache a run downloads into under names it cannot know in advance)."""


class OutputFiles(Target):
    """Files on this host that a task replaces atomically (an SRM and its manifest, an ISO and its record).

    A place is one of the files (its leftovers are the temporary names :mod:`.._atomic` writes it under) or
    an :class:`Inside` directory. ``lock_dir`` is the directory of the outputs: runs writing there take turns
    (an flock on the directory itself, nothing is created), so that no run sweeps another one's files.
    """

    def __init__(self, lock_dir=None):
        self.lock_dir = lock_dir

    def locked(self):
        if self.lock_dir is None or not os.path.isdir(self.lock_dir):
            return contextlib.nullcontext()
        return flocked(self.lock_dir)

    def leftovers(self, place):
        return atomic.leftovers_in(place) if isinstance(place, Inside) else atomic.leftovers(place)

    def sweep(self, place, found):
        for path in found:
            atomic.remove(path)
        return list(found)


@contextlib.contextmanager
def closing_on_error(target):
    """Close ``target`` when a check right after opening it fails: ``open()`` hands on only checked targets."""
    try:
        yield target
    except BaseException:
        target.close()
        raise


class Task:
    """A module's run object: ``params`` are the module's options (already checked by Ansible).

    ``warnings`` go to ``module.warn``; ``secrets`` are values Ansible must never print; a task that
    needs a Python library that cannot be imported sets ``missing_library`` to ``(name, import
    error)``, and run_task reports it before running.
    """

    missing_library = None

    def __init__(self, params, check_mode=False, want_diff=False):
        self.params = params
        self.check_mode = check_mode
        self.want_diff = want_diff
        self.warnings = []
        self.secrets = []
        self.swept = []

    # -- the protocol -------------------------------------------------------------------------
    def open(self):
        """Check the options, then open and check the target; returns it."""
        raise NotImplementedError

    def plan(self, target):
        """What a real run changes on ``target``: a :class:`~.._plan.Plan`, without writing."""
        raise NotImplementedError

    def apply(self, target, plan):
        """Carry ``plan`` out on ``target``; returns a dict that updates the result, or ``None``."""
        raise NotImplementedError

    def leftover_places(self, target):
        """Where on ``target`` interrupted runs of this task leave temporary files (none by default)."""
        return ()

    def close(self, target):
        """Release ``target`` (and what the task opened with it)."""
        target.close()

    # -- the one driver -------------------------------------------------------------------------
    def run(self):
        """One run of the module: the result dict. Raises the collection's errors and ``OSError``."""
        target = self.open()
        try:
            with target.locked():
                found = [(place, target.leftovers(place)) for place in self.leftover_places(target)]
                self.swept = [path for _place, paths in found for path in paths]
                plan = self.plan(target)
                applied = None
                if not self.check_mode:
                    for place, paths in found:
                        if paths:
                            target.sweep(place, paths)
                    applied = self.apply(target, plan)
                result = dict(plan.public(), changed=plan.changed)
                result.update(applied or {})
                diff = plan.diff() if self.want_diff else None
                if diff is not None:
                    result['diff'] = diff
                return result
        finally:
            self.close(target)
