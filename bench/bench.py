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
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, '.venv', 'collections'))

from ansible_collections.rescuefleet.media.plugins.module_utils._srm import squashfs  # noqa: E402
from ansible_collections.rescuefleet.media.plugins.module_utils._srm.build import SrmBuild  # noqa: E402

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
    """Run one module through the ansible command line on localhost; its JSON result as text."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.venv', 'collections'),
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_DEPRECATION_WARNINGS='false')
    out = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible'), 'localhost', '-m', module,
                          '-a', args if isinstance(args, str) else json.dumps(args)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
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
    print('srm_build: %d files, %.0f MiB, zstd, best of %d interleaved runs' % (count, size / 2.0 ** 20, repeat))

    raw_cmd = squashfs.build_command(mksquashfs, src, os.path.join(out, 'raw.srm'), 'zstd', None, 131072, True)
    dest = os.path.join(out, 'built.srm')
    params = {'dest': dest, 'sources': [{'src': src, 'dest': '/'}], 'compression': 'zstd', 'block_size': '128K',
              'ownership': 'root'}

    def cpu():
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        return children.ru_utime + children.ru_stime + own.ru_utime + own.ru_stime

    def measured(func):
        cpu0, wall0 = cpu(), time.perf_counter()
        result = func()
        return time.perf_counter() - wall0, cpu() - cpu0, result

    def cold_build():
        for name in (dest, dest + '.manifest.json'):
            if os.path.exists(name):
                os.unlink(name)
        return SrmBuild(params, mksquashfs).run()

    raw_runs, cold_runs = [], []
    for _round in range(repeat):  # interleaved: a load change on the host hits both alike
        raw_runs.append(measured(lambda: subprocess.run(raw_cmd, check=True, stdout=subprocess.DEVNULL)))
        cold_runs.append(measured(cold_build))
        assert cold_runs[-1][2]['changed']
    raw, raw_cpu = min(r[0] for r in raw_runs), min(r[1] for r in raw_runs)
    cold, cold_cpu = min(r[0] for r in cold_runs), min(r[1] for r in cold_runs)
    noop, _result = timed(lambda: SrmBuild(params, mksquashfs).run(), max(repeat, 3))
    assert not SrmBuild(params, mksquashfs).run()['changed']
    line = ansible_module('rescuefleet.media.srm_build', params)
    assert '"changed": false' in line, line
    noop_ansible, _result = timed(lambda: ansible_module('rescuefleet.media.srm_build', params), max(repeat, 3))
    print('  load average at the end: %.1f (wall times suffer from other load; CPU times much less)' % os.getloadavg()[0])
    print('  plain mksquashfs            %7.2f s wall  %7.2f s CPU' % (raw, raw_cpu))
    print('  srm_build cold              %7.2f s wall  %7.2f s CPU   ratio wall %.3f, CPU %.3f (target <= 1.05)'
          % (cold, cold_cpu, cold / raw, cold_cpu / raw_cpu))
    print('  srm_build no-op             %7.2f s   ratio to cold build %.4f (target < 0.03)' % (noop, noop / cold))
    print('  srm_build no-op via ansible %7.2f s   ratio to cold build %.4f (incl. ansible start-up)'
          % (noop_ansible, noop_ansible / cold))
    return {'raw': raw, 'raw_cpu': raw_cpu, 'cold': cold, 'cold_cpu': cold_cpu, 'noop': noop,
            'noop_ansible': noop_ansible}


def make_module_file(path, size):
    """A file of ``size`` bytes: a random MiB repeated with a counter, cheap to make, not compressible."""
    if os.path.exists(path) and os.path.getsize(path) == size:
        return path
    block = os.urandom(1 << 20)
    with open(path, 'wb') as handle:
        for index in range(size >> 20):
            handle.write(index.to_bytes(8, 'little') + block[8:])
    return path


def make_fat_image(path, size):
    subprocess.run(['truncate', '-s', '0', path], check=True)
    subprocess.run(['truncate', '-s', str(size), path], check=True)
    subprocess.run(['sfdisk', '-q', path], input=b'label: dos\nstart=2048, type=c, bootable\n', check=True)
    subprocess.run(['mkfs.vfat', '-F', '32', '-n', 'RESCUE1200', '--offset', '2048', path], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(['mmd', '-i', path + '@@1048576', '::/sysresccd'], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK='1'))
    return path


def module_argv(name, args, workdir):
    args_file = os.path.join(workdir, name + '-args.json')
    with open(args_file, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    return [sys.executable, os.path.join(ROOT, 'plugins', 'modules', name + '.py'), args_file]


def run_measured(argv):
    """Run ``argv``; return (result JSON, peak RSS in MiB of it and its children)."""
    probe = ('import json, resource, subprocess, sys\n'
             'p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, check=True)\n'
             'print(json.dumps([p.stdout.decode(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n')
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, '.venv', 'collections'))
    out = subprocess.run([sys.executable, '-c', probe] + argv, stdout=subprocess.PIPE, env=env, check=True)
    text, rss_kib = json.loads(out.stdout.decode())
    return json.loads(text.strip().splitlines()[-1]), rss_kib / 1024.0


@case
def srm_deploy(workdir, repeat):
    """1 GiB module onto a FAT image against plain mcopy; no-op against ansible.builtin.copy; memory."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    image = make_fat_image(os.path.join(workdir, 'stick.img'), 1400 * 2 ** 20)
    drive = image + '@@1048576'
    big = make_module_file(os.path.join(workdir, 'mod-1g.srm'), 2 ** 30)
    small = make_module_file(os.path.join(workdir, 'mod-256m.srm'), 2 ** 28)
    print('srm_deploy: 1 GiB module, FAT32 image of 1.4 GiB reached with mtools, best of %d' % repeat)

    def clear():
        for name in ('10-big.srm', '.rescuefleet-srm.json'):
            subprocess.run(['mdel', '-i', drive, '::/sysresccd/' + name], env=env, check=False,
                           stderr=subprocess.DEVNULL)

    def plain_mcopy(src):
        clear()
        start = time.perf_counter()
        subprocess.run(['mcopy', '-i', drive, src, '::/sysresccd/10-big.srm'], env=env, check=True)
        return time.perf_counter() - start

    def deploy(src):
        clear()
        argv = module_argv('srm_deploy', {'media': {'image': image}, 'srms': [{'src': src, 'name': '10-big.srm'}]},
                           workdir)
        start = time.perf_counter()
        result, rss = run_measured(argv)
        assert result['changed'], result
        return time.perf_counter() - start, rss

    # a module as the pipeline makes it: built by srm_build, so its sha256 is in the manifest beside it
    payload = os.path.join(workdir, 'payload')
    os.makedirs(payload, exist_ok=True)
    if not os.path.exists(os.path.join(payload, 'blob')):
        os.link(big, os.path.join(payload, 'blob'))
    built = os.path.join(workdir, 'built-1g.srm')
    SrmBuild({'dest': built, 'sources': [{'src': payload}], 'compression': 'lz4'}, shutil.which('mksquashfs')).run()

    rounds = max(repeat, 3)
    timings = {'mcopy': [], 'plain': [], 'mcopy_built': [], 'built': []}
    rss_big = 0.0
    for _round in range(rounds):  # interleaved, best of each: writeback of earlier runs hits both alike
        timings['mcopy'].append(plain_mcopy(big))
        elapsed, rss = deploy(big)
        timings['plain'].append(elapsed)
        rss_big = max(rss_big, rss)
        timings['mcopy_built'].append(plain_mcopy(built))
        timings['built'].append(deploy(built)[0])
    tiny = make_module_file(os.path.join(workdir, 'mod-1m.srm'), 2 ** 20)
    timings['tiny'] = [deploy(tiny)[0] for _round in range(rounds)]
    timings['mcopy_tiny'] = [plain_mcopy(tiny) for _round in range(rounds)]
    best = {key: min(values) for key, values in timings.items()}
    _small_time, rss_small = deploy(small)
    deploy(big)  # leave the 1 GiB module on the medium for the no-op

    mounted = os.path.join(workdir, 'mounted')
    os.makedirs(mounted, exist_ok=True)
    shutil.copyfile(big, os.path.join(mounted, '10-big.srm'))
    copy_args = 'src=%s dest=%s/10-big.srm' % (big, mounted)
    deploy_args = {'media': {'image': image}, 'srms': [{'src': big, 'name': '10-big.srm'}]}
    assert '"changed": false' in ansible_module('ansible.builtin.copy', copy_args)
    assert '"changed": false' in ansible_module('rescuefleet.media.srm_deploy', deploy_args)
    copy_noop, _result = timed(lambda: ansible_module('ansible.builtin.copy', copy_args), max(repeat, 3))
    deploy_noop, _result = timed(lambda: ansible_module('rescuefleet.media.srm_deploy', deploy_args), max(repeat, 3))
    print('  plain mcopy of 1 GiB                      %7.2f s' % best['mcopy'])
    print('  srm_deploy, plain file (hashed on the way) %7.2f s   ratio to mcopy %.3f (target <= 1.1)'
          % (best['plain'], best['plain'] / best['mcopy']))
    print('  plain mcopy of an srm_build output        %7.2f s' % best['mcopy_built'])
    print('  srm_deploy of that output (sha256 known)  %7.2f s   ratio to mcopy %.3f (target <= 1.1)'
          % (best['built'], best['built'] / best['mcopy_built']))
    print('  fixed cost of one deploy (1 MiB module)   %7.2f s   (plain mcopy of it %.2f s): Python, Ansible, probing'
          % (best['tiny'], best['mcopy_tiny']))
    print('  marginal cost per GiB, srm_build output   ratio %.3f to mcopy'
          % ((best['built'] - best['tiny']) / max(best['mcopy_built'] - best['mcopy_tiny'], 1e-6)))
    print('  no-op: ansible.builtin.copy (mounted dir) %7.2f s' % copy_noop)
    print('  no-op: srm_deploy (FAT image, mtools)     %7.2f s   ratio to copy %.3f' % (deploy_noop, deploy_noop / copy_noop))
    print('  peak RSS of a deploy: 256 MiB module %.0f MiB, 1 GiB module %.0f MiB (ratio %.2f; flat = 1.0)'
          % (rss_small, rss_big, rss_big / rss_small))
    return dict(best, copy_noop=copy_noop, deploy_noop=deploy_noop, rss_256m_mib=rss_small, rss_1g_mib=rss_big)


