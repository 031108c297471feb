# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks of rescuefleet.media against the obvious alternative, measured in the same run.

    python bench/bench.py [--workdir DIR] [--repeat N] [--tiny] [srm_build] [srm_deploy] [iso] [pxe] [fleet]

Each case prints its figures with the ratio that matters and its target, and the run ends with the
table of targets (met or not). The inputs are what users feed the modules: modules built by srm_build or
mksquashfs, FAT stick images, a SystemRescue-shaped bootable ISO, real sshd hosts (bench/inputs.py).
``--tiny`` runs every case on tiny inputs, once (tests/functional/test_bench.py does, so that no case
can stop running to its end unnoticed); its figures mean nothing. Run it through ``make bench``,
which sets up the environment (the collection must be importable as ansible_collections.rescuefleet.media).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests', 'fleet'))

# pylint: disable=wrong-import-position
import inputs  # noqa: E402
from inputs import MIB, ansible_env, module_argv, module_env  # noqa: E402
from measure import best, load, measured  # noqa: E402
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import squashfs  # noqa: E402

ANSIBLE = os.path.join(ROOT, '.venv', 'bin', 'ansible')
ANSIBLE_PLAYBOOK = os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook')
MTOOLS = dict(os.environ, MTOOLS_SKIP_CHECK='1')

SCALES = {
    'full': {
        'tree_files': 20000, 'tree_bytes': 320 * MIB,
        'deploy_big': 1024 * MIB, 'deploy_small': 256 * MIB, 'deploy_tiny': MIB, 'deploy_image': 1400 * MIB,
        'iso_rootfs': 400 * MIB, 'iso_srms': (8 * MIB, 2 * MIB),
        'pxe_clients': (10, 100, 1000, 10000), 'pxe_old_clients': (10,), 'pxe_memory': (10, 1000, 10000),
        'fleet_sizes': (10, 30, 100), 'fleet_forks': (None, 50), 'fleet_image': 64 * MIB,
    },
    'tiny': {
        'tree_files': 60, 'tree_bytes': 2 * MIB,
        'deploy_big': 4 * MIB, 'deploy_small': MIB, 'deploy_tiny': 64 * 1024, 'deploy_image': 64 * MIB,
        'iso_rootfs': 2 * MIB, 'iso_srms': (256 * 1024, 64 * 1024),
        'pxe_clients': (2,), 'pxe_old_clients': (2,), 'pxe_memory': (2, 5),
        'fleet_sizes': (2,), 'fleet_forks': (None,), 'fleet_image': 64 * MIB,
    },
}

CASES = {}


def case(func):
    CASES[func.__name__] = func
    return func


class Bench:
    """What every case gets: the work directory, the number of runs of each measured command, the
    sizes (:data:`SCALES`), and the table of targets it adds its rows to."""

    def __init__(self, workdir, repeat, scale):
        self.workdir = workdir
        self.repeat = repeat
        self.scale = dict(SCALES[scale])
        for key, variable in (('pxe_clients', 'RESCUEFLEET_BENCH_PXE'), ('pxe_old_clients', 'RESCUEFLEET_BENCH_PXE_OLD'),
                              ('fleet_sizes', 'RESCUEFLEET_BENCH_FLEET')):
            if os.environ.get(variable):
                self.scale[key] = tuple(int(n) for n in os.environ[variable].split(','))
        if os.environ.get('RESCUEFLEET_BENCH_FLEET_FORKS'):  # e.g. default,50 (default: Ansible's own, 5)
            self.scale['fleet_forks'] = tuple(None if n == 'default' else int(n)
                                              for n in os.environ['RESCUEFLEET_BENCH_FLEET_FORKS'].split(','))
        self.tiny = scale == 'tiny'
        self.targets = []

    def dir(self, name, fresh=False):
        path = os.path.join(self.workdir, name)
        if fresh:
            shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)
        return path

    def target(self, what, figure, ratio, target, met, note=''):
        """One row of the table of targets: ``ratio`` is what ``target`` bounds."""
        self.targets.append({'case': what, 'figure': figure, 'ratio': ratio, 'target': target, 'met': bool(met),
                             'note': note})


def ansible_adhoc(module, args):
    """argv of one module run through the ansible command line on localhost."""
    return [ANSIBLE, 'localhost', '-m', module, '-a', args if isinstance(args, str) else json.dumps(args)]


MU = 'ansible_collections.rescuefleet.media.plugins.module_utils.'


def phase_profile(module, args, workdir, phases, tag='-phases'):
    """One run of module file ``module`` with ``args``, timed by phase (bench/phases.py): ``[(label, wall, CPU)]``
    with the rest of the process (Python start-up, imports, exit) first, as measured from outside."""
    argv = module_argv(module, args, workdir, tag)
    specs = ['%s=%s' % (label, target if target.startswith('ansible.') else MU + target) for label, target in phases]
    run = measured([sys.executable, os.path.join(HERE, 'phases.py'), module, argv[-1]] + specs, env=module_env())
    figures = json.loads(run.out.strip().splitlines()[-1])
    called = {p['label']: (p['label'], p['wall'], p['cpu']) for p in figures['phases']}
    rows = [called[label] for label, _target in phases if label in called]  # in the nesting order given
    inside = sum(wall for label, wall, _cpu in rows if label == 'module run')
    inside_cpu = sum(cpu for label, _wall, cpu in rows if label == 'module run')
    return [('start-up, imports, arguments, exit', run.wall - inside, run.cpu - inside_cpu)] + rows


def print_phases(title, rows):
    print('  %s, by phase (a phase holds the ones indented under it):' % title)
    for label, wall, cpu in rows:
        print('    %-62s %7.3f s wall %7.3f s CPU' % (label, wall, cpu))


# CPU seconds of SHA-256 over a file, or over every regular file under a directory, by the collection's own
# sha256_file (what srm_build calls for the output and for each source file), the process start left out
_SHA256_CPU = ('import os, sys, time\n'
               'from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file\n'
               'top = sys.argv[1]\n'
               'paths = [top] if not os.path.isdir(top) else [os.path.join(d, n) for d, _s, names in os.walk(top) '
               'for n in names if os.path.isfile(os.path.join(d, n)) and not os.path.islink(os.path.join(d, n))]\n'
               'start = time.process_time()\n'
               'for path in paths:\n'
               '    sha256_file(path)\n'
               'print(time.process_time() - start)\n')


