# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Text pasted into another language (issue 27, class 5): kernel arguments with quotes, $, ;, backslashes,
# and non-ASCII text through pxe_hosts and bootcfg_loadsrm, run as Ansible runs them.

Each result is either refused (with a message that names the argument by its key and the loader, the
tree byte-identical) or written so that every file reads back to the same arguments: parsed by the real
tool where one runs here (grub-script-check), by the collection's own readers, and by a model of how
GRUB, iPXE and pxelinux hand the line to the kernel and how the kernel splits it (``boot_lines``)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import boot_lines
from functional_support import run_module
from ansible_collections.rescuefleet.media.plugins.module_utils import _kernel_args as ka
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import readers
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash

GRUB_CHECK = shutil.which('grub-script-check')
MAC = '52:54:00:27:00:01'
# the characters that mean something in one of the languages, whitespace, and text beyond ASCII (a with
# grave holds the byte 0xa0, which the kernel takes for a space)
SPECIAL = ' \t"\'\\$;#{}|&<>*?[]()`!=,'
TEXT = 'abcxyz09-_./:' + SPECIAL + u'\u00e9\u00e0\u00fc\u4e2d\u00a0'
FUZZ = settings(max_examples=int(os.environ.get('RESCUEFLEET_FUZZ_EXAMPLES', '25')), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def expected_arguments(text):
    """The arguments a kernel_args text means (double quotes group words, as for the kernel)."""
    return [ka.argument_text(token) for token in ka.tokenize(text, 'kernel')]


def carriable(text):
    """The loaders that can carry ``text`` as the collection writes it."""
    try:
        ka.check_balanced(text)
    except ka.KernelArgsError:
        return set()
    out = set()
    for loader, dialect in (('pxelinux', 'kernel'), ('grub', 'shell'), ('ipxe', 'ipxe')):
        try:
            ka.write(text, dialect)
            out.add(loader)
        except ka.KernelArgsError:
            pass
    return out


def our_reader(fmt, text):
    """``[[argument, ...]]`` of every entry of a boot file, as the collection's readers give them."""
    found = []
    for entry in readers.read_entries(fmt, text):
        found.append([ka.argument_text(token) for span in entry.spans
                      for token in ka.tokenize(text[span.start:span.end], span.dialect)])
    return found


def grub_script_check(path):
    if GRUB_CHECK:
        proc = subprocess.run([GRUB_CHECK, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        assert proc.returncode == 0, proc.stdout


# -- pxe_hosts -----------------------------------------------------------------------------------

def pxe_args(tree, kernel_args):
    return {'http_root': tree, 'url': 'http://pxe.test/', 'initrds': ['boot/x86_64/sysresccd.img'],
            'menus': False, 'clients': [{'name': 'c1', 'mac': MAC, 'kernel_args': kernel_args}]}


def check_pxe_tree(tree, expected):
    """Every boot file of client c1 gives the kernel ``expected`` after the tree's own arguments."""
    dashed = MAC.replace(':', '-')
    with open(os.path.join(tree, 'pxelinux.cfg', '01-' + dashed), encoding='utf-8') as handle:
        pxelinux = handle.read()
    grub_path = os.path.join(tree, 'grub', 'grub.cfg-01-' + dashed)
    with open(grub_path, encoding='utf-8') as handle:
        grub = handle.read()
    with open(os.path.join(tree, 'MAC-%s.ipxe' % MAC.replace(':', '')), encoding='utf-8') as handle:
        ipxe = handle.read()
    grub_script_check(grub_path)
    fixed = 4  # archisobasedir, archiso_http_srv, ip, sysrescuecfg
    received = {
        'pxelinux': boot_lines.syslinux_append_arguments(pxelinux)[0][fixed:],
        'grub': boot_lines.grub_linux_arguments(grub)[0][fixed:-1],  # BOOTIF last
        'ipxe': boot_lines.ipxe_kernel_arguments(ipxe)[0][fixed:-2],  # BOOTIF and initrd= last
    }
    read = {
        'pxelinux': our_reader('syslinux', pxelinux)[0][fixed:],
        'grub': our_reader('grub', grub)[0][fixed:-1],
        'ipxe': our_reader('ipxe', ipxe)[0][fixed:-2],
    }
    assert received == {loader: expected for loader in received}
    assert read == received


@FUZZ
@given(text=st.text(alphabet=TEXT, min_size=1, max_size=30))
def test_random_kernel_args_through_pxe_hosts(tmp_path_factory, text):
    work = tmp_path_factory.mktemp('pxe')
    tree = str(work / 'tree')
    result = run_module('pxe_hosts', pxe_args(tree, text), str(work))
    loaders = carriable(text)
    if result.get('failed'):
        assert 'Traceback' not in result['msg'] and 'nothing was changed' in result['msg']
        assert 'kernel_args' in result['msg'] or 'quote' in result['msg']
        assert loaders != {'pxelinux', 'grub', 'ipxe'}, result['msg']
        assert not os.path.exists(tree)  # nothing written, not even the root
        return
    assert loaders == {'pxelinux', 'grub', 'ipxe'}
    check_pxe_tree(tree, expected_arguments(text))


@pytest.mark.parametrize('text', [
    "rootcryptpass=$6$salt$hash",
    'a;b c|d e&f <g> {h} x=#1 y=*.img z=[0]',
    'sysrescuecfg="http://x/a b.yaml" console=ttyS0,115200n8',
    u'setkmap=de-\u00fc lang=\u4e2d nbsp="a\u00a0b c"',
    'x=a$b',
])
def test_carriable_arguments_reach_the_kernel_unchanged(tmp_path, text):
    tree = str(tmp_path / 'tree')
    args = pxe_args(tree, text)
    result = run_module('pxe_hosts', args, str(tmp_path))
    assert result['changed'], result
    check_pxe_tree(tree, expected_arguments(text))
    again = run_module('pxe_hosts', args, str(tmp_path))
    assert not again['changed']


@pytest.mark.parametrize('text, loader, message', [
    ("note=it's", 'grub', "holds '"),
    ('path=C:\\boot', 'grub', 'holds \\'),
    (u'x=\u00e0', 'grub', '0xa0'),
    ('x=${net0/mac}', 'ipxe', '${...}'),
    ('a #comment', 'ipxe', 'comment'),
    ('a ; b', 'ipxe', 'new command'),
    ('x="a  b"', 'ipxe', 'one space'),
    ('rootpass="unclosed', None, 'never closed'),
])
def test_arguments_a_loader_cannot_carry_are_refused(tmp_path, text, loader, message):
    tree = tmp_path / 'tree'
    (tree / 'pxelinux.cfg').mkdir(parents=True)
    (tree / 'keep.txt').write_text('site file\n')
    before = tree_hash(str(tree))
    for check in (True, False):
        result = run_module('pxe_hosts', dict(pxe_args(str(tree), text), _ansible_check_mode=check), str(tmp_path))
        assert result['failed'] and message in result['msg'] and 'nothing was changed' in result['msg']
        if loader:
            assert '(for %s)' % loader in result['msg']
        assert 'unclosed' not in result['msg'].replace('never closed', '')  # a value is never repeated
    assert tree_hash(str(tree)) == before
    if loader:  # without that loader the same arguments are written
        assert run_module('pxe_hosts', dict(pxe_args(str(tree), text),
                                            loaders=[n for n in ('pxelinux', 'grub', 'ipxe') if n != loader]),
                          str(tmp_path))['changed']


@pytest.mark.parametrize('field, value', [
    ('url', "http://pxe.test/a'b/"),
    ('url', 'http://pxe.test/${x}/'),
    ('basedir', 'sys;resccd'),
    ('kernel', 'boot/$kernel'),
])
def test_paths_that_a_boot_script_would_read_as_syntax_are_refused(tmp_path, field, value):
    tree = str(tmp_path / 'tree')
    result = run_module('pxe_hosts', dict(pxe_args(tree, 'quiet'), **{field: value}), str(tmp_path))
    assert result['failed'] and 'script syntax' in result['msg'] and field in result['msg']
    assert not os.path.exists(tree)


# -- bootcfg_loadsrm -------------------------------------------------------------------------------

MEDIUM = {
    'boot/grub/grub.cfg': (
        "menuentry 'plain' {\n\tlinux /boot/vmlinuz quiet\n}\n"
        "eval \"\nmenuentry 'in eval' {\n\tlinux /boot/vmlinuz quiet\n}\n\"\n"),
    'syslinux/syslinux.cfg': 'LABEL r\n  LINUX /boot/vmlinuz\n  APPEND quiet\n',
    'boot.ipxe': '#!ipxe\nkernel http://x/boot/vmlinuz quiet\ninitrd http://x/boot/initrd.img\nboot\n',
    'loader/entries/r.conf': 'title R\nlinux /boot/vmlinuz\noptions quiet\n',
}
FORMATS = {'boot/grub/grub.cfg': 'grub', 'syslinux/syslinux.cfg': 'syslinux', 'boot.ipxe': 'ipxe',
           'loader/entries/r.conf': 'bls'}


def make_medium(root):
    for rel, text in MEDIUM.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)


def received_by_kernel(rel, text):
    fmt = FORMATS[rel]
    if fmt == 'grub':
        return boot_lines.grub_linux_arguments(text)
    if fmt == 'ipxe':
        return boot_lines.ipxe_kernel_arguments(text)
    if fmt == 'syslinux':
        return boot_lines.syslinux_append_arguments(text)
    options = [line[len('options'):] for line in text.splitlines() if line.startswith('options')]
    return [boot_lines.kernel_arguments(' '.join(options).encode('utf-8'))]


KEYS = st.from_regex(r'\A[a-z][a-z0-9_.-]{0,6}\Z').filter(lambda k: k not in ('loadsrm', 'quiet'))


@FUZZ
@given(key=KEYS, value=st.text(alphabet=TEXT, max_size=20))
def test_random_args_through_bootcfg_loadsrm(tmp_path_factory, key, value):
    work = tmp_path_factory.mktemp('bootcfg')
    root = str(work / 'medium')
    make_medium(root)
    before = tree_hash(root)
    result = run_module('bootcfg_loadsrm', {'media': {'path': root}, 'state': 'keep', 'args': {key: value}},
                        str(work))
    argument = '%s=%s' % (key, value)
    can = []
    for dialect in ('kernel', 'shell', 'shell-dq', 'ipxe'):
        try:
            ka.quote(argument, dialect)
            can.append(dialect)
        except ka.KernelArgsError:
            pass
    if result.get('failed'):
        assert 'Traceback' not in result['msg'] and key in result['msg']
        assert len(can) < 4, result['msg']
        assert tree_hash(root) == before
        return
    assert len(can) == 4 and result['changed']
    for rel in MEDIUM:
        path = os.path.join(root, rel)
        with open(path, encoding='utf-8') as handle:
            text = handle.read()
        if FORMATS[rel] == 'grub':
            grub_script_check(path)
        for got in received_by_kernel(rel, text):
            assert got == ['quiet', argument], (rel, text)
        for got in our_reader(FORMATS[rel], text):
            assert got == ['quiet', argument], (rel, text)
    again = run_module('bootcfg_loadsrm', {'media': {'path': root}, 'state': 'keep', 'args': {key: value}},
                       str(work))
    assert not again['changed']
