# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets that leave through other doors (issue 27, class 3), and links out of a tree (class 2).

One play runs the modules that handle passwords as a user would, with ``ansible-playbook -vvv --diff``
(which prints every invocation and every diff), and the whole output is searched for every password:
passwords of the wrong type (a list, a mapping, a number) that the modules refuse, old values in the
"before" of a diff (a client's kernel line with ``rootpass=`` changed, then removed), passwords in menu
entries the run does not select, and files outside the tree that a link points at (a client's boot file
that is a link to a shadow file, a dracut module directory that is a link). The trees and everything
around them are byte-identical after each refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from functional_support import COLLECTIONS, ROOT
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash

# every password holds "Secret" so that one search finds any of them; the number cannot, it is searched alone
LIST = 'lst-Secret-1a'
MAP_KEY = 'mapkey-Secret-2b'
MAP_VALUE = 'mapval-Secret-3c'
NUMBER = 918273645
OLD = 'old-Secret-4d'
NEW = 'new Secret 5e'
CRYPT = '$6$salt$Secret6f'
MENU = 'grub Secret 7g'
UNSELECTED = 'unsel-Secret-8h'
SHADOW = 'root:shadow-Secret-9i:19000:0:99999:7:::'
ARGS_LIST = 'bootlist-Secret-10j'
YAML_LIST = 'yamllist-Secret-11k'
DRACUT = 'dracut-Secret-12l'
MAC = '52:54:00:27:00:03'
GRUB_FILE = 'grub/grub.cfg-01-' + MAC.replace(':', '-')

MENU_TEXT = (
    "menuentry 'Rescue' {\n\tlinux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd rootpass='%s'\n}\n"
    "menuentry 'Memtest' {\n\tlinux /EFI/memtest.efi vncpass=%s\n}\n" % (MENU, UNSELECTED))


def client(**extra):
    return dict({'name': 'c1', 'mac': MAC}, **extra)


def tasks(top):
    pxe = {'http_root': str(top / 'pxe'), 'url': 'http://pxe.test/'}
    linked = {'http_root': str(top / 'pxe-link'), 'url': 'http://pxe.test/'}
    return [
        ('config_list', 'sysrescue_config', {'path': str(top / 'cfg'), 'name': 'a.yaml', 'config': {
            'global': {'rootpass': [LIST], 'vncpass': {MAP_KEY: MAP_VALUE}}}}),
        ('config_number', 'sysrescue_config', {'path': str(top / 'cfg'), 'name': 'b.yaml',
                                               'config': {'global': {'rootpass': NUMBER}}}),
        ('config_yaml_list', 'sysrescue_config', {'path': str(top / 'cfg'), 'name': 'c.yaml', 'config': {},
                                                  'sysrescuecfg': [{'content': 'global:\n  rootpass:\n    - %s\n'
                                                                               % YAML_LIST}]}),
        ('pxe_config_list', 'pxe_hosts', dict(pxe, clients=[client(config={'global': {'rootpass': [LIST]}})])),
        ('pxe_old', 'pxe_hosts', dict(pxe, clients=[client(kernel_args='rootpass=%s rootcryptpass=%s' % (OLD, CRYPT))])),
        ('pxe_new', 'pxe_hosts', dict(pxe, clients=[client(kernel_args='rootpass="%s"' % NEW)])),
        ('pxe_gone', 'pxe_hosts', dict(pxe, clients=[])),
        ('pxe_link', 'pxe_hosts', dict(linked, clients=[client()])),
        ('pxe_link_check', 'pxe_hosts', dict(linked, clients=[client()], _check=True)),
        ('menu', 'bootcfg_loadsrm', {'media': {'path': str(top / 'medium')}, 'kernel': ['*']}),
        ('menu_args_list', 'bootcfg_loadsrm', {'media': {'path': str(top / 'medium')}, 'state': 'keep',
                                               'args': {'rootpass': [ARGS_LIST]}}),
        ('menu_facts', 'media_info', {'media': {'path': str(top / 'medium')}}),
        ('dracut_link', 'dracut_module', {'dracutbasedir': str(top / 'dracut'), 'name': 'fleet'}),
        ('iso_config_list', 'sysrescue_iso', {'src': str(top / 'src.iso'), 'dest': str(top / 'out.iso'),
                                              'configs': [{'name': '500-x.yaml', 'config': {
                                                  'global': {'rootpass': {MAP_KEY: [LIST]}}}}]}),
        ('menu_file_link', 'bootcfg_loadsrm', {'path': str(top / 'links' / 'grub.cfg'), 'format': 'grub'}),
        ('config_file_link', 'sysrescue_config', {'path': str(top / 'links'), 'name': 'shadow.yaml',
                                                  'config': {'global': {'setkmap': 'de'}}}),
    ]


def playbook(top):
    plays = []
    registered = []
    for name, module, args in tasks(top):
        args = dict(args)
        task = {'name': name, 'rescuefleet.media.%s' % module: args, 'register': name, 'ignore_errors': True}
        if args.pop('_check', False):
            task['check_mode'] = True
        plays.append(task)
        registered.append(name)
    plays.append({'name': 'results', 'ansible.builtin.copy': {
        'dest': str(top / 'results.json'),
        'content': '{{ %s | to_json }}' % ('{%s}' % ', '.join("'%s': %s" % (n, n) for n in registered))}})
    return [{'hosts': 'localhost', 'gather_facts': False, 'tasks': plays}]


@pytest.fixture
def world(tmp_path):
    (tmp_path / 'cfg').mkdir()
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'shadow').write_text(SHADOW + '\n')
    (outside / 'dracut-module').mkdir()
    (outside / 'dracut-module' / 'module-setup.sh').write_text('#!/bin/bash\n# %s\n' % DRACUT)
    link_tree = tmp_path / 'pxe-link' / 'grub'
    link_tree.mkdir(parents=True)
    os.symlink(str(outside / 'shadow'), str(tmp_path / 'pxe-link' / GRUB_FILE))
    (tmp_path / 'medium' / 'boot' / 'grub').mkdir(parents=True)
    (tmp_path / 'medium' / 'boot' / 'grub' / 'grub.cfg').write_text(MENU_TEXT)
    (tmp_path / 'dracut' / 'modules.d').mkdir(parents=True)
    os.symlink(str(outside / 'dracut-module'), str(tmp_path / 'dracut' / 'modules.d' / '90fleet'))
    (tmp_path / 'iso-tree' / 'sysresccd').mkdir(parents=True)
    (tmp_path / 'iso-tree' / 'sysresccd' / 'VERSION').write_text('12.00\n')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-o', str(tmp_path / 'src.iso'), '-V', 'RESCUE1200', '-r',
                    str(tmp_path / 'iso-tree')], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (tmp_path / 'links').mkdir()
    os.symlink(str(outside / 'shadow'), str(tmp_path / 'links' / 'grub.cfg'))
    os.symlink(str(outside / 'shadow'), str(tmp_path / 'links' / 'shadow.yaml'))
    return tmp_path


