# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read pacman databases: sync databases (``<repo>.db`` archives) and local database directories.

Both hold one ``desc`` file per package, a list of ``%FIELD%`` blocks separated by blank lines.
Only the fields that resolution and the manifest need are kept. Version comparison follows
libalpm's ``alpm_pkg_vercmp`` (rpmvercmp over ``epoch:version-release``).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tarfile
import tempfile

from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import is_plain_name
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.errors import PacmanError
from ansible_collections.rescuefleet.media.plugins.module_utils._proc import run

_LIST_FIELDS = ('DEPENDS', 'PROVIDES', 'CONFLICTS', 'REPLACES')
_DEP = re.compile(r'^([^<>=]+?)(?:(<=|>=|<|>|=)(.+))?$')


def parse_desc(text):
    """A ``desc`` file as ``{FIELD: [lines]}``."""
    fields = {}
    current = None
    for line in text.splitlines():
        if line.startswith('%') and line.endswith('%') and len(line) > 2:
            current = line[1:-1]
            fields[current] = []
        elif line == '':
            current = None
        elif current is not None:
            fields[current].append(line)
    return fields


def package_from_desc(fields, repo=None):
    """The package record resolution works with, or ``None`` when ``desc`` names no package."""
    if not fields.get('NAME') or not fields.get('VERSION'):
        return None
    pkg = {
        'name': fields['NAME'][0],
        'version': fields['VERSION'][0],
        'repo': repo,
        'filename': (fields.get('FILENAME') or [None])[0],
        'sha256': (fields.get('SHA256SUM') or [None])[0],
        'size': int((fields.get('CSIZE') or ['0'])[0] or 0),
    }
    for field in _LIST_FIELDS:
        pkg[field.lower()] = list(fields.get(field) or [])
    return pkg


def read_sync_db(path, name, bsdtar='bsdtar'):
    """Packages of a sync database file, in archive order; raises PacmanError when it is not one."""
    descs = {}
    try:
        with tarfile.open(path, 'r:*') as archive:
            for member in archive:
                if member.isfile() and member.name.endswith('/desc'):
                    descs[member.name] = archive.extractfile(member).read().decode('utf-8', 'replace')
    except tarfile.ReadError:
        # Python's tarfile has no zstd: pacman databases may be zstd-compressed (repo-add --zst)
        descs = _read_with_bsdtar(path, name, bsdtar)
    except (OSError, EOFError) as exc:
        raise PacmanError('repository %s: cannot read its database %s: %s' % (name, path, exc)) from exc
    packages = []
    for member in sorted(descs):
        pkg = package_from_desc(parse_desc(descs[member]), repo=name)
        if pkg is not None:
            check_file_name(pkg, name)
            packages.append(pkg)
    if not packages and not descs:
        raise PacmanError('repository %s: %s is not a pacman database (no package entries in it); check the '
                          'url: it must be the directory holding %s.db' % (name, path, name))
    return packages


def check_file_name(pkg, repo):
    """Refuse a database whose ``%FILENAME%`` is not a plain file name, as libalpm does
    (``_alpm_validate_filename`` in ``be_sync.c``: no ``/``, no leading ``.``): the name is joined to the
    cache directory and to the repository's URL, and a name such as ``../../etc/x`` would write (or, on a
    digest mismatch, delete) a file anywhere."""
    filename = pkg.get('filename')
    if filename is not None and (not is_plain_name(filename) or filename.startswith('.')
                                 or len(filename.encode('utf-8', 'surrogateescape')) > 255):
        raise PacmanError('repository %s is inconsistent: the file name %r of package %s is not a plain file name '
                          '(pacman refuses such a database too: no "/", no leading ".", at most 255 bytes); nothing '
                          'was downloaded or written. Check the repository url; the database may have been '
                          'tampered with on its way (use https://)' % (repo, filename, pkg.get('name')))