def _sha256_cpu(path):
    return float(measured([sys.executable, '-c', _SHA256_CPU, path], env=module_env()).out)


def python_floor():
    """Wall and CPU of ``python -c 'import ansible.module_utils.basic'``: what every module run costs before its
    own code runs (best of 5)."""
    runs = [measured([sys.executable, '-c', 'import ansible.module_utils.basic'], env=module_env()) for _r in range(5)]
    return best(runs)


# -- srm_build ----------------------------------------------------------------------------------------------
@case
def srm_build(bench):
    """Cold srm_build against plain mksquashfs with the same flags; no-op against cold."""
    scale = bench.scale
    src = inputs.generate_tree(os.path.join(bench.workdir, 'tree-%d' % scale['tree_files']), scale['tree_files'],
                               scale['tree_bytes'])
    count, size = inputs.tree_size(src)
    out = bench.dir('srm_build', fresh=True)
    print('srm_build: %d files, %.0f MiB, zstd, best of %d interleaved runs' % (count, size / MIB, bench.repeat))
    raw_cmd = squashfs.build_command(shutil.which('mksquashfs'), src, os.path.join(out, 'raw.srm'), 'zstd', None,
                                     131072, True)
    dest = os.path.join(out, 'built.srm')
    params = {'dest': dest, 'sources': [{'src': src, 'dest': '/'}], 'compression': 'zstd', 'block_size': '128K',
              'ownership': 'root'}
    argv = module_argv('srm_build', params, out)
    raw_runs, cold_runs = [], []
    for _round in range(bench.repeat):  # interleaved: a load change on the host hits both alike
        raw_runs.append(measured(raw_cmd))
        for name in (dest, dest + '.manifest.json'):
            if os.path.exists(name):
                os.unlink(name)
        cold_runs.append(measured(argv, env=module_env()))
        assert cold_runs[-1].result()['changed'], cold_runs[-1].out
    noop_runs = [measured(argv, env=module_env()) for _round in range(max(bench.repeat, 3))]
    assert not noop_runs[-1].result()['changed']
    adhoc = [measured(ansible_adhoc('rescuefleet.media.srm_build', params), env=ansible_env())
             for _round in range(bench.repeat)]
    assert '"changed": false' in adhoc[-1].out, adhoc[-1].out
    (raw, raw_cpu), (cold, cold_cpu) = best(raw_runs), best(cold_runs)
    # mksquashfs' own CPU time varies by several percent from run to run (its threads on two cores), as much as
    # the target's margin: the ratio is the median of the interleaved pairs' ratios, not a ratio of two minima
    paired = statistics.median(c.cpu / r.cpu for r, c in zip(raw_runs, cold_runs))
    noop, noop_adhoc = best(noop_runs)[0], best(adhoc)[0]
    print('  plain mksquashfs              %7.2f s wall  %7.2f s CPU' % (raw, raw_cpu))
    print('  srm_build cold (module run)   %7.2f s wall  %7.2f s CPU   ratio of the best runs: wall %.3f, CPU %.3f'
          % (cold, cold_cpu, cold / raw, cold_cpu / raw_cpu))
    print('  CPU ratio of each pair %s, median %.3f (target <= 1.03)'
          % (', '.join('%.3f' % (c.cpu / r.cpu) for r, c in zip(raw_runs, cold_runs)), paired))
    print('  srm_build no-op (module run)  %7.2f s   ratio to the cold build %.4f (target < 0.03)' % (noop, noop / cold))
    print('  srm_build no-op via ansible   %7.2f s   ratio to the cold build %.4f (with ansible\'s start-up)'
          % (noop_adhoc, noop_adhoc / cold))
    phases = [('module run', '_module_glue:run_task'), ('  plan', '_srm.build:Builder.plan'),
              ('    walk the sources', '_srm.build:collect_tree'), ('    load the manifest', '_srm.manifest:load'),
              ('    fingerprint', '_srm.manifest:fingerprint'), ('  apply', '_srm.build:Builder.apply'),
              ('    mksquashfs (sources hashed meanwhile)', '_srm.squashfs:Mksquashfs.build'),
              ('    hash the output', '_srm.build:sha256_file'), ('    write the manifest', '_srm.manifest:dumps')]
    print_phases('srm_build no-op', phase_profile('srm_build', params, out, phases, '-noop'))
    for name in (dest, dest + '.manifest.json'):
        os.unlink(name)
    print_phases('srm_build cold', phase_profile('srm_build', params, out, phases, '-cold'))
    # the floor: what a cold build cannot leave out besides mksquashfs - the output's sha256 for the manifest (that
    # srm_deploy trusts instead of hashing the module again), the sources' sha256 (the manifest's, so that a later
    # run on touched but equal files stays a no-op) and a module process with Ansible's basic imported; the hashes by
    # the module's own sha256_file in a process of its own, the listing of the files and the start left out
    hash_out = min(_sha256_cpu(dest) for _round in range(max(bench.repeat, 3)))
    hash_src = min(_sha256_cpu(src) for _round in range(max(bench.repeat, 2)))
    start_cpu = python_floor()[1]
    floor_cpu = raw_cpu + hash_out + hash_src + start_cpu
    print('  floor: mksquashfs %.2f s + sha256 of the output %.2f s + of the sources %.2f s + module start-up %.2f s '
          '= %.2f s CPU, ratio %.3f to mksquashfs; srm_build cold is %.3f of that floor'
          % (raw_cpu, hash_out, hash_src, start_cpu, floor_cpu, floor_cpu / raw_cpu, cold_cpu / floor_cpu))
    bench.target('srm_build cold vs mksquashfs, CPU (median of pairs)', '%.2f s vs %.2f s CPU (best runs)' % (
        cold_cpu, raw_cpu), paired, '<= 1.03', paired <= 1.03, 'floor (mksquashfs + sha256 of the output and the '
        'sources + start-up) %.3f' % (floor_cpu / raw_cpu))
    bench.target('srm_build no-op vs cold', '%.2f s vs %.2f s' % (noop, cold), noop / cold, '< 0.03', noop / cold < 0.03)
    return {'raw': raw, 'raw_cpu': raw_cpu, 'cold': cold, 'cold_cpu': cold_cpu, 'cpu_ratio_paired': paired,
            'noop': noop, 'noop_adhoc': noop_adhoc}


