# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/demo.yml as AWX, AAP and automation controllers run it: through ``ansible-runner run``.

Usage: python ansible_runner_demo.py CLONE WORKDIR

Lays out a private data directory in WORKDIR as a controller does (``project/`` with the playbooks,
``inventory/``, ``env/envvars``), installs the collection from a tarball built from CLONE into the
path an execution environment keeps collections in (``usr/share/ansible/collections`` under WORKDIR,
named by ANSIBLE_COLLECTIONS_PATH in ``env/envvars``), and runs the demo twice with the
``ansible-runner`` command. Then it reads the job events the runner wrote (``artifacts/<ident>/job_events``)
the way a controller does: the first run succeeds and changes things; the second succeeds with
nothing changed; in both, the collection's modules report their results in the events.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys

EE_COLLECTIONS = os.path.join('usr', 'share', 'ansible', 'collections')
# The runner must find the collection through env/envvars alone, not through the caller's settings;
# ansible-runner, ansible-galaxy and the ansible-playbook the runner starts come from this Python's
# environment (the .venv that `make setup` made).
ENV = {key: value for key, value in os.environ.items() if key != 'ANSIBLE_COLLECTIONS_PATH'}
ENV['PATH'] = os.pathsep.join([os.path.dirname(sys.executable), ENV.get('PATH', '')])


def lay_out(clone, pdd):
    """The private data directory: project, inventory, env, and the collection where an EE has it."""
    shutil.rmtree(pdd, ignore_errors=True)
    shutil.copytree(os.path.join(clone, 'playbooks'), os.path.join(pdd, 'project'))
    os.makedirs(os.path.join(pdd, 'inventory'))
    shutil.copy(os.path.join(clone, 'inventories', 'demo', 'hosts.yml'), os.path.join(pdd, 'inventory', 'hosts.yml'))
    collections = os.path.join(pdd, EE_COLLECTIONS)
    dist = os.path.join(pdd, 'dist')
    subprocess.run(['ansible-galaxy', 'collection', 'build', '--force', '--output-path', dist],
                   cwd=clone, env=ENV, check=True, stdout=subprocess.DEVNULL)
    tarball, = glob.glob(os.path.join(dist, 'rescuefleet-media-*.tar.gz'))
    subprocess.run(['ansible-galaxy', 'collection', 'install', '--offline', '-p', collections, tarball],
                   env=dict(ENV, ANSIBLE_COLLECTIONS_PATH=collections), check=True, stdout=subprocess.DEVNULL)
    os.makedirs(os.path.join(pdd, 'env'))
    with open(os.path.join(pdd, 'env', 'envvars'), 'w') as handle:
        json.dump({'ANSIBLE_COLLECTIONS_PATH': collections, 'ANSIBLE_NOCOLOR': '1'}, handle)


def run(pdd, ident):
    """``ansible-runner run``; returns the job events of that run, in order."""
    proc = subprocess.run(['ansible-runner', 'run', pdd, '-p', 'demo.yml', '--ident', ident], env=ENV,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    artifacts = os.path.join(pdd, 'artifacts', ident)
    if proc.returncode != 0:
        sys.exit('ansible-runner run %s failed (exit status %d):\n%s' % (ident, proc.returncode, proc.stdout[-3000:]))
    with open(os.path.join(artifacts, 'status')) as handle:
        status = handle.read().strip()
    if status != 'successful':
        sys.exit('ansible-runner reports %s for %s' % (status, ident))
    events = []
    for path in glob.glob(os.path.join(artifacts, 'job_events', '*.json')):
        with open(path) as handle:
            events.append(json.load(handle))
    return sorted(events, key=lambda event: event['counter'])


def module_results(events):
    """``{module: [changed, ...]}`` of the collection's modules, from the ``runner_on_ok`` events."""
    out = {}
    for event in events:
        data = event.get('event_data', {})
        action = data.get('task_action', '')
        if event['event'] == 'runner_on_ok' and action.startswith('rescuefleet.media.'):
            out.setdefault(action, []).append(bool(data['res'].get('changed')))
    return out


def stats(events):
    """The play recap of a run, as the ``playbook_on_stats`` event gives it."""
    recap, = [event['event_data'] for event in events if event['event'] == 'playbook_on_stats']
    return recap


def main(clone, workdir):
    pdd = os.path.join(workdir, 'private-data')
    lay_out(clone, pdd)
    first = run(pdd, 'first')
    second = run(pdd, 'second')
    for ident, events in (('first', first), ('second', second)):
        print('ansible-runner %s run: %s' % (ident, ', '.join(
            '%s changed=%s' % (name.split('.')[-1], changed) for name, changed in sorted(module_results(events).items()))))
    results = module_results(first)
    wanted = {'rescuefleet.media.srm_build', 'rescuefleet.media.srm_deploy', 'rescuefleet.media.media_info'}
    if not wanted <= set(results):
        sys.exit('the job events lack results of %s' % ', '.join(sorted(wanted - set(results))))
    if not stats(first)['changed'] or not any(results['rescuefleet.media.srm_deploy']):
        sys.exit('the first run through ansible-runner changed nothing: %r' % stats(first))
    if stats(second)['changed'] or any(any(changed) for changed in module_results(second).values()):
        sys.exit('the second run through ansible-runner changed something: %r' % module_results(second))
    if stats(first)['failures'] or stats(second)['failures']:
        sys.exit('a run through ansible-runner had failures')
    print('ansible-runner: the demo converged, a second run changed nothing, the job events hold the modules\' results')


if __name__ == '__main__':
    main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
