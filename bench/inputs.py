# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark's inputs, made the way users make theirs: modules built by srm_build (or plain
mksquashfs), FAT stick images made by the tests' one recipe, and a SystemRescue-shaped ISO made from
the demo playbook's tree (its menus, YAML and layout) with a large root filesystem image.

Everything is made once under the work directory and reused by later runs; a marker file records
that a slow input is complete, so that an interrupted run remakes it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
COLLECTIONS = os.path.join(ROOT, '.venv', 'collections')
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

# pylint: disable=wrong-import-position
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import squashfs  # noqa: E402
from ansible_collections.rescuefleet.media.tests.unit.fat_images import make_fat_image  # noqa: E402

MIB = 1 << 20
ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin'
ISOHYBRID_MBR = '/usr/lib/ISOLINUX/isohdpfx.bin'
SYSLINUX_MODULES = '/usr/lib/syslinux/modules/bios'


def ansible_env(**extra):
    """The environment of an ansible or ansible-playbook command of the bench."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_DEPRECATION_WARNINGS='false', ANSIBLE_NOCOLOR='1')
    env.update(extra)
    return env


def module_env():
    """The environment of a module file run directly (the collection importable)."""
    return dict(os.environ, PYTHONPATH=COLLECTIONS)


def module_argv(name, args, workdir, tag=''):
    """argv that runs module file ``name`` with ``args`` the way Ansible hands them (a JSON file)."""
    args_file = os.path.join(workdir, '%s%s-args.json' % (name, tag))
    with open(args_file, 'w') as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    return [sys.executable, os.path.join(ROOT, 'plugins', 'modules', name + '.py'), args_file]


def run_module(name, args, workdir):
    """Run module ``name`` once; its result."""
    out = subprocess.run(module_argv(name, args, workdir), env=module_env(), stdout=subprocess.PIPE, check=False)
    result = json.loads(out.stdout.decode().strip().splitlines()[-1])
    if result.get('failed'):
        raise RuntimeError('%s failed: %s' % (name, result.get('msg')))
    return result


def _complete(path, key):
    marker = path + '.complete'
    return os.path.exists(path) and os.path.exists(marker) and open(marker).read() == key


def _mark(path, key):
    with open(path + '.complete', 'w') as handle:
        handle.write(key)


def generate_tree(root, files=20000, total=320 * MIB, seed=42):
    """A source tree of ``files`` files and ``total`` bytes: one third random, two thirds text."""
    key = '%d-%d-%d' % (files, total, seed)
    if _complete(root, key):
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
    _mark(root, key)
    return root


def tree_size(root):
    count = size = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            count += 1
            size += os.lstat(os.path.join(dirpath, name)).st_size
    return count, size


def random_payload(directory, size):
    """A directory holding one file of ``size`` random bytes (what a module of that size is made of: random
    data does not compress, so the module is about as large)."""
    key = str(size)
    if _complete(directory, key):
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    with open(os.path.join(directory, 'blob'), 'wb') as handle:
        left = size
        while left:
            chunk = min(left, 4 * MIB)
            handle.write(os.urandom(chunk))
            left -= chunk
    _mark(directory, key)
    return directory


def srm_build_module(dest, source_dir, workdir, compression='lz4', target='/opt/payload'):
    """``dest`` built by the srm_build module from ``source_dir`` (so its manifest lies beside it)."""
    run_module('srm_build', {'dest': dest, 'sources': [{'src': source_dir, 'dest': target}],
                             'compression': compression}, workdir)
    return dest


def mksquashfs_module(dest, source_dir, compression='lz4'):
    """``dest`` built by plain mksquashfs (no manifest beside it: a deploy has to hash it)."""
    key = '%s-%s' % (source_dir, compression)
    if not _complete(dest, key):
        subprocess.run(squashfs.build_command(shutil.which('mksquashfs'), source_dir, dest, compression),
                       check=True, stdout=subprocess.DEVNULL)
        _mark(dest, key)
    return dest


def fat_image(path, size):
    """A fresh stick image: a DOS partition table and one FAT32 partition at sector 2048, labelled RESCUE1200,
    with an empty sysresccd/ (as SystemRescue's USB writer leaves it)."""
    if os.path.exists(path):
        os.unlink(path)
    make_fat_image(path, size='%dM' % (size // MIB))
    subprocess.run(['mmd', '-i', path + '@@1048576', '::/sysresccd'], check=True,
                   env=dict(os.environ, MTOOLS_SKIP_CHECK='1'))
    return path


def demo_iso_tree(workdir):
    """The demo playbook's SystemRescue-shaped ISO tree (menus, YAML, layout), made once."""
    build = os.path.join(workdir, 'demo')
    tree = os.path.join(build, 'iso-tree')
    if _complete(tree, 'demo'):
        return tree
    proc = subprocess.run([os.path.join(ROOT, '.venv', 'bin', 'ansible-playbook'),
                           os.path.join(ROOT, 'playbooks', 'demo_iso.yml'), '-e', 'demo_build_dir=%s' % build],
                          env=ansible_env(), check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError('playbooks/demo_iso.yml failed:\n%s' % proc.stdout.decode('utf-8', 'replace')[-3000:])
    _mark(tree, 'demo')
    return tree


def systemrescue_iso(workdir, rootfs_size):
    """A bootable ISO shaped like a SystemRescue release: the demo tree with a root filesystem image of
    ``rootfs_size`` bytes (a real squashfs), isolinux El Torito for BIOS, an EFI image El Torito for UEFI, an
    isohybrid MBR and a GPT (as SystemRescue's ISOs have them), made with xorriso."""
    base = os.path.join(workdir, 'iso-%d' % (rootfs_size // MIB))
    iso = os.path.join(base, 'systemrescue.iso')
    if _complete(iso, 'v1'):
        return iso
    shutil.rmtree(base, ignore_errors=True)
    tree = os.path.join(base, 'tree')
    shutil.copytree(demo_iso_tree(workdir), tree)
    sysresccd = os.path.join(tree, 'sysresccd')
    rootfs = os.path.join(sysresccd, 'x86_64', 'airootfs.sfs')
    for name in os.listdir(os.path.dirname(rootfs)):
        os.unlink(os.path.join(os.path.dirname(rootfs), name))
    mksquashfs_module(rootfs, random_payload(os.path.join(base, 'rootfs-payload'), rootfs_size))
    os.unlink(rootfs + '.complete')
    shutil.rmtree(os.path.join(base, 'rootfs-payload'))
    sha512 = subprocess.run(['sha512sum', 'airootfs.sfs'], cwd=os.path.dirname(rootfs), check=True,
                            stdout=subprocess.PIPE).stdout
    with open(os.path.join(os.path.dirname(rootfs), 'airootfs.sha512'), 'wb') as handle:
        handle.write(sha512)
    shutil.copy(ISOLINUX, os.path.join(tree, 'isolinux'))
    shutil.copy(os.path.join(SYSLINUX_MODULES, 'ldlinux.c32'), os.path.join(tree, 'isolinux'))
    for module in ('ldlinux.c32', 'libcom32.c32', 'libutil.c32', 'vesamenu.c32', 'whichsys.c32', 'chain.c32',
                   'reboot.c32', 'poweroff.c32'):
        shutil.copy(os.path.join(SYSLINUX_MODULES, module), os.path.join(sysresccd, 'boot', 'syslinux'))
    os.makedirs(os.path.join(tree, 'EFI'), exist_ok=True)
    efi = os.path.join(tree, 'EFI', 'efiboot.img')
    with open(efi, 'wb') as handle:
        handle.truncate(4 * MIB)
    subprocess.run(['mkfs.vfat', '-n', 'ARCHISO_EFI', efi], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso, '-V', 'RESCUE1200', '-r', '-J', '-joliet-long',
                    '-isohybrid-mbr', ISOHYBRID_MBR, '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat',
                    '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table', '-eltorito-alt-boot',
                    '-e', 'EFI/efiboot.img', '-no-emul-boot', '-isohybrid-gpt-basdat', tree],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, SOURCE_DATE_EPOCH='1700000000'))
    shutil.rmtree(tree)
    _mark(iso, 'v1')
    return iso