# -- srm_deploy ---------------------------------------------------------------------------------------------
@case
def srm_deploy(bench):
    """srm_build output onto a FAT image against plain mcopy: end to end, fixed cost and marginal cost; a plain
    mksquashfs output (no manifest); the no-op against ansible.builtin.copy; peak RSS against module size."""
    scale = bench.scale
    base = bench.dir('srm_deploy')
    sizes = {'big': scale['deploy_big'], 'small': scale['deploy_small'], 'tiny': scale['deploy_tiny']}
    built = {}
    for key, size in sizes.items():
        payload = inputs.random_payload(os.path.join(base, 'payload-%d' % size), size)
        built[key] = inputs.srm_build_module(os.path.join(base, 'built-%d.srm' % size), payload, base)
    plain = inputs.mksquashfs_module(os.path.join(base, 'plain-%d.srm' % sizes['big']),
                                     os.path.join(base, 'payload-%d' % sizes['big']))
    image = inputs.fat_image(os.path.join(base, 'stick.img'), scale['deploy_image'])
    drive = image + '@@1048576'
    print('srm_deploy: modules built by srm_build (%s) onto a FAT32 image of %d MiB reached with mtools, best of %d'
          % (', '.join('%s MiB' % round(os.path.getsize(p) / MIB, 2) for p in built.values()), scale['deploy_image'] // MIB,
             max(bench.repeat, 3)))

    def clear():
        for name in ('10-bench.srm', '.rescuefleet-srm.json'):
            subprocess.run(['mdel', '-i', drive, '::/sysresccd/' + name], env=MTOOLS, check=False,
                           stderr=subprocess.DEVNULL)

    def mcopy(src):
        clear()
        return measured(['mcopy', '-i', drive, src, '::/sysresccd/10-bench.srm'], env=MTOOLS)

    def deploy(src):
        clear()
        run = measured(module_argv('srm_deploy', {'media': {'image': image},
                                                  'srms': [{'src': src, 'name': '10-bench.srm'}]}, base),
                       env=module_env())
        assert run.result()['changed'], run.out
        return run

    runs = {key: [] for key in ('mcopy_big', 'big', 'mcopy_tiny', 'tiny', 'mcopy_plain', 'plain')}
    for _round in range(max(bench.repeat, 3)):  # interleaved, best of each: writeback of earlier runs hits all alike
        for key, src in (('big', built['big']), ('tiny', built['tiny']), ('plain', plain)):
            runs['mcopy_' + key].append(mcopy(src))
            runs[key].append(deploy(src))
    rss = {key: max(r.rss for r in runs[key]) for key in ('big', 'tiny')}
    rss['small'] = deploy(built['small']).rss
    walls = {key: best(value)[0] for key, value in runs.items()}
    cpus = {key: best(value)[1] for key, value in runs.items()}
    fixed = walls['tiny'] - walls['mcopy_tiny']
    fixed_cpu = cpus['tiny'] - cpus['mcopy_tiny']
    marginal = (walls['big'] - walls['tiny']) / max(walls['mcopy_big'] - walls['mcopy_tiny'], 1e-6)
    deploy(built['big'])  # the module stays on the medium for the no-op

    mounted = bench.dir('srm_deploy/mounted')
    shutil.copyfile(built['big'], os.path.join(mounted, '10-bench.srm'))
    copy_args = 'src=%s dest=%s/10-bench.srm' % (built['big'], mounted)
    deploy_args = {'media': {'image': image}, 'srms': [{'src': built['big'], 'name': '10-bench.srm'}]}
    noop = {'copy': [], 'deploy': []}
    for _round in range(bench.repeat):
        noop['copy'].append(measured(ansible_adhoc('ansible.builtin.copy', copy_args), env=ansible_env()))
        noop['deploy'].append(measured(ansible_adhoc('rescuefleet.media.srm_deploy', deploy_args), env=ansible_env()))
    assert '"changed": false' in noop['copy'][-1].out and '"changed": false' in noop['deploy'][-1].out
    copy_noop, deploy_noop = best(noop['copy'])[0], best(noop['deploy'])[0]
    big_mib = os.path.getsize(built['big']) / MIB
    print('  plain mcopy of the %.0f MiB srm_build output  %7.3f s' % (big_mib, walls['mcopy_big']))
    print('  srm_deploy of it (sha256 from the manifest)  %7.3f s   end-to-end ratio to mcopy %.3f'
          % (walls['big'], walls['big'] / walls['mcopy_big']))
    print('  fixed cost: srm_deploy of a %.2f MiB module %.3f s - its mcopy %.3f s = %.3f s wall, %.3f s CPU '
          '(target <= 0.08 s)' % (os.path.getsize(built['tiny']) / MIB, walls['tiny'], walls['mcopy_tiny'], fixed,
                                  fixed_cpu))
    print('  marginal cost per byte, srm_build output     ratio %.3f to mcopy (target <= 1.02)' % marginal)
    print('  plain mksquashfs output (no manifest: hashed while mcopy copies)  %7.3f s vs mcopy %.3f s, ratio %.3f'
          % (walls['plain'], walls['mcopy_plain'], walls['plain'] / walls['mcopy_plain']))
    print('  no-op: ansible.builtin.copy (mounted dir) %7.2f s; srm_deploy (FAT image, mtools) %7.2f s, ratio %.3f'
          % (copy_noop, deploy_noop, deploy_noop / copy_noop))
    print('  peak RSS of a deploy: %.2f MiB module %.0f MiB, %.0f MiB module %.0f MiB, %.0f MiB module %.0f MiB '
          '(ratio largest/smallest %.2f; flat = 1.0)'
          % (os.path.getsize(built['tiny']) / MIB, rss['tiny'], os.path.getsize(built['small']) / MIB, rss['small'],
             big_mib, rss['big'], rss['big'] / rss['tiny']))
    floor_wall, floor_cpu = python_floor()
    print('  floor of any module run: Python with ansible.module_utils.basic imported %.3f s wall, %.3f s CPU '
          '(%.0f %% of the fixed cost)' % (floor_wall, floor_cpu, 100.0 * floor_wall / max(fixed, 1e-6)))
    clear()
    print_phases('srm_deploy of the %.2f MiB module' % (os.path.getsize(built['tiny']) / MIB), phase_profile(
        'srm_deploy', {'media': {'image': image}, 'srms': [{'src': built['tiny'], 'name': '10-bench.srm'}]}, base,
        [('module run', '_module_glue:run_task'), ('  open (probe the medium)', '_tasks.srm_deploy:SrmDeploy.open'),
         ('  plan (list, read the index)', '_tasks.srm_deploy:SrmDeploy.plan'),
         ('  apply', '_tasks.srm_deploy:SrmDeploy.apply'), ('    write the module', '_media.fatimage:FatImageMedium.put_file'),
         ('    write the index', '_srm.deploy:Deploy.finish')]))
    bench.target('srm_deploy fixed cost (module run minus mcopy)', '%.3f s wall, %.3f s CPU' % (fixed, fixed_cpu),
                 fixed, '<= 0.08 s', fixed <= 0.08, 'floor: Python + ansible.module_utils.basic %.3f s' % floor_wall)
    bench.target('srm_deploy marginal cost vs mcopy',
                 '%.0f MiB: %.3f s vs %.3f s' % (big_mib, walls['big'], walls['mcopy_big']), marginal, '<= 1.02', marginal <= 1.02)
    bench.target('srm_deploy peak RSS, largest vs smallest module', '%.0f MiB vs %.0f MiB' % (rss['big'], rss['tiny']),
                 rss['big'] / rss['tiny'], 'flat (<= 1.1)', rss['big'] / rss['tiny'] <= 1.1)
    return dict(walls=walls, cpus=cpus, fixed=fixed, fixed_cpu=fixed_cpu, marginal=marginal, copy_noop=copy_noop,
                deploy_noop=deploy_noop, rss_mib=rss)


