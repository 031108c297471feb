# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks of rescuefleet.media against the obvious alternative, measured in the same run.

    python bench/bench.py [--workdir DIR] [--repeat N] [srm_build] [...]

Each case prints its timings and the ratio that matters. Run it through `make bench`, which sets
up the environment (the collection must be importable as ansible_collections.rescuefleet.media).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, '.venv', 'collections'))

from ansible_collections.rescuefleet.media.plugins.module_utils import _squashfs  # noqa: E402
from ansible_collections.rescuefleet.media.plugins.module_utils._srm_build import SrmBuild  # noqa: E402

CASES = {}


def case(func):
    CASES[func.__name__] = func
    return func


def timed(func, repeat):
    """Best wall time of ``repeat`` runs, and the last result."""
    best = None
    result = None
    for _round in range(repeat):
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def generate_tree(root, files=20000, total=320 * 1024 * 1024, seed=42):
    """A source tree of ``files`` files and ``total`` bytes: one third random, two thirds text."""
    marker = os.path.join(root, '.complete-%d-%d-%d' % (files, total, seed))
    if os.path.exists(marker):
        return root
    shutil.rmtree(root, ignore_errors=True)
    rnd = random.Random(seed)
    words = [bytes(rnd.choice(b'abcdefghijklmnopqrstuvwxyz') for _letter in range(rnd.randint(2, 9)))
             for _word in range(4096)]
    average = total // files
    for index in range(files):
        directory = os.path.join(root, 'd%02d' % (index % 50), 's%03d' % (index % 400))
        os.makedirs(directory, exist_ok=True)
        size = rnd.randint(average // 2, average * 3 // 2)
        if index % 3 == 0:
            data = rnd.randbytes(size)
        else:
            text = bytearray()
            while len(text) < size:
                text += b' '.join(rnd.choices(words, k=512)) + b'\n'
            data = bytes(text[:size])
        with open(os.path.join(directory, 'f%05d' % index), 'wb') as handle:
            handle.write(data)
    open(marker, 'w').close()
    return root


def tree_size(root):
    count = size = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if not name.startswith('.complete'):
                count += 1
                size += os.lstat(os.path.join(dirpath, name)).st_size
    return count, size


def ansible_module(module, args):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.venv', 'collections'))
    out = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible'), 'localhost', '-m', module,
                          '-a', json.dumps(args), '-o'], env=env, stdout=subprocess.PIPE, check=True)
    return out.stdout.decode()


@case
def srm_build(workdir, repeat):
    """Cold srm_build against plain mksquashfs with the same flags; no-op against cold."""
    mksquashfs = shutil.which('mksquashfs')
    src = generate_tree(os.path.join(workdir, 'tree'))
    count, size = tree_size(src)
    out = os.path.join(workdir, 'out')
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    print('srm_build: %d files, %.0f MiB, zstd, 2 runs each, best time' % (count, size / 2.0 ** 20))

    raw_cmd = _squashfs.build_command(mksquashfs, src, os.path.join(out, 'raw.srm'), 'zstd', None, 131072, True)
    raw, _result = timed(lambda: subprocess.run(raw_cmd, check=True, stdout=subprocess.DEVNULL), repeat)

    dest = os.path.join(out, 'built.srm')
    params = {'dest': dest, 'sources': [{'src': src, 'dest': '/'}], 'compression': 'zstd', 'block_size': '128K',
              'ownership': 'root'}

    def cold_build():
        for name in (dest, dest + '.manifest.json'):
            if os.path.exists(name):
                os.unlink(name)
        return SrmBuild(params, mksquashfs).run()

    cold, result = timed(cold_build, repeat)
    assert result['changed']
    noop, result = timed(lambda: SrmBuild(params, mksquashfs).run(), max(repeat, 3))
    assert not result['changed']
    line = ansible_module('rescuefleet.media.srm_build', params)
    assert '"changed": false' in line, line
    noop_ansible, _result = timed(lambda: ansible_module('rescuefleet.media.srm_build', params), max(repeat, 3))
    print('  plain mksquashfs            %7.2f s' % raw)
    print('  srm_build cold              %7.2f s   ratio to mksquashfs %.3f (target <= 1.05)' % (cold, cold / raw))
    print('  srm_build no-op             %7.2f s   ratio to cold build %.4f (target < 0.03)' % (noop, noop / cold))
    print('  srm_build no-op via ansible %7.2f s   ratio to cold build %.4f (incl. ansible start-up)'
          % (noop_ansible, noop_ansible / cold))
    return {'raw': raw, 'cold': cold, 'noop': noop, 'noop_ansible': noop_ansible}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--workdir', default=os.environ.get('RESCUEFLEET_BENCH_DIR', '/var/tmp/rescuefleet-bench'))
    parser.add_argument('--repeat', type=int, default=2)
    parser.add_argument('cases', nargs='*', default=list(CASES))
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    results = {}
    for name in args.cases:
        results[name] = CASES[name](args.workdir, args.repeat)
    os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
    with open(os.path.join(HERE, 'results', 'last.json'), 'w') as handle:
        json.dump(results, handle, indent=1)


if __name__ == '__main__':
    main()