def test_no_password_of_any_type_appears_at_any_verbosity(world):
    with open(str(world / 'play.yml'), 'w') as handle:
        json.dump(playbook(world), handle)
    with open(str(world / 'hosts'), 'w') as handle:
        handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    unchanged = {name: tree_hash(str(world / name)) for name in ('outside', 'pxe-link', 'dracut', 'links')}
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCAL_TEMP=str(world / 'ansible-tmp'), ANSIBLE_REMOTE_TEMP=str(world / 'ansible-tmp'))
    proc = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'), '-vvv', '--diff', '-i',
                           str(world / 'hosts'), str(world / 'play.yml')], env=env, cwd=str(world),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600, check=False)
    output = proc.stdout.decode('utf-8', 'replace')
    assert proc.returncode == 0, output[-3000:]
    with open(str(world / 'results.json')) as handle:
        results = json.load(handle)
    everything = output + json.dumps(results)
    for secret in ('Secret', str(NUMBER), 'shadow-', 'Secret 5e'):
        found = [line for line in everything.splitlines() if secret in line]
        assert not found, (secret, found[:5])

    # what each task did
    refused = {name for name, result in results.items() if result.get('failed')}
    assert {'config_list', 'pxe_config_list', 'pxe_link', 'pxe_link_check', 'menu_args_list', 'dracut_link',
            'menu_file_link', 'config_file_link', 'iso_config_list'} <= refused
    assert not {'pxe_old', 'pxe_new', 'pxe_gone', 'menu', 'menu_facts'} & refused
    assert 'must be a string' in results['config_list']['msg']
    assert 'outside' in results['pxe_link']['msg'] and 'outside' in results['pxe_link_check']['msg']
    assert 'symlink' in results['dracut_link']['msg']
    assert 'outside' in results['menu_file_link']['msg'] and 'outside' in results['config_file_link']['msg']
    # the old line and the removed file are in the diffs, masked like the new ones
    before = [d['before'] for d in results['pxe_new']['diff'] if d['before_header'].endswith(GRUB_FILE)]
    assert before and 'rootpass=********' in before[0] and 'rootcryptpass=********' in before[0]
    gone = [d['before'] for d in results['pxe_gone']['diff'] if d['before_header'].endswith(GRUB_FILE)]
    assert gone and 'rootpass=********' in gone[0]
    menu = results['menu']['diff'][0]
    assert "rootpass=********" in menu['before'] and 'vncpass=********' in menu['before']
    assert unchanged == {name: tree_hash(str(world / name)) for name in unchanged}
    assert 'a.yaml' not in os.listdir(str(world / 'cfg'))  # the refused one was not written
    assert not os.path.exists(str(world / 'out.iso'))