# -- sysrescue_iso ------------------------------------------------------------------------------------------
@case
def iso(bench):
    """sysrescue_iso on a SystemRescue-shaped ISO: cold and no-op runs against a plain xorriso replay of the same
    inputs; time, CPU and bytes read."""
    scale = bench.scale
    base = bench.dir('iso')
    src = inputs.systemrescue_iso(base, scale['iso_rootfs'])
    srms = []
    for name, size in zip(('10-tools', '20-site'), scale['iso_srms']):
        payload = inputs.random_payload(os.path.join(base, 'payload-%s-%d' % (name, size)), size)
        srms.append(inputs.srm_build_module(os.path.join(base, '%s.srm' % name), payload, base))
    config = {'global': {'loadsrm': True}}
    dest = os.path.join(base, 'fleet.iso')
    plain = os.path.join(base, 'plain.iso')
    args = {'src': src, 'dest': dest, 'srms': [{'src': path} for path in srms],
            'configs': [{'name': '500-fleet.yaml', 'config': config}]}
    argv = module_argv('sysrescue_iso', args, base)
    yaml_file = os.path.join(base, '500-fleet.yaml')
    with open(yaml_file, 'w') as handle:
        handle.write('---\nglobal:\n  loadsrm: true\n')
    xorriso = ['xorriso', '-no_rc', '-indev', src, '-outdev', plain, '-boot_image', 'any', 'replay',
               '-map', srms[0], '/sysresccd/10-tools.srm', '-map', srms[1], '/sysresccd/20-site.srm',
               '-map', yaml_file, '/sysrescue.d/500-fleet.yaml', '-commit']
    print('iso: a SystemRescue-shaped ISO of %d MiB (the demo tree, BIOS + UEFI El Torito, isohybrid MBR, GPT), '
          'two srm_build modules and a YAML file, best of %d interleaved runs'
          % (os.path.getsize(src) >> 20, bench.repeat))
    # the same with xorriso's progress messages every 0.1 s: it notices the end of its write at the next one
    paced = xorriso[:2] + ['-pacifier', 'interval=0.1'] + xorriso[2:]
    runs = {'xorriso': [], 'paced': [], 'cold': [], 'noop': []}
    # xorriso's own wall time is bimodal (it notices the end of its write at its next progress poll): a ratio of the
    # two best runs compares a lucky xorriso with a typical remaster, so the target is the median of the interleaved
    # pairs' ratios, over at least 7 pairs (a run takes about a second)
    for _round in range(max(bench.repeat, 7) if bench.scale['iso_rootfs'] >= 100 * MIB else bench.repeat):
        for path in (dest, dest + '.rescuefleet.json', plain):
            if os.path.exists(path):
                os.unlink(path)
        runs['xorriso'].append(measured(xorriso))
        os.unlink(plain)
        runs['paced'].append(measured(paced))
        runs['cold'].append(measured(argv, env=module_env()))
        runs['noop'].append(measured(argv, env=module_env()))
        assert runs['cold'][-1].result()['changed'] and not runs['noop'][-1].result()['changed']
    figures = {}
    for key, label in (('xorriso', 'plain xorriso replay'), ('paced', '  with -pacifier interval=0.1'),
                       ('cold', 'sysrescue_iso cold'), ('noop', 'sysrescue_iso no-op')):
        wall, cpu = best(runs[key])
        read = min(r.read for r in runs[key])
        figures[key] = {'wall': wall, 'cpu': cpu, 'read': read}
        print('  %-30s %7.2f s wall %7.2f s CPU %8.1f MiB read   ratio to xorriso: wall %.3f, CPU %.3f'
              % (label, wall, cpu, read / MIB, wall / figures['xorriso']['wall'], cpu / figures['xorriso']['cpu']))
    pairs = {key: [c.wall / x.wall for x, c in zip(runs[key], runs['cold'])] for key in ('xorriso', 'paced')}
    paired = {key: statistics.median(values) for key, values in pairs.items()}
    print('  sysrescue_iso cold / xorriso, wall, pair by pair: %s; median %.3f (with -pacifier interval=0.1: %.3f)'
          % (', '.join('%.2f' % value for value in pairs['xorriso']), paired['xorriso'], paired['paced']))
    figures['paired'] = paired
    for path in (dest, dest + '.rescuefleet.json'):
        os.unlink(path)
    print_phases('sysrescue_iso cold', phase_profile('sysrescue_iso', args, base, [
        ('module run', '_module_glue:run_task'), ('  plan', '_tasks.sysrescue_iso:SysrescueIso.plan'),
        ('    hash the additions', '_remaster.plan:fingerprint'),
        ('    judge the loading (menus, YAML)', '_tasks.sysrescue_iso:SysrescueIso._judge_loading'),
        ('    list the source, its boot records', '_tasks.sysrescue_iso:listing_and_boot_records'),
        ('  apply', '_tasks.sysrescue_iso:SysrescueIso.apply'),
        ('    xorriso writes, the copy hashes (source hashed meanwhile)', '_tasks.sysrescue_iso:write_image'),
        ('    boot records of the new image', '_tasks.sysrescue_iso:boot_records'),
        ('    rename (fsync)', '_atomic:replace')]))
    # the floor: the same replay with what the remaster cannot leave out - the source hashed (its record, that later
    # runs trust by stat data), the new image hashed as it is written and made durable (fsync: the module renames it
    # into place only then) - by the plain tools, plus a module start. SHA-256 by openssl, whose implementation
    # (with the CPU's SHA extensions) is the one Python's hashlib calls; coreutils' sha256sum has its own, 2-3x
    # slower where the CPU has them, and would make the floor too high.
    floor_cmd = ['sh', '-c', 'src=$1 out=$2; shift 2; openssl dgst -sha256 "$src" >/dev/null & '
                 '{ "$@" 3>&1 >/dev/null 2>&1; } | tee "$out" | openssl dgst -sha256 >/dev/null; sync "$out"; wait',
                 'floor', src,
                 plain] + paced[:paced.index('-outdev') + 1] + ['stdio:/dev/fd/3'] \
        + paced[paced.index('-outdev') + 2:]
    floor_runs = []
    for _round in range(bench.repeat):
        os.unlink(plain)
        floor_runs.append(measured(floor_cmd))
        assert os.path.getsize(plain) > os.path.getsize(src), 'the floor\'s xorriso wrote no image'
    start_wall, start_cpu = python_floor()
    floor_wall = best(floor_runs)[0] + start_wall
    print('  floor: xorriso -pacifier interval=0.1 into a pipe, tee + openssl sha256 of the image + sync, openssl of '
          'the source meanwhile %.2f s wall + module start-up %.2f s = %.2f s, ratio %.3f to xorriso; sysrescue_iso cold is %.3f of '
          'that floor' % (best(floor_runs)[0], start_wall, floor_wall, floor_wall / figures['xorriso']['wall'],
                          figures['cold']['wall'] / floor_wall))
    figures['floor'] = {'wall': floor_wall, 'cpu': best(floor_runs)[1] + start_cpu}
    # against the faster of the two replays: plain xorriso usually waits for its next progress poll before it exits
    ratio = max(paired.values())
    bench.target('sysrescue_iso cold remaster vs xorriso replay, wall (median of pairs, the faster replay)',
                 '%.2f s vs %.2f s (CPU %.2f s vs %.2f s; read %.0f vs %.0f MiB)'
                 % (figures['cold']['wall'], figures['xorriso']['wall'], figures['cold']['cpu'],
                    figures['xorriso']['cpu'], figures['cold']['read'] / MIB, figures['xorriso']['read'] / MIB),
                 ratio, '<= 1.2', ratio <= 1.2, 'median ratio to plain xorriso %.2f, to xorriso -pacifier interval=0.1 '
                 '%.2f; floor (durable, hashed) %.2f s, ratio %.2f to the best xorriso run, the module %.2f of it' % (
                     paired['xorriso'], paired['paced'], floor_wall, floor_wall / figures['xorriso']['wall'],
                     figures['cold']['wall'] / floor_wall))
    return figures


