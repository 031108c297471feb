# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles with hostile inventories (issue 27): every check comes before the first write (class 12), so a
refused run leaves the tree or medium byte-identical, and the failure names the role variables the user set
(class 7), not the options of the modules the role calls."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from functional_support import COLLECTIONS, make_fat_image
from ansible_collections.rescuefleet.media.tests.unit.fat_images import MTOOLS_ENV, PARTITION_OFFSET
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import file_hash, tree_hash

PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
pytestmark = pytest.mark.skipif(not os.path.exists(PLAYBOOK), reason='ansible-playbook is not installed')


def play(tmp_path, role, variables, clients=None):
    """Run ``role`` on localhost with ``variables``; ``(return code, output)``. ``clients``: the pxe_clients
    group, ``{host: host variables}``."""
    inventory = {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                         'children': {'servers': {'hosts': {'server': None}},
                                      'pxe_clients': {'hosts': clients or {}}}}}
    (tmp_path / 'inventory.json').write_text(json.dumps(inventory))
    (tmp_path / 'vars.json').write_text(json.dumps(variables))
    (tmp_path / 'play.yml').write_text(
        '- hosts: servers\n  gather_facts: false\n  roles: [rescuefleet.media.%s]\n' % role)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='0',
               ANSIBLE_STDOUT_CALLBACK='default')
    proc = subprocess.run([PLAYBOOK, '-i', str(tmp_path / 'inventory.json'), '-e', '@%s' % (tmp_path / 'vars.json'),
                           str(tmp_path / 'play.yml')], cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300, check=False)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace')


def pxe_vars(tmp_path, **extra):
    variables = {'pxe_server_root': str(tmp_path / 'tree' / 'http'), 'pxe_server_tftp_root': str(tmp_path / 'tree' / 'tftp'),
                 'pxe_server_url': 'http://pxe.example.com/'}
    variables.update(extra)
    return variables


GOOD = {'ws01': {'pxe_mac': '52:54:00:00:00:01'}, 'ws02': {'pxe_mac': '52:54:00:00:00:02'}}


@pytest.mark.parametrize('clients, extra, words', [
    # the bad MAC of the issue: named with the host variable, before the tree's directories are made
    (dict(GOOD, ws03={'pxe_mac': '52:54:00:zz:00:03'}), {}, ['pxe_mac', 'ws03']),
    (GOOD, {'pxe_server_url': 'http://pxe.example.com'}, ['pxe_server_url']),
    (GOOD, {'pxe_server_hosts_dir': '../escape'}, ['pxe_server_hosts_dir']),
    (dict(GOOD, ws03={'pxe_mac': '52:54:00:00:00:03', 'pxe_config': {'global': {'late_load_srm': ['a', 'b']}}}),
     {}, ['ws03', 'late_load_srm']),
    (GOOD, {'pxe_server_dhcp': 'proxy', 'pxe_server_tftp': 'dnsmasq'}, ['pxe_server_dhcp_interface']),
])
def test_pxe_server_refuses_before_the_first_write_in_its_own_words(tmp_path, clients, extra, words):
    code, out = play(tmp_path, 'pxe_server', pxe_vars(tmp_path, **extra), clients)
    assert code != 0, out
    for word in words:
        assert word in out, (word, out[-3000:])
    assert not (tmp_path / 'tree').exists(), 'the refused run made the tree'


def test_pxe_server_names_hand_written_files_and_the_variable_that_adopts_them(tmp_path):
    tftp = tmp_path / 'tree' / 'tftp'
    (tftp / 'pxelinux.cfg').mkdir(parents=True)
    (tftp / 'pxelinux.cfg' / 'default').write_text('# the site menu with other installers\nDEFAULT local\n')
    os.mkfifo(str(tftp / 'not-ours.fifo'))  # beside, never opened
    before = tree_hash(str(tmp_path / 'tree'))
    code, out = play(tmp_path, 'pxe_server', pxe_vars(tmp_path), GOOD)
    assert code != 0
    assert str(tftp / 'pxelinux.cfg' / 'default') in out
    assert 'pxe_server_adopt_unmarked' in out and 'pxe_server_menus' in out, out[-3000:]
    assert tree_hash(str(tmp_path / 'tree')) == before
    code, out = play(tmp_path, 'pxe_server', pxe_vars(tmp_path, pxe_server_menus=False), GOOD)
    assert code == 0, out[-3000:]
    assert (tftp / 'pxelinux.cfg' / 'default').read_text().startswith('# the site menu')
    code, out = play(tmp_path, 'pxe_server', pxe_vars(tmp_path, pxe_server_adopt_unmarked=True), GOOD)
    assert code == 0, out[-3000:]
    assert 'Managed by rescuefleet.media.pxe_hosts' in (tftp / 'pxelinux.cfg' / 'default').read_text()


@pytest.mark.skipif(not shutil.which('mcopy'), reason='mtools are needed')
def test_usb_media_refuses_a_bad_configuration_before_it_touches_the_stick(tmp_path):
    image = make_fat_image(str(tmp_path / 'stick.img'), size='40M')
    (tmp_path / '10-old.srm').write_bytes(b'hsqs' + b'\0' * 4092)
    subprocess.run(['mmd', '-i', '%s@@%d' % (image, PARTITION_OFFSET), '::/sysresccd'], check=True, env=MTOOLS_ENV)
    subprocess.run(['mcopy', '-i', '%s@@%d' % (image, PARTITION_OFFSET), str(tmp_path / '10-old.srm'),
                    '::/sysresccd/10-old.srm'], check=True, env=MTOOLS_ENV)
    before = file_hash(image)
    # an exclusive deploy of no module would remove 10-old.srm before the configuration is refused
    for bad in ({'usb_media_config': {'global': {'late_load_srm': ['a.srm', 'b.srm']}}},
                {'usb_media_config': {'global': {'loadsrm': True}}, 'usb_media_config_file': '300-fleet.yml'},
                # one file named twice (FAT folds case): the two would overwrite each other on every run
                {'usb_media_config': {'sysconfig': {'timezone': 'UTC'}},
                 'usb_media_config_file': '200-RESCUEFLEET-LOADSRM.yaml'}):
        code, out = play(tmp_path, 'usb_media', dict({'usb_media_device': image, 'usb_media_report': False}, **bad))
        assert code != 0 and 'usb_media_config' in out and 'nothing was written' in out, out[-3000:]
        assert file_hash(image) == before
