# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the bench measures a command: from outside, as a whole process with everything it starts.

:func:`measured` runs a command under a small Python wrapper that waits for it and then reads, from
its own accounting of the reaped command: wall seconds, CPU seconds (user + system of the command and
all its descendants), the peak RSS of the largest of them, and the bytes they read (``rchar``: a reaped
child's I/O counters are added to its parent's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

_WRAPPER = r"""
import json, resource, subprocess, sys, time
def rchar():
    with open('/proc/self/io') as handle:
        for line in handle:
            if line.startswith('rchar:'):
                return int(line.split()[1])
read = rchar()
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write(json.dumps({'wall': wall, 'cpu': usage.ru_utime + usage.ru_stime, 'rss_kib': usage.ru_maxrss,
                             'read': rchar() - read, 'code': proc.returncode,
                             'err': proc.stderr.decode('utf-8', 'replace')[-3000:]}) + '\n')
sys.stdout.flush()
sys.stdout.buffer.write(proc.stdout)
"""


class Measured:
    """One run: ``wall`` and ``cpu`` seconds, ``rss`` MiB (peak of the largest process), ``read`` bytes,
    ``out`` (its standard output, text)."""

    def __init__(self, wall, cpu, rss, read, out):
        self.wall = wall
        self.cpu = cpu
        self.rss = rss
        self.read = read
        self.out = out

    def result(self):
        """The JSON result a module printed last."""
        return json.loads(self.out.strip().splitlines()[-1])


def measured(argv, env=None, check=True):
    """Run ``argv`` once and measure it (see the module docstring); fails when it fails and ``check``."""
    proc = subprocess.run([sys.executable, '-c', _WRAPPER] + list(argv), env=env, stdout=subprocess.PIPE, check=True)
    first, _newline, rest = proc.stdout.partition(b'\n')
    figures = json.loads(first.decode())
    out = rest.decode('utf-8', 'replace')
    if check and figures['code'] != 0:
        raise RuntimeError('%s failed (exit %d):\n%s\n%s'
                           % (' '.join(argv[:3]), figures['code'], out[-3000:], figures['err']))
    return Measured(figures['wall'], figures['cpu'], figures['rss_kib'] / 1024.0, figures['read'], out)


def best(runs):
    """The best wall time and the best CPU time of several runs of one command (each its own minimum)."""
    return min(r.wall for r in runs), min(r.cpu for r in runs)


def load():
    return os.getloadavg()[0]