# -- pxe ----------------------------------------------------------------------------------------------------
def _pxe_inventory(path, count, root, module):
    """A PXE server on localhost and ``count`` clients, each with a MAC and the one module."""
    clients = {'c%05d' % i: {'pxe_mac': '52:54:00:%02x:%02x:%02x' % (i >> 16, (i >> 8) & 255, i & 255),
                             'pxe_modules': ['10-bench.srm']} for i in range(count)}
    server = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
              'pxe_server_root': os.path.join(root, 'http'), 'pxe_server_tftp_root': os.path.join(root, 'tftp'),
              'pxe_server_url': 'http://127.0.0.1:8080/', 'pxe_server_config': {'sysconfig': {'timezone': 'UTC'}},
              'srm_catalog_built': {'10-bench.srm': {'path': module}},
              # the role's defaults, which the old playbook (not a role) needs spelled out
              'pxe_server_boot_url': 'http://127.0.0.1:8080/', 'pxe_server_basedir': 'sysresccd',
              'pxe_server_srm_dir': 'srm', 'pxe_server_hosts_dir': 'hosts', 'pxe_server_grub_dir': 'grub',
              'pxe_server_kernel_args': 'iomem=relaxed', 'pxe_server_menu_timeout': 10,
              'pxe_server_initrds': ['boot/intel_ucode.img', 'boot/amd_ucode.img', 'boot/x86_64/sysresccd.img']}
    inventory = {'all': {'children': {'pxe_servers': {'hosts': {'pxe-bench': server}},
                                      'pxe_clients': {'hosts': clients}}}}
    with open(path, 'w') as handle:
        json.dump(inventory, handle)  # JSON is YAML
    return path


def _pxe_params(root, count):
    return {'http_root': os.path.join(root, 'http'), 'tftp_root': os.path.join(root, 'tftp'),
            'url': 'http://127.0.0.1:8080/', 'kernel_args': 'iomem=relaxed',
            'default_config': {'sysconfig': {'timezone': 'UTC'}},
            'initrds': ['boot/intel_ucode.img', 'boot/amd_ucode.img', 'boot/x86_64/sysresccd.img'],
            'clients': [{'name': 'c%05d' % i, 'module': '10-bench.srm',
                         'mac': '52:54:00:%02x:%02x:%02x' % (i >> 16, (i >> 8) & 255, i & 255)} for i in range(count)]}


# pxe_hosts' logic in a process of its own (for its peak RSS): the run object on plain parameters
_PXE_LOGIC = ('import json, sys\n'
              'from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.pxe_hosts import PxeHosts\n'
              'with open(sys.argv[1]) as handle:\n'
              '    params = json.load(handle)\n'
              'print(json.dumps({"changed": PxeHosts(params).run()["changed"]}))\n')


