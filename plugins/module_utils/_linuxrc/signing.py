# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Signed digest lists: refuse to break them, re-sign them as mksusecd does, and say whether they hold.

linuxrc checks ``CHECKSUMS.asc`` (or ``content.asc``) with ``gpg --keyring /installkey.gpg --verify``
(``url_read_file`` in ``url.c``); a signature that does not match aborts the installation
("Invalid signature. Installation aborted.") with no way to go on, and only ``insecure=1`` on the
command line turns the check off. So a change to a signed list is handled in one of three ways
(``signed_media``):

``refuse`` (the default)
    fail before anything is written, with advice.
``resign``
    sign the new list with the user's key (a new detached, armored signature, as mksusecd's
    ``--sign-key`` does) and add the public key to ``/installkey.gpg`` of the medium's initrds by
    appending a small cpio archive to each (no rebuild; see :mod:`.initrd`). Every signature is
    checked afterwards against the keyring the initrd then holds.
``invalidate``
    write the change and leave the signature as it is: the medium then boots only with ``insecure=1``.

gpg runs with a private, temporary home directory; the user's keyrings are never read or written.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_stream
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import initrd
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.checksums import path_key
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import LinuxrcError

MODES = ('refuse', 'resign', 'invalidate')
GPG_HINT = 'install gnupg (Debian/Ubuntu: gnupg; Fedora: gnupg2; SUSE: gpg2)'


INVALIDATED_WARNING = ('%s changed and its signature %s was left as it is (signed_media=invalidate): linuxrc stops with '
                       '"Invalid signature. Installation aborted." unless the medium is booted with insecure=1')


def refusal(digests, paths):
    """The message for a change to a signed list in ``refuse`` mode."""
    return ('%s on the medium is signed (%s), and this change would alter the digests of %s, so the signature would no '
            'longer match: linuxrc then stops with "Invalid signature. Installation aborted." and offers no way to go '
            'on. Nothing was changed. Choose one: signed_media=resign with sign_key (a secret key file; its public key '
            'is added to /installkey.gpg of the medium\'s initrd, as mksusecd --sign-key does), or '
            'signed_media=invalidate and boot the medium with insecure=1 (linuxrc then checks neither signatures nor '
            'digests)' % (digests.name, digests.signature, ', '.join(sorted(paths))))


