# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SUSE installation media for the tests, laid out as docs/linuxrc.md section 5 and installation-images
say, made with the real tools (mksquashfs, gpg, gzip/xz/zstd); the one home of that recipe.

Imported as ``ansible_collections.rescuefleet.media.tests.unit.suse_media``.
"""

from __future__ import annotations

import gzip
import hashlib
import lzma
import os
import shutil
import subprocess
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import cpio

HAVE_GPG = bool(shutil.which('gpg'))
HAVE_MKSQUASHFS = bool(shutil.which('mksquashfs'))


class Key:
    """A gpg key made for a test: ``fingerprint``, ``secret`` (armored file), ``public`` (binary)."""

    def __init__(self, directory, name, passphrase=''):
        self.home = tempfile.mkdtemp(prefix='gpg-', dir=directory)
        os.chmod(self.home, 0o700)
        self.passphrase = passphrase
        self._gpg('--passphrase', passphrase, '--quick-gen-key', '%s <%s@example.invalid>' % (name, name),
                  'ed25519', 'sign', 'never')
        listing = self._gpg('--with-colons', '--list-secret-keys').decode()
        self.fingerprint = [l.split(':')[9] for l in listing.splitlines() if l.startswith('fpr:')][0]
        self.secret = os.path.join(directory, '%s.secret.asc' % name)
        with open(self.secret, 'wb') as handle:
            handle.write(self._gpg('--passphrase', passphrase, '--armor', '--export-secret-keys', self.fingerprint))
        self.public = self._gpg('--export', self.fingerprint)

    def _gpg(self, *args):
        return subprocess.run(['gpg', '--homedir', self.home, '--batch', '--pinentry-mode', 'loopback'] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout

    def sign(self, path):
        """Write ``path``.asc, a detached armored signature."""
        subprocess.run(['gpg', '--homedir', self.home, '--batch', '--pinentry-mode', 'loopback', '--passphrase',
                        self.passphrase, '--yes', '--armor', '--detach-sign', '--local-user', self.fingerprint,
                        '--output', path + '.asc', path], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def close(self):
        subprocess.run(['gpgconf', '--homedir', self.home, '--kill', 'all'], check=False)
        shutil.rmtree(self.home, ignore_errors=True)


def keyring(*keys):
    """A classic OpenPGP keyring file's bytes holding the public ``keys``."""
    home = tempfile.mkdtemp(prefix='ring-')
    ring = os.path.join(home, 'ring.gpg')
    open(ring, 'wb').close()
    for key in keys:
        pub = os.path.join(home, 'pub.gpg')
        with open(pub, 'wb') as handle:
            handle.write(key.public)
        subprocess.run(['gpg', '--homedir', home, '--batch', '--no-default-keyring', '--keyring', ring, '--import', pub],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(ring, 'rb') as handle:
        data = handle.read()
    subprocess.run(['gpgconf', '--homedir', home, '--kill', 'all'], check=False)
    shutil.rmtree(home, ignore_errors=True)
    return data


def compress(data, compression):
    if compression == 'gzip':
        return gzip.compress(data, mtime=0)
    if compression == 'xz':
        return lzma.compress(data, check=lzma.CHECK_CRC32)
    if compression == 'zstd':
        return subprocess.run(['zstd', '-q', '-c'], input=data, stdout=subprocess.PIPE, check=True).stdout
    return data


def make_initrd(path, ring=None, compression='xz', extra=()):
    """An installer initrd: a compressed newc archive with ``/init`` and, given, ``/installkey.gpg``."""
    files = [('init', 0o755, b'#!/bin/sh\n')] + list(extra)
    if ring is not None:
        files.append(('installkey.gpg', 0o644, ring))
    with open(path, 'wb') as handle:
        handle.write(compress(cpio.newc_archive(files), compression))


def make_squashfs(path, files):
    """A squashfs image of ``{path: (mode, data)}``."""
    src = tempfile.mkdtemp(prefix='sq-')
    try:
        for name, (mode, data) in files.items():
            full = os.path.join(src, name)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, 'wb') as handle:
                handle.write(data)
            os.chmod(full, mode)
        subprocess.run(['mksquashfs', src, path, '-noappend', '-quiet', '-no-progress', '-all-root'], check=True,
                       stdout=subprocess.DEVNULL)
    finally:
        shutil.rmtree(src, ignore_errors=True)