# The role's first step alone: the pxe_clients filter over the play's hostvars, which makes Ansible work out every
# client's variables (VariableManager.get_vars per host). Only the filter call is timed (the inventory load is the floor).
_PXE_HOSTVARS = ('import json, sys, time\n'
                 'from ansible.inventory.manager import InventoryManager\n'
                 'from ansible.parsing.dataloader import DataLoader\n'
                 'from ansible.plugins.loader import init_plugin_loader\n'
                 'from ansible.vars.hostvars import HostVars\n'
                 'from ansible.vars.manager import VariableManager\n'
                 'init_plugin_loader([])\n'
                 'from ansible_collections.rescuefleet.media.plugins.filter.pxe_clients import pxe_clients\n'
                 'loader = DataLoader()\n'
                 'inventory = InventoryManager(loader=loader, sources=[sys.argv[1]])\n'
                 'hostvars = HostVars(inventory=inventory, variable_manager=VariableManager(loader=loader, '
                 'inventory=inventory), loader=loader)\n'
                 'hosts = inventory.get_groups_dict()["pxe_clients"]\n'
                 'start = time.process_time()\n'
                 'clients = pxe_clients(hosts, hostvars, built={"10-bench.srm": {"path": "x"}})\n'
                 'print(json.dumps({"clients": len(clients), "cpu": time.process_time() - start}))\n')


@case
def pxe(bench):
    """pxe_server with one pxe_hosts call at 10 to 10,000 clients against the old per-client loops; the module
    logic's time and memory per client."""
    scale = bench.scale
    base = bench.dir('pxe', fresh=True)
    payload = inputs.random_payload(os.path.join(bench.workdir, 'pxe-payload'), 64 * 1024)
    module = inputs.srm_build_module(os.path.join(base, '10-bench.srm'), payload, base)
    env = ansible_env(ANSIBLE_FORKS='1')
    print('pxe: pxe_server role (srm_deploy + one pxe_hosts call) vs the old per-client loops (bench/pxe/old.yml),'
          ' converge on an empty tree and no-op, wall and CPU of ansible-playbook with its children')
    results = {}
    for approach, playbook, counts in (('new', 'new.yml', scale['pxe_clients']),
                                       ('old', 'old.yml', scale['pxe_old_clients'])):
        for count in counts:
            root = os.path.join(base, '%s-%d' % (approach, count))
            inventory = _pxe_inventory(os.path.join(base, 'inv-%s-%d.json' % (approach, count)), count, root, module)
            argv = [ANSIBLE_PLAYBOOK, '-i', inventory, os.path.join(HERE, 'pxe', playbook)]
            converge = measured(argv, env=env)
            noop = [measured(argv, env=env) for _round in range(bench.repeat)]
            assert 'changed=0' in noop[-1].out, noop[-1].out[-2000:]
            results['%s_%d' % (approach, count)] = {
                'converge_wall': converge.wall, 'converge_cpu': converge.cpu, 'noop_wall': best(noop)[0],
                'noop_cpu': best(noop)[1]}
            if approach == 'new':  # the floor: any play on this inventory, doing nothing
                floor = [measured([ANSIBLE_PLAYBOOK, '-i', inventory, os.path.join(HERE, 'pxe', 'floor.yml')], env=env)
                         for _round in range(bench.repeat)]
                results['%s_%d' % (approach, count)].update(floor_wall=best(floor)[0], floor_cpu=best(floor)[1])
    print('  %-6s %7s  %18s  %18s' % ('', 'clients', 'converge wall/CPU', 'no-op wall/CPU'))
    for key, value in results.items():
        approach, count = key.split('_')
        print('  %-6s %7s  %7.1f s %7.1f s  %7.1f s %7.1f s' % (
            approach, count, value['converge_wall'], value['converge_cpu'], value['noop_wall'], value['noop_cpu']))
    for count in scale['pxe_old_clients']:
        new, old = results['new_%d' % count], results['old_%d' % count]
        print('  %d clients: old/new no-op CPU %.1fx, converge CPU %.1fx'
              % (count, old['noop_cpu'] / new['noop_cpu'], old['converge_cpu'] / new['converge_cpu']))
    smallest = min(scale['pxe_clients'])
    for count in [n for n in sorted(scale['pxe_clients'])[-2:] if n != smallest or len(scale['pxe_clients']) == 1]:
        ratio = results['new_%d' % count]['noop_cpu'] / results['new_%d' % smallest]['noop_cpu']
        wall = results['new_%d' % count]['converge_wall']
        limit_ratio, limit_wall = (3, 60) if count <= 1000 else (2, 30)
        many, few = results['new_%d' % count], results['new_%d' % smallest]
        above = (many['noop_cpu'] - many['floor_cpu']) / max(few['noop_cpu'] - few['floor_cpu'], 1e-6)
        print('  %d clients: no-op CPU %.2fx the %d-client no-op (target <= %d); converge %.1f s wall (target < %d s)'
              % (count, ratio, smallest, limit_ratio, wall, limit_wall))
        print('  floor: ansible-playbook on the inventory of %d clients doing nothing %.1f s CPU (%d clients: %.1f s); '
              'the no-op above its floor %.1f s vs %.1f s (%.2fx); the floor alone is %.2fx'
              % (count, many['floor_cpu'], smallest, few['floor_cpu'], many['noop_cpu'] - many['floor_cpu'],
                 few['noop_cpu'] - few['floor_cpu'], above, many['floor_cpu'] / few['floor_cpu']))
        bench.target('pxe_server no-op CPU, %d vs %d clients' % (count, smallest), '%.1f s vs %.1f s CPU' % (
            many['noop_cpu'], few['noop_cpu']), ratio, '<= %d' % limit_ratio, ratio <= limit_ratio,
            'floor (the inventory loaded, nothing done) %.1f s vs %.1f s CPU' % (many['floor_cpu'], few['floor_cpu']))
        bench.target('pxe_server converge wall, %d clients' % count, '%.1f s wall, %.1f s CPU' % (
            wall, results['new_%d' % count]['converge_cpu']), wall, '< %d s' % limit_wall, wall < limit_wall)

    logic = {}
    for count in scale['pxe_memory']:
        root = os.path.join(base, 'logic-%d' % count)
        params_file = os.path.join(base, 'logic-%d.json' % count)
        with open(params_file, 'w') as handle:
            json.dump(_pxe_params(root, count), handle)
        argv = [sys.executable, '-c', _PXE_LOGIC, params_file]
        converge = measured(argv, env=module_env())
        noop = [measured(argv, env=module_env()) for _round in range(max(bench.repeat, 2))]
        assert json.loads(converge.out)['changed'] and not json.loads(noop[-1].out)['changed']
        logic[count] = {'converge': converge.wall, 'converge_rss': converge.rss, 'noop': best(noop)[0],
                        'noop_cpu': best(noop)[1], 'noop_rss': max(r.rss for r in noop)}
    few = min(logic)
    for count, value in logic.items():
        peak = max(value['converge_rss'], value['noop_rss'])
        growth = (peak - max(logic[few]['converge_rss'], logic[few]['noop_rss'])) * 1024
        print('  pxe_hosts logic, %5d clients: converge %.2f s, no-op %.2f s (%.2f ms per client), peak RSS '
              'converge %.0f MiB, no-op %.0f MiB (%.1f KiB per client over %d clients)'
              % (count, value['converge'], value['noop'], value['noop'] * 1000.0 / count, value['converge_rss'],
                 value['noop_rss'], growth / max(count - few, 1), few))
    results['logic'] = logic
    _pxe_noop_phases(results, scale, base)
    # removed only now: deleting tens of thousands of files (with online discard) slows the runs after it
    shutil.rmtree(base)
    return results