def run_io(argv, env=None):
    """Run ``argv``; return (wall seconds, bytes it and its children read (rchar), stdout).

    A reaped child's I/O counters are added to its parent's, so a small wrapper that waits for the
    command reads the total from its own /proc/self/io."""
    probe = ('import subprocess, sys, time\n'
             'def rchar():\n'
             '    for line in open("/proc/self/io"):\n'
             '        if line.startswith("rchar:"):\n'
             '            return int(line.split()[1])\n'
             'before = rchar()\n'
             'start = time.perf_counter()\n'
             'p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n'
             'elapsed = time.perf_counter() - start\n'
             'sys.stdout.write("%f %d\\n" % (elapsed, rchar() - before) + p.stdout.decode())\n'
             'sys.exit(p.returncode)\n')
    env = env or dict(os.environ, PYTHONPATH=os.path.join(ROOT, '.venv', 'collections'))
    out = subprocess.run([sys.executable, '-c', probe] + argv, stdout=subprocess.PIPE, env=env, check=True)
    first, _newline, rest = out.stdout.decode().partition('\n')
    elapsed, read = first.split()
    return float(elapsed), int(read), rest


@case
def iso(workdir, repeat):
    """sysrescue_iso on a 400 MiB bootable ISO: cold and no-op runs against a plain xorriso rebuild."""
    base = os.path.join(workdir, 'iso')
    tree = os.path.join(base, 'tree')
    src = os.path.join(base, 'src.iso')
    if not os.path.exists(src):
        for sub in ('sysresccd/x86_64', 'isolinux', 'EFI/boot'):
            os.makedirs(os.path.join(tree, sub), exist_ok=True)
        make_module_file(os.path.join(tree, 'sysresccd', 'x86_64', 'airootfs.sfs'), 400 * 2 ** 20)
        for name in ('/usr/lib/ISOLINUX/isolinux.bin', '/usr/lib/syslinux/modules/bios/ldlinux.c32'):
            shutil.copy(name, os.path.join(tree, 'isolinux'))
        with open(os.path.join(tree, 'isolinux', 'isolinux.cfg'), 'w') as handle:
            handle.write('DEFAULT x\n')
        efi = os.path.join(tree, 'EFI', 'efiboot.img')
        subprocess.run(['truncate', '-s', '2M', efi], check=True)
        subprocess.run(['mkfs.vfat', efi], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(['xorriso', '-as', 'mkisofs', '-o', src, '-V', 'RESCUE1200', '-r', '-J', '-isohybrid-mbr',
                        '/usr/lib/ISOLINUX/isohdpfx.bin', '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat',
                        '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table', '-eltorito-alt-boot', '-e',
                        'EFI/efiboot.img', '-no-emul-boot', '-isohybrid-gpt-basdat', tree],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srms = [make_module_file(os.path.join(base, '10-tools.srm'), 8 * 2 ** 20),
            make_module_file(os.path.join(base, '20-site.srm'), 2 * 2 ** 20)]
    dest = os.path.join(base, 'fleet.iso')
    plain = os.path.join(base, 'plain.iso')
    args = {'src': src, 'dest': dest, 'srms': [{'src': path} for path in srms],
            'configs': [{'name': '500-fleet.yaml', 'config': {'global': {'loadsrm': True}}}]}
    argv = module_argv('sysrescue_iso', args, workdir)
    xorriso = ['xorriso', '-no_rc', '-indev', src, '-outdev', plain, '-boot_image', 'any', 'replay',
               '-map', srms[0], '/sysresccd/10-tools.srm', '-map', srms[1], '/sysresccd/20-site.srm', '-commit']
    size = os.path.getsize(src)
    print('iso: source ISO of %d MiB (BIOS + UEFI El Torito, isohybrid MBR, GPT), two SRMs of 10 MiB, best of %d'
          % (size >> 20, repeat))
    best = {}
    for _round in range(repeat):
        for path in (dest, dest + '.rescuefleet.json', plain):
            if os.path.exists(path):
                os.unlink(path)
        runs = {'xorriso': run_io(xorriso), 'cold': run_io(argv), 'noop': run_io(argv)}
        assert '"changed": true' in runs['cold'][2] and '"changed": false' in runs['noop'][2], runs
        for key, (elapsed, read, _out) in runs.items():
            if key not in best or elapsed < best[key][0]:
                best[key] = (elapsed, read)
    for key, label in (('xorriso', 'plain xorriso rebuild (replay)     '), ('cold', 'sysrescue_iso cold                 '),
                       ('noop', 'sysrescue_iso no-op                ')):
        print('  %s %7.2f s  %8.1f MiB read   time ratio to xorriso %.3f'
              % (label, best[key][0], best[key][1] / 2 ** 20, best[key][0] / best['xorriso'][0]))
    return {key: {'seconds': value[0], 'bytes_read': value[1]} for key, value in best.items()}


@case
def fleet(workdir, repeat):
    """Ten SSH hosts: converge and no-op re-run against a naive builtin copy/lineinfile/template playbook."""
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'fleet'))
    from fleet import Fleet  # pylint: disable=import-outside-toplevel
    fleet_dir = os.path.join(workdir, 'fleet')
    shutil.rmtree(fleet_dir, ignore_errors=True)
    os.makedirs(fleet_dir)
    print('fleet: 10 hosts over SSH on loopback, forks 10, 3 modules, 2 YAML files per host')

    def reset_mounted(hosts):
        for host in hosts:
            shutil.rmtree(host['dir'], ignore_errors=True)
            os.makedirs(host['dir'])

    with Fleet(10, workdir=fleet_dir) as fl:
        fl.playbook('converge.yml')  # builds the modules and warms up SSH control sockets
        timings = {}
        reset_mounted(fl.hosts)
        timings['ours_converge'] = fl.playbook('converge.yml', '-e', 'fleet_target=path')[1]
        timings['ours_noop'] = min(fl.playbook('converge.yml', '-e', 'fleet_target=path')[1] for _r in range(repeat))
        reset_mounted(fl.hosts)
        timings['naive_converge'] = fl.playbook('naive.yml')[1]
        timings['naive_noop'] = min(fl.playbook('naive.yml')[1] for _r in range(repeat))
        timings['ours_image_noop'] = min(fl.playbook('converge.yml')[1] for _r in range(repeat))
    print('  converge:  rescuefleet %6.1f s   naive %6.1f s   ratio %.2f'
          % (timings['ours_converge'], timings['naive_converge'], timings['ours_converge'] / timings['naive_converge']))
    print('  no-op:     rescuefleet %6.1f s   naive %6.1f s   ratio %.2f'
          % (timings['ours_noop'], timings['naive_noop'], timings['ours_noop'] / timings['naive_noop']))
    print('  no-op on the FAT images through mtools (no naive equivalent): %.1f s' % timings['ours_image_noop'])
    return timings


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


