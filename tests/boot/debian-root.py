# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Assemble a root filesystem tree from Debian packages installed on this machine: the files dpkg lists
for each package (documentation, manual pages and translations left out), whole directories given
with --tree (such as the Python standard library with its byte-compiled files, which dpkg does not
list), kernel modules given with --modules and what they depend on (with their modules.dep, for
modprobe in the root), and every shared library the programs and libraries of the tree load (ldd),
in the merged-/usr layout of Debian 12 (/bin, /sbin, /lib and /lib64 are links into /usr). Nothing is
downloaded.

    debian-root.py DEST [--tree DIR[:EXCLUDE,...]]... [--modules KERNEL:NAME,...] PACKAGE...

Used by tests/boot/late-load-medium.yml to make the systemd, sshd and Python live root that stands in
for SystemRescue in the late-load boot test.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

MERGED = ('bin', 'sbin', 'lib', 'lib64')
SKIP = re.compile(r'^/usr/share/(doc|man|info|locale|lintian|bug|bash-completion|zsh|fish|gtk-doc)(/|$)')
LDD_LINE = re.compile(r'(?:=>\s*)?(/\S+)\s+\(0x[0-9a-f]+\)')


def canonical(path):
    """The path in the merged-/usr layout: /bin/x is /usr/bin/x."""
    parts = path.lstrip('/').split('/', 1)
    if parts[0] in MERGED:
        return '/usr/' + path.lstrip('/')
    return path


class Root:
    def __init__(self, dest):
        self.dest = dest
        self.copied = set()

    def target(self, path):
        return os.path.join(self.dest, canonical(path).lstrip('/'))

    def copy(self, path):
        """Copy one file, symlink or directory of this machine into the tree (a symlink's target too)."""
        path = os.path.normpath(path)
        if path in self.copied or SKIP.match(canonical(path)):
            return
        self.copied.add(path)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return  # listed by dpkg, gone here (a diverted or removed file)
        dest = self.target(path)
        if os.path.isdir(path) and not os.path.islink(path):
            os.makedirs(dest, exist_ok=True)
            return
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        if os.path.lexists(dest):
            return
        if os.path.islink(path):
            target = os.readlink(path)
            os.symlink(target, dest)
            self.copy(os.path.join(os.path.dirname(path), target))
        else:
            shutil.copy2(path, dest)
            os.chown(dest, st.st_uid, st.st_gid)

    def package(self, name):
        listing = subprocess.run(['dpkg', '-L', name], check=True, capture_output=True, text=True).stdout
        for path in listing.splitlines():
            if path.startswith('/') and path != '/.':
                self.copy(path)

    def tree(self, directory, excludes):
        for dirpath, dirnames, filenames in os.walk(directory):
            dirnames[:] = [d for d in dirnames if d not in excludes]
            self.copy(dirpath)
            for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                self.copy(os.path.join(dirpath, name))

    def modules(self, version, names):
        """The kernel modules ``names`` of kernel ``version`` and those they need, and modules.dep for them."""
        base = '/lib/modules/%s' % version
        for name in names:
            out = subprocess.run(['modprobe', '-S', version, '--show-depends', name], check=True,
                                 capture_output=True, text=True).stdout
            for line in out.splitlines():
                if line.startswith('insmod '):
                    self.copy(line.split()[1])
        for name in ('modules.order', 'modules.builtin', 'modules.builtin.modinfo'):
            self.copy(os.path.join(base, name))
        subprocess.run(['depmod', '-b', self.dest, version], check=True)

    def libraries(self):
        """Add the shared libraries every ELF file of the tree needs, until nothing is missing."""
        checked = set()
        while True:
            todo = []
            for dirpath, _dirnames, filenames in os.walk(self.dest):
                for name in filenames:
                    path = os.path.join(dirpath, name)
                    if path in checked or os.path.islink(path):
                        continue
                    checked.add(path)
                    with open(path, 'rb') as handle:
                        if handle.read(4) == b'\x7fELF':
                            todo.append('/' + os.path.relpath(path, self.dest))
            if not todo:
                return
            for path in todo:
                out = subprocess.run(['ldd', path], capture_output=True, text=True, check=False).stdout
                for lib in LDD_LINE.findall(out):
                    self.copy(lib)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('dest')
    parser.add_argument('--tree', action='append', default=[], help='DIR[:EXCLUDE,...]')
    parser.add_argument('--modules', action='append', default=[], help='KERNEL:NAME,...')
    parser.add_argument('packages', nargs='+')
    args = parser.parse_args()
    if os.path.exists(args.dest):
        shutil.rmtree(args.dest)
    os.makedirs(os.path.join(args.dest, 'usr'))
    for name in MERGED:
        os.makedirs(os.path.join(args.dest, 'usr', name), exist_ok=True)
        os.symlink('usr/' + name, os.path.join(args.dest, name))
    root = Root(args.dest)
    for package in args.packages:
        root.package(package)
    for spec in args.tree:
        directory, _sep, excludes = spec.partition(':')
        root.tree(directory, set(filter(None, excludes.split(','))))
    for spec in args.modules:
        version, _sep, names = spec.partition(':')
        root.modules(version, list(filter(None, names.split(','))))
    root.libraries()
    with open(os.path.join(args.dest, 'etc', 'ld.so.conf'), 'w') as handle:
        handle.write('/usr/local/lib\n/usr/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n')
    subprocess.run(['ldconfig', '-r', args.dest], check=True)
    print('%s: %d paths from %d packages' % (args.dest, len(root.copied), len(args.packages)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