def _pxe_noop_phases(results, scale, base):
    """Where the role's no-op CPU goes, at the smallest and the largest size that the module logic was also
    measured at: the floor (the inventory loaded), the clients' variables (the pxe_clients filter over hostvars),
    pxe_hosts' logic, and the rest (Ansible's tasks: the 10,000-client argument templated, sent and checked
    against the argument spec, module start-up, results)."""
    sizes = sorted(set(scale['pxe_clients']) & set(results['logic']))
    rows = {}
    for count in (sizes[:1] + sizes[-1:]) if len(sizes) > 1 else sizes:  # the smallest and the largest
        inventory = os.path.join(base, 'inv-new-%d.json' % count)
        runs = [json.loads(measured([sys.executable, '-c', _PXE_HOSTVARS, inventory], env=module_env()).out)
                for _round in range(2)]
        assert runs[0]['clients'] == count
        noop = results['new_%d' % count]
        parts = {'floor': noop['floor_cpu'], 'clients': min(r['cpu'] for r in runs),
                 'logic': results['logic'][count]['noop_cpu']}
        parts['rest'] = noop['noop_cpu'] - sum(parts.values())
        rows[count] = parts
        print('  no-op at %5d clients, %.1f s CPU: floor (the inventory) %.2f s, the clients\' variables (pxe_clients '
              'over hostvars) %.2f s, pxe_hosts logic %.2f s (a process of its own), the rest (Ansible\'s tasks, the '
              'clients argument templated and checked, module start-up) %.2f s'
              % (count, noop['noop_cpu'], parts['floor'], parts['clients'], parts['logic'], parts['rest']))
    if len(rows) == 2:
        (few, small), (many, large) = sorted(rows.items())
        print('  growth from %d to %d clients: %s' % (few, many, ', '.join(
            '%s %+.2f s' % (name, large[name] - small[name]) for name in ('floor', 'clients', 'logic', 'rest'))))
        # what the ratio cannot go below: Ansible's part at the large size (the inventory, every client's variables)
        # and the small size's whole cost above its floor, as if handing 10,000 clients to pxe_hosts and the module's
        # work on them cost nothing
        small_noop = results['new_%d' % few]['noop_cpu']
        lowest = (large['floor'] + large['clients'] + small_noop - small['floor']) / small_noop
        print('  the ratio\'s floor: (inventory %.2f s + clients\' variables %.2f s at %d clients, + the %d-client '
              'no-op above its floor %.2f s) / %.2f s = %.2f, with nothing for the clients\' files and arguments'
              % (large['floor'], large['clients'], many, few, small_noop - small['floor'], small_noop, lowest))
        results['noop_ratio_floor'] = lowest
    results['noop_phases'] = rows


# -- fleet --------------------------------------------------------------------------------------------------
def _tool_log_dir(base):
    """A directory of wrappers that log each call of the tools a deploy probes and reads the medium with."""
    wrappers = os.path.join(base, 'tool-log')
    os.makedirs(wrappers, exist_ok=True)
    log = os.path.join(wrappers, 'calls.log')
    for tool in ('sfdisk', 'blkid', 'mcopy', 'mdir', 'minfo', 'mren', 'mdel', 'mmd'):
        real = shutil.which(tool)
        path = os.path.join(wrappers, tool)
        with open(path, 'w') as handle:
            handle.write('#!/bin/sh\necho "%s $*" >> %s\nexec %s "$@"\n' % (tool, log, real))
        os.chmod(path, 0o755)
    return wrappers, log


def _remote_deploy(fl, base):
    """One changed srm_deploy with verify: full over SSH, right after a converge onto the images: how often the
    medium is probed and each module read back (20-config.srm is replaced, 10-tools.srm stays)."""
    wrappers, log = _tool_log_dir(base)
    host = fl.hosts[0]
    run = fl.measured_playbook(os.path.join(HERE, 'fleet', 'remote_deploy.yml'), '--limit', host['name'],
                               '-e', 'bench_tool_path=%s' % wrappers)
    assert run.recap[host['name']]['changed'] == 1, run.recap
    with open(log) as handle:
        calls = handle.read().splitlines()
    probes = sum(1 for c in calls if c.startswith('sfdisk '))
    hashes = {}
    for name in ('10-tools.srm', '20-config.srm'):
        hashes[name] = sum(1 for c in calls if c.startswith('mcopy ') and c.endswith('::/sysresccd/%s -' % name))
    return {'probes': probes, 'hashes': hashes, 'calls': len(calls), 'wall': run.wall, 'cpu': run.cpu}