GRUB = '''set timeout=8
menuentry 'Installation' --class opensuse --class os {
  set gfxpayload=keep
  linux%(efi)s /boot/%(arch)s/%(loader)slinux splash=silent%(extend)s
  initrd%(efi)s /boot/%(arch)s/%(loader)sinitrd
}
menuentry 'Rescue System' --class opensuse --class os {
  linux%(efi)s /boot/%(arch)s/%(loader)slinux rescue=1
  initrd%(efi)s /boot/%(arch)s/%(loader)sinitrd
}
'''
ISOLINUX = 'default harddisk\nlabel harddisk\n  localboot 0x80\nlabel linux\n  kernel linux\n  append initrd=initrd splash=silent showopts\n'


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def make_tree(root, arch='x86_64', digests='checksums', signer=None, ring_keys=None, extend=' extend=?cracklib-dict-full.rpm',
              initrd_compression='xz'):
    """A SUSE installation medium at ``root``: kernel and initrd under ``boot/<arch>/loader/`` (x86_64)
    or ``boot/<arch>/`` (others), squashfs inst-sys parts, GRUB (and on x86_64 isolinux) menus, and the
    digest list (``checksums``: ``/CHECKSUMS``, ``content``: ``/content``, ``None``: none), signed by
    ``signer`` (a :class:`Key`) when given, whose key (or ``ring_keys``) is in the initrd's keyring."""
    loader = 'loader/' if arch in ('x86_64', 'i386') else ''
    base = os.path.join(root, 'boot', arch)
    os.makedirs(os.path.join(base, loader), exist_ok=True)
    os.makedirs(os.path.join(root, 'EFI', 'BOOT'), exist_ok=True)
    with open(os.path.join(base, loader, 'linux'), 'wb') as handle:
        handle.write(b'kernel ' * 100)
    keys = ring_keys if ring_keys is not None else ([signer] if signer else [])
    make_initrd(os.path.join(base, loader, 'initrd'), keyring(*keys) if keys else None, initrd_compression)
    make_squashfs(os.path.join(base, 'common'), {'usr/bin/common': (0o755, b'common\n')})
    make_squashfs(os.path.join(base, 'root'), {'usr/bin/yast': (0o755, b'yast\n')})
    with open(os.path.join(base, 'config'), 'w') as handle:
        handle.write('root: common root ?cracklib-dict-full.rpm\nrescue: common rescue\n')
    efi = 'efi' if arch == 'x86_64' else ''
    with open(os.path.join(root, 'EFI', 'BOOT', 'grub.cfg'), 'w') as handle:
        handle.write(GRUB % {'efi': efi, 'arch': arch, 'loader': loader, 'extend': extend})
    if arch == 'x86_64':
        with open(os.path.join(base, 'loader', 'isolinux.cfg'), 'w') as handle:
            handle.write(ISOLINUX)
    listed = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            listed.append(os.path.relpath(os.path.join(dirpath, name), root))
    listed.sort()
    if digests == 'checksums':
        lines = ['%s  %s\n' % (sha256(open(os.path.join(root, p), 'rb').read()), p) for p in listed]
        name = 'CHECKSUMS'
        with open(os.path.join(root, name), 'w') as handle:
            handle.writelines(lines)
    elif digests == 'content':
        name = 'content'
        with open(os.path.join(root, name), 'w') as handle:
            handle.write('PRODUCT openSUSE\nVERSION 15.6\nLABEL openSUSE Leap 15.6\n')
            for p in listed:
                handle.write('HASH SHA256 %s  %s\n' % (sha256(open(os.path.join(root, p), 'rb').read()), p))
            handle.write('META SHA256 %s  packages\n' % ('0' * 64))
    else:
        return root
    if signer is not None:
        signer.sign(os.path.join(root, name))
    return root


def verify(root, name, ring):
    """Whether ``root/name.asc`` is a good signature of ``root/name`` by a key of keyring bytes ``ring``."""
    home = tempfile.mkdtemp(prefix='verify-')
    try:
        path = os.path.join(home, 'ring.gpg')
        with open(path, 'wb') as handle:
            handle.write(ring)
        proc = subprocess.run(['gpg', '--homedir', home, '--batch', '--no-default-keyring', '--keyring', path,
                               '--verify', os.path.join(root, name + '.asc'), os.path.join(root, name)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return proc.returncode == 0
    finally:
        subprocess.run(['gpgconf', '--homedir', home, '--kill', 'all'], check=False)
        shutil.rmtree(home, ignore_errors=True)