def _read_with_bsdtar(path, name, bsdtar):
    scratch = tempfile.mkdtemp(prefix='rescuefleet-pacdb-')
    try:
        proc = run([bsdtar, '-xf', path, '-C', scratch], PacmanError, what='bsdtar', allow_fail=True,
                   hint='install libarchive-tools')
        descs = {}
        if proc.returncode == 0:
            for top, _dirs, files in os.walk(scratch):
                if 'desc' in files:
                    with io.open(os.path.join(top, 'desc'), 'r', encoding='utf-8', errors='replace') as handle:
                        descs[os.path.relpath(top, scratch) + '/desc'] = handle.read()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if not descs:
        raise PacmanError('repository %s: %s is not a pacman database (not an archive of package entries); '
                          'check the url: it must be the directory holding %s.db' % (name, path, name))
    return descs


def read_local_db(directory):
    """Packages installed according to a local database directory (``var/lib/pacman/local``)."""
    packages = []
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise PacmanError('cannot read the pacman database %s: %s' % (directory, exc.strerror)) from exc
    for entry in names:
        desc = os.path.join(directory, entry, 'desc')
        if not os.path.isfile(desc):
            continue
        with io.open(desc, 'r', encoding='utf-8', errors='replace') as handle:
            pkg = package_from_desc(parse_desc(handle.read()), repo='local')
        if pkg is not None:
            packages.append(pkg)
    return packages


# -- versions ---------------------------------------------------------------------------------

def _split_evr(version):
    epoch, rest = version.split(':', 1) if ':' in version else ('0', version)
    if '-' in rest:
        ver, rel = rest.rsplit('-', 1)
    else:
        ver, rel = rest, None
    return epoch or '0', ver, rel


def _rpmvercmp(a, b):
    if a == b:
        return 0
    ia = ib = 0
    while ia < len(a) and ib < len(b):
        while ia < len(a) and not a[ia].isalnum():
            ia += 1
        while ib < len(b) and not b[ib].isalnum():
            ib += 1
        if ia >= len(a) or ib >= len(b):
            break
        numeric = a[ia].isdigit()
        test = str.isdigit if numeric else str.isalpha
        ja, jb = ia, ib
        while ja < len(a) and test(a[ja]):
            ja += 1
        while jb < len(b) and test(b[jb]):
            jb += 1
        seg_a, seg_b = a[ia:ja], b[ib:jb]
        if not seg_b:
            return 1 if numeric else -1
        if numeric:
            seg_a, seg_b = seg_a.lstrip('0'), seg_b.lstrip('0')
            if len(seg_a) != len(seg_b):
                return 1 if len(seg_a) > len(seg_b) else -1
        if seg_a != seg_b:
            return 1 if seg_a > seg_b else -1
        ia, ib = ja, jb
    rest_a, rest_b = a[ia:], b[ib:]
    if not rest_a and not rest_b:
        return 0
    # a trailing alpha segment makes a version older (1.0alpha < 1.0), a numeric one newer
    if (not rest_a and not rest_b[:1].isalpha()) or rest_a[:1].isalpha():
        return -1
    return 1


def vercmp(a, b):
    """-1, 0 or 1 as pacman's ``vercmp`` prints for versions ``a`` and ``b``."""
    ea, va, ra = _split_evr(a)
    eb, vb, rb = _split_evr(b)
    result = _rpmvercmp(ea, eb) or _rpmvercmp(va, vb)
    if result == 0 and ra is not None and rb is not None:
        result = _rpmvercmp(ra, rb)
    return result


def parse_dep(text):
    """``'libfoo>=1.2: why'`` -> ``('libfoo', '>=', '1.2')``; no constraint gives ``(name, None, None)``."""
    text = text.split(': ', 1)[0].strip()
    match = _DEP.match(text)
    if not match:
        return text, None, None
    return match.group(1), match.group(2), match.group(3)


def version_satisfies(version, op, wanted):
    if op is None:
        return True
    cmp = vercmp(version, wanted)
    return {'=': cmp == 0, '>=': cmp >= 0, '<=': cmp <= 0, '>': cmp > 0, '<': cmp < 0}[op]


def satisfies(pkg, dep):
    """Whether package record ``pkg`` satisfies dependency string ``dep`` by name or by a provision."""
    name, op, wanted = parse_dep(dep)
    if pkg['name'] == name and version_satisfies(pkg['version'], op, wanted):
        return True
    for provision in pkg.get('provides') or ():
        pname, _pop, pversion = parse_dep(provision)
        if pname != name:
            continue
        if op is None:
            return True
        if pversion is not None and version_satisfies(pversion, op, wanted):
            return True
    return False