@case
def fleet(bench):
    """SSH hosts on loopback, each with its own stick: converge and no-op of the collection's playbook against a
    naive builtin copy/lineinfile/template playbook, at several fleet sizes and forks; CPU per host."""
    from fleet import Fleet  # pylint: disable=import-outside-toplevel
    scale = bench.scale
    rows = []
    remote = None
    print('fleet: SSH hosts on loopback, each with its own sshd and %d MiB stick image; 3 modules, 2 YAML files per '
          'host; every run sets up its SSH connections anew (pipelining on); CPU = ansible-playbook with its '
          'workers and ssh clients/masters + the hosts\' sshd sessions and modules' % (scale['fleet_image'] // MIB))
    for size in scale['fleet_sizes']:
        base = bench.dir('fleet-%d' % size, fresh=True)
        with Fleet(size, workdir=base, image_size='%dM' % (scale['fleet_image'] // MIB)) as fl:
            fl.measured_playbook('converge.yml', forks=50)  # builds the modules once; the images hold them
            if remote is None:
                remote = _remote_deploy(fl, base)
            for forks in scale['fleet_forks']:
                row = {'hosts': size, 'forks': forks or 5}
                for kind, playbook, extra in (('ours', 'converge.yml', ('-e', 'fleet_target=path')),
                                              ('naive', 'naive.yml', ()), ('image', 'converge.yml', ())):
                    fl.reset_media()
                    converge = fl.measured_playbook(playbook, *extra, forks=forks)
                    assert all(r['failed'] == 0 and r['changed'] > 0 for h, r in converge.recap.items()
                               if h.startswith('fleet')), converge.recap
                    noops = [fl.measured_playbook(playbook, *extra, forks=forks)
                             for _round in range(min(bench.repeat, 2))]
                    assert all(r['changed'] == 0 for h, r in noops[-1].recap.items() if h.startswith('fleet')), \
                        noops[-1].recap
                    noop = min(noops, key=lambda r: r.cpu)
                    row[kind] = {'converge_wall': converge.wall, 'converge_cpu': converge.cpu,
                                 'converge_controller': converge.controller_cpu, 'noop_wall': min(r.wall for r in noops),
                                 'noop_cpu': noop.cpu, 'noop_controller': noop.controller_cpu}
                rows.append(row)
                ours, naive, image = row['ours'], row['naive'], row['image']
                print('  %3d hosts, forks %2d: converge %6.1f s wall %6.1f s CPU (%.2f s/host) vs naive %6.1f s '
                      '%6.1f s (%.2f s/host); no-op %6.1f s %6.1f s (%.2f s/host) vs naive %6.1f s %6.1f s '
                      '(%.2f s/host); on the images: converge %.2f s/host, no-op %.2f s/host'
                      % (size, row['forks'], ours['converge_wall'], ours['converge_cpu'], ours['converge_cpu'] / size,
                         naive['converge_wall'], naive['converge_cpu'], naive['converge_cpu'] / size,
                         ours['noop_wall'], ours['noop_cpu'], ours['noop_cpu'] / size, naive['noop_wall'],
                         naive['noop_cpu'], naive['noop_cpu'] / size, image['converge_cpu'] / size,
                         image['noop_cpu'] / size))
                # where a host's CPU goes: the controller (ansible-playbook, its workers, ssh) or the host (sshd,
                # the modules it runs)
                print('      CPU per host, controller + host side: no-op ours %s, naive %s, images %s; converge ours '
                      '%s, naive %s, images %s' % tuple(
                          '%.2f + %.2f s' % (row[kind][phase + '_controller'] / size,
                                             (row[kind][phase + '_cpu'] - row[kind][phase + '_controller']) / size)
                          for phase in ('noop', 'converge') for kind in ('ours', 'naive', 'image')))
    print('  remote changed srm_deploy (verify: full, one module replaced): %d probes of the medium, hashes per '
          'module %s (%d tool calls) (target: one probe, at most one hash per module)'
          % (remote['probes'], remote['hashes'], remote['calls']))
    bench.target('remote changed srm_deploy, verify: full', '%d probes, hashes %s' % (
        remote['probes'], ', '.join('%s %d' % item for item in sorted(remote['hashes'].items()))), remote['probes'],
        'one probe, one hash per module', remote['probes'] == 1 and max(remote['hashes'].values()) <= 1)
    first, last = rows[0], rows[-1]
    for kind in ('ours', 'image'):
        growth = (last[kind]['noop_cpu'] / last['hosts']) / (first[kind]['noop_cpu'] / first['hosts'])
        bench.target('fleet no-op CPU per host (%s), %d vs %d hosts' % (
            'mounted stick' if kind == 'ours' else 'FAT images', last['hosts'], first['hosts']),
            '%.2f vs %.2f s/host' % (last[kind]['noop_cpu'] / last['hosts'], first[kind]['noop_cpu'] / first['hosts']),
            growth, 'does not grow (<= 1.1)', growth <= 1.1)
    for row in rows:
        ratio = row['ours']['noop_cpu'] / row['naive']['noop_cpu']
        bench.target('fleet no-op CPU vs naive playbook, %d hosts, forks %d' % (row['hosts'], row['forks']),
                     '%.1f s vs %.1f s CPU' % (row['ours']['noop_cpu'], row['naive']['noop_cpu']), ratio, '< 1', ratio < 1)
    return {'rows': rows, 'remote_deploy': remote}


def _print_targets(targets):
    print('\ntargets (ratio measured in this run; load average now %.1f)' % load())
    for row in targets:
        print('  %-4s %-58s %-52s ratio %8.3f  target %s%s' % (
            'met' if row['met'] else 'MISS', row['case'], row['figure'], row['ratio'], row['target'],
            ('  ' + row['note']) if row['note'] else ''))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--workdir', default=os.environ.get('RESCUEFLEET_BENCH_DIR', '/var/tmp/rescuefleet-bench'))
    parser.add_argument('--repeat', type=int, default=None, help='runs of each measured command (default 3; 1 with --tiny)')
    parser.add_argument('--tiny', action='store_true', help='every case on tiny inputs, once: checks that it runs')
    parser.add_argument('cases', nargs='*', help='the cases to run (default: all): %s' % ', '.join(CASES))
    args = parser.parse_args()
    unknown = [name for name in args.cases if name not in CASES]
    if unknown:
        parser.error('unknown case %s; the cases are %s' % (', '.join(unknown), ', '.join(CASES)))
    # a terminated bench leaves through the with blocks (the fleet's sshd instances end with it)
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))
    os.makedirs(args.workdir, exist_ok=True)
    bench = Bench(args.workdir, args.repeat or (1 if args.tiny else 3), 'tiny' if args.tiny else 'full')
    results = {'load_start': load()}
    for name in args.cases or list(CASES):
        results[name] = CASES[name](bench)
        results[name + '_load'] = load()
        print('  (load average %.1f)' % load())
    _print_targets(bench.targets)
    results['targets'] = bench.targets
    out = os.path.join(args.workdir if args.tiny else HERE, 'results')
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'last.json'), 'w') as handle:
        json.dump(results, handle, indent=1)


if __name__ == '__main__':
    main()
