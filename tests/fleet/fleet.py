# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fleet of real SSH hosts on loopback, each with its own USB stick image.

Every host is an sshd of its own on 127.0.0.1 with its own port, host key and stick image; Ansible
reaches it over real SSH, so srm_deploy's action plugin really transfers modules. Used by
tests/fleet/test_fleet.py and bench/bench.py.

Each playbook run is measured whole: wall time, the CPU time of ansible-playbook with everything it
started (its workers, the ssh clients, and the ssh ControlPersist masters, which outlive it and are
ended when it exits, so every run sets up its connections as a new run on a fleet does) and the CPU
time the hosts spent on it (each sshd with every session and module it ran, read once the sessions
ended). Nothing a run or the fleet started is left running: the masters end with the run, and the
sshd instances with every process under them end when the ``with`` block is left, also on failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS = os.path.join(ROOT, '.venv', 'collections')
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from ansible_collections.rescuefleet.media.tests.unit.fat_images import make_fat_image  # noqa: E402
VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
SSHD = shutil.which('sshd') or '/usr/sbin/sshd'


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name (``[0]`` is the state), or ``None``."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()
    except (OSError, IndexError):
        return None


def children_of(pid):
    """The pids whose parent is ``pid``."""
    found = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            fields = _stat_fields(int(name))
            if fields and int(fields[1]) == pid:
                found.append(int(name))
    return found


def process_cpu(pid):
    """CPU seconds of ``pid`` and of its children it has reaped (utime + stime + cutime + cstime)."""
    fields = _stat_fields(pid)
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS if fields else 0.0


def end_processes(pids, grace=5.0):
    """SIGTERM ``pids``, then SIGKILL those still there after ``grace`` seconds (only these pids)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    for pid in pids:
        while _stat_fields(pid) and _stat_fields(pid)[0] != 'Z' and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# Runs a command as a child subreaper: the ssh ControlPersist masters that the command's ssh clients
# leave behind come back to it as children when the command exits, so it ends them and counts their CPU
# with the command's (RUSAGE_CHILDREN), and none outlives the run. Prints one JSON line, then the output.
MEASURED_RUN = r"""
import ctypes, json, os, resource, signal, subprocess, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
wall = time.perf_counter() - start
def orphans():
    out = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open('/proc/%s/stat' % name) as handle:
                    if int(handle.read().rsplit(')', 1)[1].split()[1]) == os.getpid():
                        out.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return out
left = orphans()
for pid in left:
    os.kill(pid, signal.SIGTERM)
deadline = time.monotonic() + 10
while True:
    try:
        pid, _status = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        if time.monotonic() > deadline:
            for pid in orphans():
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write(json.dumps({'wall': wall, 'cpu': usage.ru_utime + usage.ru_stime, 'code': proc.returncode,
                             'masters': len(left)}) + '\n')
