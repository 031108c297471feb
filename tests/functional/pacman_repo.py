# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small pacman packages built with makepkg, a repository made with repo-add, and a loopback HTTP server.

makepkg refuses to run as root, so it runs as ``nobody`` in a directory that user may write to.
Packages are built once per version of this file into a cache directory (makepkg takes seconds per
package); ``SOURCE_DATE_EPOCH`` makes them byte-identical whenever they are built.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import tempfile
import threading

TOOLS = ('makepkg', 'repo-add', 'pacman', 'bsdtar', 'mksquashfs', 'unsquashfs')
EPOCH = '1700000000'

# name -> (version, depends, files {path: content}); rf-app ships a unit for systemd_enable
PACKAGES = {
    'rf-base1': ('1.0-1', [], {'usr/share/rf-base1/data': 'base one\n'}),
    'rf-libb': ('1.0-1', ['rf-base1'], {'usr/lib/librf-b.so.1': 'libb\n'}),
    'rf-liba': ('2.1-1', ['rf-base1'], {'usr/lib/librf-a.so.2': 'liba\n', 'usr/share/doc/rf-liba/README': 'a\n'}),
    'rf-libc': ('0.5-1', [], {'usr/lib/librf-c.so.0': 'libc\n'}),
    'rf-app': ('1.0-1', ['rf-liba>=2', 'rf-libb', 'rf-libc'], {
        'usr/bin/rf-app': '#!/bin/sh\necho rf-app 1.0\n',
        'usr/lib/systemd/system/rf-app.service': '[Unit]\nDescription=rf-app\n[Service]\nType=oneshot\n'
                                                 'ExecStart=/usr/bin/rf-app\n[Install]\nWantedBy=multi-user.target\n'}),
    'rf-broken': ('1.0-1', ['rf-liba', 'rf-nowhere>=3'], {'usr/bin/rf-broken': 'x\n'}),
    'rf-clash': ('1.0-1', [], {'usr/share/rf-base1/data': 'clash\n'}),
}
APP_V2 = ('1.1-1', ['rf-liba>=2', 'rf-libb', 'rf-libc'], {'usr/bin/rf-app': '#!/bin/sh\necho rf-app 1.1\n'})


def available():
    return os.geteuid() == 0 and all(shutil.which(t) for t in TOOLS)


def _pkgbuild(name, version, depends, files):
    pkgver, pkgrel = version.rsplit('-', 1)
    lines = ['pkgname=%s' % name, 'pkgver=%s' % pkgver, 'pkgrel=%s' % pkgrel, "pkgdesc='rescuefleet test'",
             'arch=(any)', "license=('GPL')", 'depends=(%s)' % ' '.join("'%s'" % d for d in depends),
             'options=(!strip !debug)', 'package() {']
    for path, content in sorted(files.items()):
        lines.append('  install -Dm%s /dev/stdin "$pkgdir/%s" <<"EOF_RF"\n%sEOF_RF'
                     % ('755' if '/bin/' in path else '644', path, content))
    lines.append('}')
    return '\n'.join(lines) + '\n'


def _fingerprint():
    with open(__file__, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:12]


def build_package(workdir, name, version, depends, files):
    """One package file built by makepkg as nobody; returns its path."""
    src = os.path.join(workdir, 'src-%s-%s' % (name, version))
    os.makedirs(src)
    with open(os.path.join(src, 'PKGBUILD'), 'w') as handle:
        handle.write(_pkgbuild(name, version, depends, files))
    subprocess.run(['chown', '-R', 'nobody', src], check=True)
    env = {'PATH': '/usr/bin:/bin', 'HOME': src, 'SOURCE_DATE_EPOCH': EPOCH, 'PKGDEST': src, 'SRCDEST': src,
           'BUILDDIR': src, 'LC_ALL': 'C', 'PACKAGER': 'rescuefleet tests <tests@example.invalid>'}
    subprocess.run(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'makepkg', '--nodeps',
                    '--noconfirm', '--nocheck', '--force'], cwd=src, env=env, check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    built = [f for f in os.listdir(src) if '.pkg.tar' in f]
    return os.path.join(src, built[0])


@functools.lru_cache(maxsize=None)
def package_cache():
    """Every package of PACKAGES plus rf-app 1.1, built once; ``{(name, version): path}``."""
    cache = os.path.join(tempfile.gettempdir(), 'rescuefleet-pacman-pkgs-%s' % _fingerprint())
    done = os.path.join(cache, 'done')
    if not os.path.exists(done):
        shutil.rmtree(cache, ignore_errors=True)
        work = tempfile.mkdtemp(prefix='rescuefleet-makepkg-')
        os.chmod(work, 0o755)
        try:
            os.makedirs(cache)
            specs = [(n,) + v for n, v in PACKAGES.items()] + [('rf-app',) + APP_V2]
            for name, version, depends, files in specs:
                built = build_package(work, name, version, depends, files)
                shutil.copy(built, os.path.join(cache, os.path.basename(built)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        open(done, 'w').close()
    out = {}
    for built in os.listdir(cache):
        if '.pkg.tar' in built:
            name, pkgver, pkgrel = built.split('-any.pkg.tar')[0].rsplit('-', 2)
            out[(name, '%s-%s' % (pkgver, pkgrel))] = os.path.join(cache, built)
    return out


def make_repo(directory, name='rftest', app_version='1.0-1'):
    """A repository directory with every package (rf-app at ``app_version``) and ``<name>.db``."""
    os.makedirs(directory, exist_ok=True)
    files = []
    for (pkg, version), path in sorted(package_cache().items()):
        if pkg == 'rf-app' and version != app_version:
            continue
        dest = os.path.join(directory, os.path.basename(path))
        shutil.copy(path, dest)
        files.append(dest)
    for stale in os.listdir(directory):
        if stale.startswith('rf-app-') and os.path.join(directory, stale) not in files:
            os.unlink(os.path.join(directory, stale))
    for db in ('%s.db' % name, '%s.db.tar.gz' % name, '%s.files' % name, '%s.files.tar.gz' % name):
        if os.path.lexists(os.path.join(directory, db)):
            os.unlink(os.path.join(directory, db))
    subprocess.run(['repo-add', '-q', os.path.join(directory, '%s.db.tar.gz' % name)] + files, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, LC_ALL='C'))
    # repo-add makes <name>.db a symlink; a web server serves it as the file it points to
    return directory


def make_base(directory, packages):
    """A base root with ``packages`` installed by pacman (files and local database), as a live root has."""
    conf = os.path.join(directory + '.conf')
    os.makedirs(os.path.join(directory, 'var', 'lib', 'pacman'), exist_ok=True)
    with open(conf, 'w') as handle:
        handle.write('[options]\nArchitecture = x86_64\nSigLevel = Never\nLocalFileSigLevel = Never\n')
    cache = package_cache()
    files = [cache[(n, PACKAGES[n][0])] for n in packages]
    subprocess.run(['pacman', '--config', conf, '--root', directory, '--dbpath', directory + '/var/lib/pacman',
                    '--cachedir', directory + '.cache', '--logfile', directory + '.log', '--gpgdir',
                    directory + '.gpg', '--hookdir', directory + '.hooks', '-U', '--noconfirm', '--noscriptlet',
                    '--noprogressbar'] + files, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.makedirs(os.path.join(directory, 'usr', 'bin'), exist_ok=True)
    return directory


class Server:
    """A directory served over HTTP on 127.0.0.1, counting the requests by path."""

    def __init__(self, directory):
        self.requests = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=directory, **kwargs)

            def log_message(self, *_args):
                outer.requests.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
