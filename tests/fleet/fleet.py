# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fleet of real SSH hosts on loopback, each with its own USB stick image.

Every host is an sshd of its own on 127.0.0.1 with its own port, host key and stick image; Ansible
reaches it over real SSH, so srm_deploy's action plugin really transfers modules. Used by
tests/fleet/test_fleet.py and bench/bench.py.
"""

from __future__ import annotations

import os
import re
import shutil
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


class Fleet:
    """``with Fleet(10) as fleet: fleet.playbook('converge.yml')``."""

    def __init__(self, size=10, workdir=None):
        self.size = size
        self.workdir = workdir or tempfile.mkdtemp(prefix='rescuefleet-fleet-')
        self.procs = []
        self.hosts = []

    # -- set-up -----------------------------------------------------------------------------------
    def __enter__(self):
        os.makedirs('/run/sshd', exist_ok=True)  # sshd's privilege separation directory
        key = os.path.join(self.workdir, 'id_ed25519')
        if not os.path.exists(key):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True)
        for index in range(1, self.size + 1):
            self.hosts.append(self._start_host(index, key))
        self._write_inventory(key)
        for host in self.hosts:
            self._wait_for(host['port'])
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
        port = free_port()
        config = os.path.join(hostdir, 'sshd_config')
        with open(config, 'w') as handle:
            handle.write('\n'.join([
                'Port %d' % port, 'ListenAddress 127.0.0.1', 'HostKey %s' % hostkey,
                'AuthorizedKeysFile %s' % os.path.join(hostdir, 'authorized_keys'),
                'PidFile %s' % os.path.join(hostdir, 'sshd.pid'), 'PermitRootLogin prohibit-password',
                'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
                'MaxSessions 50', 'MaxStartups 50', 'Subsystem sftp internal-sftp', '']))
        self.procs.append(subprocess.Popen([SSHD, '-D', '-e', '-f', config], stdout=subprocess.DEVNULL,
                                           stderr=open(os.path.join(hostdir, 'sshd.log'), 'w')))
        image = os.path.join(hostdir, 'stick.img')
        if not os.path.exists(image):
            make_fat_image(image)
        mounted = os.path.join(hostdir, 'mounted-stick')  # the same job on a mounted filesystem
        os.makedirs(mounted, exist_ok=True)
        live_root = os.path.join(hostdir, 'live-root')  # stands in for a booted rescue system's / (srm_load)
        os.makedirs(live_root, exist_ok=True)
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
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait()

    # -- running ------------------------------------------------------------------------------------
    def playbook(self, name, *extra):
        """Run a playbook (a path, or a name in tests/fleet) against the fleet; returns (recap, seconds, output)."""
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.venv', 'collections'),
                   ANSIBLE_FORKS='10', ANSIBLE_PIPELINING='true', ANSIBLE_HOST_KEY_CHECKING='false',
                   ANSIBLE_NOCOLOR='1', ANSIBLE_SSH_ARGS='-o ControlMaster=auto -o ControlPersist=60s',
                   ANSIBLE_CONTROL_PATH_DIR=os.path.join(self.workdir, 'cp'))
        cmd = [os.path.join(VENV_BIN, 'ansible-playbook'), '-i', self.inventory, os.path.join(HERE, name),
               '-e', 'fleet_build_dir=%s' % os.path.join(self.workdir, 'build')] + list(extra)
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        elapsed = time.perf_counter() - start
        output = proc.stdout.decode('utf-8', 'replace')
        if proc.returncode != 0:
            raise RuntimeError('%s failed (exit %d):\n%s' % (name, proc.returncode, output[-6000:]))
        return parse_recap(output), elapsed, output


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