def _playbook_measured(playbook, inventory):
    """(wall s, CPU s of ansible-playbook and its children) of one run; fails when the run fails."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.venv', 'collections'),
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_DEPRECATION_WARNINGS='false', ANSIBLE_FORKS='1')
    probe = ('import resource, subprocess, sys, time\n'
             'w = time.perf_counter()\n'
             'p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)\n'
             'w = time.perf_counter() - w\n'
             'r = resource.getrusage(resource.RUSAGE_CHILDREN)\n'
             'sys.stdout.write("%f %f %d\\n" % (w, r.ru_utime + r.ru_stime, p.returncode))\n'
             'sys.stdout.write(p.stdout.decode()[-3000:] if p.returncode else "")\n')
    out = subprocess.run([sys.executable, '-c', probe, os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'),
                          '-i', inventory, playbook], stdout=subprocess.PIPE, env=env, check=True).stdout.decode()
    wall, cpu_s, code = out.split('\n', 1)[0].split()
    if int(code):
        raise SystemExit('%s failed:\n%s' % (playbook, out))
    return float(wall), float(cpu_s)


@case
def pxe(workdir, repeat):
    """pxe_server with 10, 100, 1,000 clients (one pxe_hosts call) against the old per-client loops."""
    from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.pxe_hosts import PxeHosts  # noqa: E402
    base = os.path.join(workdir, 'pxe')
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    module = make_module_file(os.path.join(base, '10-bench.srm'), 1 << 20)
    sizes = [int(n) for n in os.environ.get('RESCUEFLEET_BENCH_PXE', '10,100,1000').split(',')]
    old_sizes = [n for n in sizes if n <= 100]
    print('pxe: pxe_server role (srm_deploy + one pxe_hosts call) vs the old per-client loops (bench/pxe/old.yml),'
          ' converge on an empty tree and no-op, wall and CPU of ansible-playbook with its children')
    results = {}
    for approach, playbook, counts in (('new', 'new.yml', sizes), ('old', 'old.yml', old_sizes)):
        for count in counts:
            root = os.path.join(base, '%s-%d' % (approach, count))
            inventory = _pxe_inventory(os.path.join(base, 'inv-%s-%d.json' % (approach, count)), count, root, module)
            converge = _playbook_measured(os.path.join(HERE, 'pxe', playbook), inventory)
            noop = min((_playbook_measured(os.path.join(HERE, 'pxe', playbook), inventory)
                        for _round in range(max(1, repeat - 1))), key=lambda pair: pair[1])
            results['%s_%d' % (approach, count)] = {
                'converge_wall': converge[0], 'converge_cpu': converge[1], 'noop_wall': noop[0], 'noop_cpu': noop[1]}
    module_noop = {}
    for count in sizes:
        params = {'http_root': os.path.join(base, 'new-%d' % count, 'http'),
                  'tftp_root': os.path.join(base, 'new-%d' % count, 'tftp'), 'url': 'http://127.0.0.1:8080/',
                  'kernel_args': 'iomem=relaxed', 'default_config': {'sysconfig': {'timezone': 'UTC'}},
                  'initrds': ['boot/intel_ucode.img', 'boot/amd_ucode.img', 'boot/x86_64/sysresccd.img'],
                  'clients': [{'name': 'c%05d' % i, 'module': '10-bench.srm',
                               'mac': '52:54:00:%02x:%02x:%02x' % (i >> 16, (i >> 8) & 255, i & 255)}
                              for i in range(count)]}
        best, result = timed(lambda: PxeHosts(params).run(), 3)
        assert not result['changed'], 'the role and the module logic disagree'
        module_noop[count] = best
    print('  %-6s %7s  %18s  %18s' % ('', 'clients', 'converge wall/CPU', 'no-op wall/CPU'))
    for key, value in results.items():
        approach, count = key.split('_')
        print('  %-6s %7s  %7.1f s %7.1f s  %7.1f s %7.1f s' % (
            approach, count, value['converge_wall'], value['converge_cpu'], value['noop_wall'], value['noop_cpu']))
    for count in old_sizes:
        new, old = results['new_%d' % count], results['old_%d' % count]
        print('  %d clients: old/new no-op CPU %.1fx, converge CPU %.1fx'
              % (count, old['noop_cpu'] / new['noop_cpu'], old['converge_cpu'] / new['converge_cpu']))
    if 10 in sizes and 1000 in sizes:
        print('  no-op CPU 1,000 / 10 clients: %.2f (target <= 3)'
              % (results['new_1000']['noop_cpu'] / results['new_10']['noop_cpu']))
        print('  converge wall for 1,000 clients: %.1f s (target < 60)' % results['new_1000']['converge_wall'])
    for count, best in module_noop.items():
        print('  pxe_hosts logic, no-op, %5d clients: %.3f s = %.2f ms per client (target < 2)'
              % (count, best, best * 1000.0 / count))
    results['module_noop'] = module_noop
    return results


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