sys.stdout.flush()
sys.stdout.buffer.write(proc.stdout)
"""


class FleetRun:
    """One measured playbook run: ``recap``, ``wall`` s, ``controller_cpu`` s (ansible-playbook, its workers,
    the ssh clients and masters), ``hosts_cpu`` s (every sshd's sessions and what they ran), ``output``."""

    def __init__(self, recap, wall, controller_cpu, hosts_cpu, output):
        self.recap = recap
        self.wall = wall
        self.controller_cpu = controller_cpu
        self.hosts_cpu = hosts_cpu
        self.output = output

    @property
    def cpu(self):
        return self.controller_cpu + self.hosts_cpu


class Fleet:
    """``with Fleet(10) as fleet: fleet.playbook('converge.yml')``.

    ``image_size`` is the size of each host's stick image (a sparse file: only what is written takes space).
    """

    def __init__(self, size=10, workdir=None, image_size='64M'):
        self.size = size
        self.workdir = workdir or tempfile.mkdtemp(prefix='rescuefleet-fleet-')
        self.image_size = image_size
        self.procs = []
        self.hosts = []
        self.runs = 0

    # -- set-up -----------------------------------------------------------------------------------
    def __enter__(self):
        try:
            os.makedirs('/run/sshd', exist_ok=True)  # sshd's privilege separation directory
            os.makedirs(self.workdir, exist_ok=True)
            key = os.path.join(self.workdir, 'id_ed25519')
            if not os.path.exists(key):
                subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
            for index in range(1, self.size + 1):
                self.hosts.append(self._start_host(index, key))
            self._write_inventory(key)
            for host in self.hosts:
                self._wait_for(host['port'])
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _start_host(self, index, key):
        name = 'fleet%02d' % index
        hostdir = os.path.join(self.workdir, name)
        os.makedirs(hostdir, exist_ok=True)
        hostkey = os.path.join(hostdir, 'ssh_host_ed25519_key')
        if not os.path.exists(hostkey):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', hostkey], check=True)
        shutil.copyfile(key + '.pub', os.path.join(hostdir, 'authorized_keys'))
        os.chmod(os.path.join(hostdir, 'authorized_keys'), 0o600)
        image = os.path.join(hostdir, 'stick.img')
        if not os.path.exists(image):
            make_fat_image(image, size=self.image_size)
        mounted = os.path.join(hostdir, 'mounted-stick')  # the same job on a mounted filesystem
        os.makedirs(mounted, exist_ok=True)
        live_root = os.path.join(hostdir, 'live-root')  # stands in for a booted rescue system's / (srm_load)
        os.makedirs(live_root, exist_ok=True)
        # The sessions' home: this machine's own root account (whose ~/.bashrc bash reads in every SSH
        # session, here an 80 ms pyenv set-up) stays out of what the fleet measures, as on a rescue host.
        home = os.path.join(hostdir, 'home')
        os.makedirs(home, exist_ok=True)
        port = free_port()
        config = os.path.join(hostdir, 'sshd_config')
        with open(config, 'w') as handle:
            handle.write('\n'.join([
                'Port %d' % port, 'ListenAddress 127.0.0.1', 'HostKey %s' % hostkey,
                'AuthorizedKeysFile %s' % os.path.join(hostdir, 'authorized_keys'),
                'PidFile %s' % os.path.join(hostdir, 'sshd.pid'), 'PermitRootLogin prohibit-password',
                'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
                'MaxSessions 50', 'MaxStartups 50', 'Subsystem sftp internal-sftp',
                'SetEnv HOME=%s' % home, '']))
        with open(os.path.join(hostdir, 'sshd.log'), 'w') as log:
            self.procs.append(subprocess.Popen([SSHD, '-D', '-e', '-f', config], stdout=subprocess.DEVNULL,
                                               stderr=log))
        return {'name': name, 'port': port, 'image': image, 'dir': mounted, 'root': live_root,
                'modules': self.modules_of(index)}

    @staticmethod
    def modules_of(index):
        """Every host gets tools and config; odd hosts also get extra."""
        return ['10-tools', '20-config'] + (['30-extra'] if index % 2 else [])

    def _write_inventory(self, key):
        """Group ``fleet`` for tests/fleet/*.yml, and the same hosts as ``usb_media`` for playbooks/site.yml."""
        files = os.path.join(HERE, 'files')
        lines = ['all:', '  vars:', '    ansible_user: root', '    ansible_host: 127.0.0.1',
                 '    ansible_ssh_private_key_file: %s' % key,
                 "    ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
                 '    ansible_python_interpreter: %s' % os.path.join(VENV_BIN, 'python'),
                 '    fleet_files: %s' % files,
                 '    srm_catalog_dir: %s' % os.path.join(self.workdir, 'catalog'),
                 '    srm_catalog_modules:',
                 "      10-tools.srm: {sources: [{src: '{{ fleet_files }}/tools', dest: /usr/local/bin}]}",
                 "      20-config.srm: {sources: [{src: '{{ fleet_files }}/config', dest: /etc/fleet}]}",
                 "      30-extra.srm: {sources: [{src: '{{ fleet_files }}/extra', dest: /opt/extra}]}",
                 '    usb_media_label: RESCUE1200',
                 '    usb_media_config: {sysconfig: {timezone: UTC}}',
                 '  children:', '    fleet:', '      children:', '        usb_media:',
                 '    usb_media:', '      hosts:']
        for host in self.hosts:
            lines += ['        %s:' % host['name'], '          ansible_port: %d' % host['port'],
                      '          fleet_image: %s' % host['image'],
                      '          fleet_dir: %s' % host['dir'],
                      '          fleet_root: %s' % host['root'],
                      '          fleet_modules: [%s]' % ', '.join(host['modules']),
                      '          usb_media_device: %s' % host['image'],
                      '          usb_media_srms: [%s]' % ', '.join(m + '.srm' for m in host['modules'])]
        self.inventory = os.path.join(self.workdir, 'inventory.yml')
        with open(self.inventory, 'w') as handle:
            handle.write('\n'.join(lines) + '\n')

    def reset_media(self):
        """Every host's stick image made anew and its mounted stick emptied, for a converge from scratch."""
        for host in self.hosts:
            os.unlink(host['image'])
            make_fat_image(host['image'], size=self.image_size)
            shutil.rmtree(host['dir'])
            os.makedirs(host['dir'])

    @staticmethod
    def _wait_for(port, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(('127.0.0.1', port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError('sshd on port %d did not start' % port)

    def __exit__(self, *exc):
        """End every sshd and every process still under one (sessions, module runs), by pid."""
        under = []
        for proc in self.procs:
            under.extend(self._descendants(proc.pid))
        end_processes([proc.pid for proc in self.procs if proc.poll() is None] + under)
        for proc in self.procs:
            proc.wait()
        self.procs = []

    @staticmethod
    def _descendants(pid):
        found, todo = [], [pid]
        while todo:
            kids = children_of(todo.pop())
            found.extend(kids)
            todo.extend(kids)
        return found

    # -- running ------------------------------------------------------------------------------------
    def _hosts_cpu(self, settle=10.0):
        """CPU seconds the sshd instances and everything they reaped used so far, once their sessions ended."""
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline and any(children_of(proc.pid) for proc in self.procs):
            time.sleep(0.05)
        return sum(process_cpu(proc.pid) for proc in self.procs)

    def playbook(self, name, *extra, forks=10, env=None):
        """Run a playbook (a path, or a name in tests/fleet) against the fleet; returns (recap, seconds, output)."""
        run = self.measured_playbook(name, *extra, forks=forks, env=env)
        return run.recap, run.wall, run.output

    def measured_playbook(self, name, *extra, forks=10, env=None):
        """Run a playbook against the fleet as a :class:`FleetRun`; raises when it fails.

        ``forks`` ``None`` leaves Ansible's default (5). Every run starts its SSH connections afresh (a
        control path directory of its own) and ends them when it exits."""
        self.runs += 1
        control_dir = os.path.join(self.workdir, 'cp%d' % self.runs)
        run_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.venv', 'collections'),
                       ANSIBLE_PIPELINING='true', ANSIBLE_HOST_KEY_CHECKING='false', ANSIBLE_NOCOLOR='1',
                       ANSIBLE_SSH_ARGS='-o ControlMaster=auto -o ControlPersist=60s',
                       ANSIBLE_CONTROL_PATH_DIR=control_dir)
        run_env.pop('ANSIBLE_FORKS', None)
        if forks is not None:
            run_env['ANSIBLE_FORKS'] = str(forks)
        run_env.update(env or {})
        cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', self.inventory, os.path.join(HERE, name),
               '-e', 'fleet_build_dir=%s' % os.path.join(self.workdir, 'build')] + list(extra)
        hosts_before = self._hosts_cpu()
        proc = subprocess.run([sys.executable, '-c', MEASURED_RUN] + cmd, env=run_env, stdout=subprocess.PIPE,
                              check=False)
        hosts_cpu = self._hosts_cpu() - hosts_before
        shutil.rmtree(control_dir, ignore_errors=True)
        first, _newline, rest = proc.stdout.partition(b'\n')
        figures = json.loads(first.decode())
        output = rest.decode('utf-8', 'replace')
        if figures['code'] != 0:
            raise RuntimeError('%s failed (exit %d):\n%s' % (name, figures['code'], output[-6000:]))
        return FleetRun(parse_recap(output), figures['wall'], figures['cpu'], hosts_cpu, output)


def parse_recap(output):
    """``{host: {'ok': n, 'changed': n, ...}}`` from the PLAY RECAP of ansible-playbook."""
    recap = {}
    for line in output.split('PLAY RECAP', 1)[-1].splitlines():
        match = re.match(r'^(\S+)\s+:\s+(.*)$', line.strip())
        if match:
            recap[match.group(1)] = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', match.group(2))}
    return recap


if __name__ == '__main__':
    with Fleet(int(sys.argv[1]) if len(sys.argv) > 1 else 10) as demo_fleet:
        print(demo_fleet.playbook('converge.yml')[1])