class Gpg:
    """gpg with a temporary home directory; use as a context manager."""

    def __init__(self, binary='gpg'):
        self.binary = binary
        self.home = None

    def __enter__(self):
        self.home = tempfile.mkdtemp(prefix='rescuefleet-gpg-')
        os.chmod(self.home, 0o700)
        return self

    def __exit__(self, *exc):
        # the agent gpg started for this home directory goes with it
        if shutil.which('gpgconf'):
            subprocess.run(['gpgconf', '--homedir', self.home, '--kill', 'all'], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        shutil.rmtree(self.home, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.home, name)

    def run(self, args, what, stdin=None, allow_fail=False):
        cmd = [self.binary, '--homedir', self.home, '--batch', '--no-tty'] + args
        try:
            proc = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        except OSError as exc:
            raise LinuxrcError('cannot run %s to %s: %s; %s' % (self.binary, what, exc.strerror or exc, GPG_HINT)) from exc
        if proc.returncode != 0 and not allow_fail:
            raise LinuxrcError('gpg could not %s: %s' % (what, proc.stderr.decode('utf-8', 'replace').strip()
                                                         .splitlines()[-1:] or 'no output'))
        return proc

    def write(self, name, data):
        with open(self.path(name), 'wb') as handle:
            handle.write(data)
        return self.path(name)

    def _passphrase(self, passphrase):
        """gpg options that give it ``passphrase`` from a file only this run can read (never on a command line)."""
        path = self.path('passphrase')
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(passphrase or '')
        return ['--pinentry-mode', 'loopback', '--passphrase-file', path]

    def import_secret(self, key_file, passphrase=None):
        """Import the secret key of ``key_file``; returns the fingerprint of the signing key."""
        if not os.path.isfile(key_file):
            raise LinuxrcError('sign_key %s is not a file; give the path of a secret key file (gpg --export-secret-keys '
                               '--armor KEYID > key.asc)' % key_file)
        args = ['--import', key_file]
        self.run(self._passphrase(passphrase) + args, 'import sign_key')
        listing = self.run(['--with-colons', '--list-secret-keys'], 'list the imported key').stdout.decode()
        fingerprints = [line.split(':')[9] for line in listing.splitlines() if line.startswith('fpr:')]
        if not fingerprints:
            raise LinuxrcError('sign_key %s holds no secret key; export one with gpg --export-secret-keys --armor KEYID'
                               % key_file)
        return fingerprints[0]

    def export_public(self, fingerprint):
        return self.run(['--export', fingerprint], 'export the public key').stdout

    def sign(self, data, fingerprint, passphrase=None):
        """An armored detached signature of ``data``."""
        source = self.write('to-sign', data)
        args = self._passphrase(passphrase) + ['--local-user', fingerprint, '--armor', '--detach-sign', '--output', '-',
                                               source]
        return self.run(args, 'sign with sign_key (is sign_key_passphrase right?)').stdout

    def keyring_with(self, keyring, public):
        """``keyring`` (bytes or ``None``) with the keys of ``public`` imported, in the same format."""
        path = self.write('keyring.gpg', keyring or b'')  # an existing (even empty) file keeps gpg's classic format
        key = self.write('public.gpg', public)
        self.run(['--no-default-keyring', '--keyring', path, '--import', key], 'add the public key to the keyring')
        with open(path, 'rb') as handle:
            return handle.read()

    def keyring_fingerprints(self, keyring):
        path = self.write('listed.gpg', keyring or b'')
        proc = self.run(['--no-default-keyring', '--keyring', path, '--with-colons', '--list-keys'],
                        'list the initrd keyring', allow_fail=True)
        return {line.split(':')[9] for line in proc.stdout.decode('utf-8', 'replace').splitlines()
                if line.startswith('fpr:')}

    def verify(self, data, signature, keyring):
        """Whether ``signature`` is a good signature of ``data`` by a key of ``keyring``, checked as
        linuxrc checks it."""
        if not keyring:
            return False
        path = self.write('verify.gpg', keyring)
        sig = self.write('data.asc', signature)
        source = self.write('data', data)
        proc = self.run(['--no-default-keyring', '--keyring', path, '--ignore-valid-from', '--ignore-time-conflict',
                         '--verify', sig, source], 'verify', allow_fail=True)
        return proc.returncode == 0


def initrd_keyring(local_initrd, zstd='zstd'):
    """The ``/installkey.gpg`` an initrd gives the installer, or ``None``."""
    return initrd.read_files(local_initrd, [initrd.KEYRING], zstd).get(initrd.KEYRING)


def _encode(text):
    return text.encode('utf-8', 'surrogateescape')


class SignedList:
    """What a run does to the signature of a digest list (:mod:`.checksums`, :mod:`.digests`).

    Planning, which writes nothing: :meth:`prepare` refuses, or imports the key, reads the initrds'
    keyrings and works out what re-signing writes; :meth:`predict` says whether the signature will
    hold. Writing (never in check mode): :meth:`write_initrds` before the list names the initrds' new
    digests, :meth:`sign` after the list is written. :meth:`result` says what was done and whether the
    signature holds (checked with gpg against the keyring each initrd gives linuxrc; ``None`` when that
    cannot be told: unsigned list, no gpg, no initrd keyring). :meth:`close` removes the temporary gpg
    home and initrd copies.
    """

    def __init__(self, medium, digests, mode='refuse', sign_key=None, passphrase=None, gpg='gpg', zstd='zstd'):
        if mode not in MODES:
            raise LinuxrcError('signed_media must be one of %s, not %r' % (', '.join(MODES), mode))
        self.medium = medium
        self.digests = digests
        self.mode = mode
        self.sign_key = sign_key
        self.passphrase = passphrase
        self.gpg_binary = gpg
        self.zstd = zstd
        self.gpg = None
        self.scratch = None
        self.fingerprint = None
        self.initrds = {}          # medium path -> local copy
        self.copies = 0
        self.keyrings = {}         # medium path -> keyring bytes after the run
        self.initrd_updates = []   # medium paths whose initrd gets the key
        self.sign_needed = False
        self.extra = {}
        self.changing = False
        self.action = 'none'
        self.holds = None

    # -- helpers ---------------------------------------------------------------------------------
    def _open_gpg(self):
        if self.gpg is None:
            self.gpg = Gpg(self.gpg_binary).__enter__()
        return self.gpg

    def _local_initrd(self, path):
        if path not in self.initrds:
            if self.scratch is None:
                self.scratch = tempfile.mkdtemp(prefix='rescuefleet-initrd-')
            local = os.path.join(self.scratch, 'initrd-%d' % self.copies)
            self.copies += 1
            self.medium.copy_out(path, local)
            self.initrds[path] = local
        return self.initrds[path]

    def _read_keyrings(self, initrd_paths):
        for path in initrd_paths:
            self.keyrings[path] = initrd_keyring(self._local_initrd(path), self.zstd)

    def close(self):
        if self.gpg is not None:
            self.gpg.__exit__(None, None, None)
            self.gpg = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    # -- the steps ------------------------------------------------------------------------------
    def prepare(self, after, changed_paths, initrd_paths):
        """Before writing: refuse, or plan the re-signing. ``after`` is ``{path: sha256 or None}``, the
        entries the run sets; with ``resign``, :attr:`extra` then holds the new entries of the initrds
        that get the key (those the list names: linuxrc reads them for kexec)."""
        digests = self.digests
        self.extra = {}
        if not digests.present or not digests.signed:
            return
        new_text = digests.render(after, add=True)
        self.changing = new_text != digests.text
        if self.mode == 'refuse':
            if self.changing:
                raise LinuxrcError(refusal(digests, changed_paths))
            return
        if self.mode == 'invalidate':
            self.action = 'invalidated' if self.changing else 'none'
            return
        if not self.sign_key:
            raise LinuxrcError('signed_media=resign needs sign_key, the path of a secret key file to sign %s with; '
                               'nothing was changed' % digests.name)
        if not initrd_paths:
            raise LinuxrcError('signed_media=resign found no initrd (boot/<arch>/loader/initrd or boot/<arch>/initrd) to '
                               'add the public key to, so linuxrc would not trust the new signature; nothing was changed')
        gpg = self._open_gpg()
        self.fingerprint = gpg.import_secret(self.sign_key, self.passphrase)
        public = gpg.export_public(self.fingerprint)
        self._read_keyrings(initrd_paths)
        listed = digests.digests()
        for path in initrd_paths:
            if self.fingerprint not in gpg.keyring_fingerprints(self.keyrings[path]):
                self.keyrings[path] = gpg.keyring_with(self.keyrings[path], public)
                self.initrd_updates.append(path)
                local = self._local_initrd(path)
                initrd.append_files(local, [(initrd.KEYRING, 0o644, self.keyrings[path])])  # the local copy only
                if path_key(path) in listed:
                    with open(local, 'rb') as handle:
                        self.extra[path] = sha256_stream(handle)
        new_text = digests.render(dict(after, **self.extra), add=True)
        self.changing = new_text != digests.text
        signature = self.medium.read_bytes(digests.signature)
        self.sign_needed = (self.changing or not signature
                            or not all(gpg.verify(_encode(new_text), signature, k) for k in self.keyrings.values()))
        if self.sign_needed or self.initrd_updates:
            self.action = 'resigned'

    @property
    def changed(self):
        """Whether the run writes the signature or an initrd."""
        return bool(self.sign_needed or self.initrd_updates)

    def predict(self, final_text, initrd_paths):
        """Before writing: whether the signature holds for ``final_text`` (the list after the run) once a
        real run is done; sets :attr:`holds`."""
        digests = self.digests
        if not digests.present or not digests.signed:
            return
        if self.mode == 'resign':
            self.holds = True  # a real run signs with a key it has put into every initrd, then checks it (sign)
        elif self.mode == 'invalidate' and self.changing:
            self.holds = False
        else:
            self.holds = self._verify(final_text, initrd_paths)  # the list and its signature stay as they are

    def write_initrds(self):
        """Put the initrds that got the key onto the medium (before the list names their new digests)."""
        for path in self.initrd_updates:
            self.medium.put_file(path, self.initrds[path], self.extra.get(path))

    def sign(self, final_text, initrd_paths):
        """After the list is written, with ``resign``: sign it when needed and check the signature."""
        digests = self.digests
        if self.mode != 'resign' or not digests.present or not digests.signed:
            return
        if self.sign_needed:
            signature = self._open_gpg().sign(_encode(final_text), self.fingerprint, self.passphrase)
            self.medium.write_bytes(digests.signature, signature)
        self.holds = self._verify(final_text, initrd_paths, fresh=True)
        if not self.holds:
            raise LinuxrcError('%s was re-signed, but the signature does not verify against the keyring of the '
                               'initrd; check sign_key and the initrd' % digests.name)

    def _verify(self, text, initrd_paths, fresh=False):
        """Whether the signature on the medium verifies ``text`` against every initrd's keyring."""
        if not initrd_paths or shutil.which(self.gpg_binary) is None:
            return None
        signature = self.medium.read_bytes(self.digests.signature)
        if not signature:
            return False
        if fresh:
            for path in initrd_paths:
                self.initrds.pop(path, None)
        self._read_keyrings([p for p in initrd_paths if fresh or p not in self.keyrings])
        keyrings = [self.keyrings[p] for p in initrd_paths]
        if not all(keyrings):
            return None
        gpg = self._open_gpg()
        return all(gpg.verify(_encode(text), signature, k) for k in keyrings)

    def result(self):
        digests = self.digests
        return {
            'file': digests.signature if digests.present and digests.signed else None,
            'mode': self.mode,
            'action': self.action,
            'key': self.fingerprint,
            'initrds': sorted(self.initrd_updates),
            'holds': self.holds,
        }
