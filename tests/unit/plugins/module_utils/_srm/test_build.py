# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""SrmBuild end to end with the real mksquashfs (skipped when squashfs-tools is missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError
from ansible_collections.rescuefleet.media.plugins.module_utils._srm import squashfs
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.srm_build import SrmBuild

MKSQUASHFS = shutil.which('mksquashfs')
pytestmark = pytest.mark.skipif(not MKSQUASHFS, reason='mksquashfs (squashfs-tools) is not installed')


def make_source(root):
    os.makedirs(os.path.join(root, 'etc', 'ssh'))
    os.makedirs(os.path.join(root, 'usr', 'bin'))
    with open(os.path.join(root, 'etc', 'motd'), 'w') as handle:
        handle.write('welcome\n')
    with open(os.path.join(root, 'usr', 'bin', 'tool'), 'w') as handle:
        handle.write('#!/bin/sh\necho tool\n')
    os.chmod(os.path.join(root, 'usr', 'bin', 'tool'), 0o755)
    os.symlink('../etc/motd', os.path.join(root, 'usr', 'motd-link'))
    os.link(os.path.join(root, 'etc', 'motd'), os.path.join(root, 'etc', 'motd.hardlink'))
    return root


def params(src, dest, **extra):
    base = {'dest': dest, 'sources': [{'src': src, 'dest': '/'},
                                      {'content': 'ssh-ed25519 AAAA test\n', 'dest': '/root/.ssh/authorized_keys',
                                       'mode': '0600'}],
            'systemd_enable': ['sshd.service'], 'compression': 'zstd', 'compression_level': None,
            'block_size': '128K', 'ownership': 'root', 'allow_core_overrides': False, 'force': False}
    base.update(extra)
    return base


def run(p, check=False):
    return SrmBuild(p, MKSQUASHFS, check_mode=check, want_diff=True).run()


def touch_all(root, when):
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.utime(os.path.join(dirpath, name), (when, when), follow_symlinks=False)


def test_four_way_idempotency(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'out' / '10-test.srm')
    os.mkdir(str(tmp_path / 'out'))
    check = run(params(src, dest), check=True)
    assert check['changed'] and check['sha256'] is None and not os.path.exists(dest)
    first = run(params(src, dest))
    assert first['changed'] and first['sha256'] and os.path.exists(dest + '.manifest.json')
    assert check['paths'] == first['paths']
    second = run(params(src, dest))
    assert not second['changed'] and second['sha256'] == first['sha256']
    third = run(params(src, dest), check=True)
    assert not third['changed']
    assert sorted(os.listdir(str(tmp_path / 'out'))) == ['10-test.srm', '10-test.srm.manifest.json']


def test_contents_modes_and_links(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'm.srm')
    run(params(src, dest))
    listing = subprocess.run(['unsquashfs', '-d', '', '-lln', dest], stdout=subprocess.PIPE, check=True).stdout.decode()
    lines = {line.split()[-1] if '->' not in line else line.split()[-3]: line for line in listing.splitlines()}
    assert lines['/root/.ssh/authorized_keys'].startswith('-rw------- 0/0')
    assert lines['/usr/bin/tool'].startswith('-rwxr-xr-x 0/0')
    assert '/usr/motd-link -> ../etc/motd' in listing
    assert '/etc/systemd/system/multi-user.target.wants/sshd.service -> /usr/lib/systemd/system/sshd.service' in listing
    assert '1970-01-01 00:00' in lines['/etc/motd']
    cat = subprocess.run(['unsquashfs', '-cat', dest, '/etc/motd'], stdout=subprocess.PIPE, check=True).stdout
    assert cat == b'welcome\n'
    assert squashfs.list_image('unsquashfs', dest)[:2] == ['/etc', '/etc/motd']


def test_reproducible_whatever_the_timestamps_and_place(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    first = run(params(src, str(tmp_path / 'a.srm')))
    touch_all(src, 1234567890)
    # elsewhere: a copy of the sources on another filesystem when one is available (no hard links
    # possible, so every file is copied into the staging tree), another output directory
    other_root = tempfile.mkdtemp(dir='/dev/shm' if os.path.isdir('/dev/shm') else None)
    try:
        other_src = os.path.join(other_root, 'copied-src')
        shutil.copytree(src, other_src, symlinks=True)
        touch_all(other_src, 987654321)
        os.makedirs(str(tmp_path / 'elsewhere'))
        second = run(params(other_src, str(tmp_path / 'elsewhere' / 'a.srm')))
    finally:
        shutil.rmtree(other_root)
    assert second['sha256'] == first['sha256']


def test_touched_sources_do_not_rebuild(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'm.srm')
    assert run(params(src, dest))['changed']
    before = os.stat(dest)
    touch_all(src, 1)
    again = run(params(src, dest))
    assert not again['changed']
    assert os.stat(dest).st_ino == before.st_ino


def test_changed_input_rebuilds_with_diff(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'm.srm')
    first = run(params(src, dest))
    with open(os.path.join(src, 'etc', 'motd'), 'a') as handle:
        handle.write('more\n')
    os.unlink(os.path.join(src, 'usr', 'motd-link'))
    with open(os.path.join(src, 'etc', 'issue'), 'w') as handle:
        handle.write('new\n')
    check = run(params(src, dest), check=True)
    assert check['changed']
    assert check['paths'] == {'added': ['/etc/issue'], 'removed': ['/usr/motd-link'],
                              'changed': ['/etc/motd', '/etc/motd.hardlink']}
    assert '+/etc/issue' not in check['diff']['after'] and '/etc/issue file' in check['diff']['after']
    real = run(params(src, dest))
    assert real['changed'] and real['paths'] == check['paths'] and real['sha256'] != first['sha256']


def test_damaged_output_is_rebuilt(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'm.srm')
    first = run(params(src, dest))
    with open(dest, 'r+b') as handle:
        handle.seek(100)
        handle.write(b'\0garbage')
    again = run(params(src, dest))
    assert again['changed'] and again['sha256'] == first['sha256']


def test_options_change_rebuilds(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'm.srm')
    first = run(params(src, dest))
    again = run(params(src, dest, compression='gzip', compression_level=6))
    assert again['changed'] and again['sha256'] != first['sha256']
    assert again['diff']['before'].startswith('(build options changed)')


def test_leftovers_of_an_interrupted_run_are_swept(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'm.srm')
    stray = tmp_path / '.m.srm.rf-tmp-abc123'
    stray.write_bytes(b'half a module')
    stray_dir = tmp_path / '.m.srm.rf-tmp-stage'
    stray_dir.mkdir()
    run(params(src, dest))
    assert not stray.exists() and not stray_dir.exists()


@pytest.mark.parametrize('extra, message', [
    ({'sources': [{'content': 'x', 'dest': '/sbin/tool'}]}, 'override paths that SystemRescue needs'),
    ({'sources': [{'content': 'x', 'dest': '../etc/x'}]}, 'must not climb out'),
    ({'compression': 'xz', 'compression_level': 4}, 'takes no compression_level'),
    ({'block_size': '3K'}, 'power of two'),
    ({'sources': [{'src': '/nonexistent/dir'}]}, 'cannot be read'),
])
def test_bad_input_fails_and_keeps_output(tmp_path, extra, message):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'm.srm')
    first = run(params(src, dest))
    with open(dest, 'rb') as handle:
        before = handle.read()
    with pytest.raises(RescueFleetError, match=message):
        run(params(src, dest, **extra))
    with open(dest, 'rb') as handle:
        assert handle.read() == before
    assert first['sha256']


def test_core_override_allowed_when_asked(tmp_path):
    dest = str(tmp_path / 'm.srm')
    result = run({'dest': dest, 'sources': [{'content': 'x', 'dest': '/etc/fstab'}], 'compression': 'gzip',
                  'allow_core_overrides': True})
    assert result['changed']


def test_missing_output_directory(tmp_path):
    with pytest.raises(RescueFleetError, match='does not exist; create it first'):
        run(params(str(tmp_path), str(tmp_path / 'no' / 'm.srm')))


def test_failing_mksquashfs_leaves_output_and_no_temp(tmp_path):
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'out' / 'm.srm')
    os.mkdir(str(tmp_path / 'out'))
    run(params(src, dest))
    fake = tmp_path / 'fake-mksquashfs'
    fake.write_text('#!/bin/sh\ncase "$1" in -help) echo "Compressors available:"; printf "\\t\\t\\t\\tzstd\\n";; '
                    '-version) echo "mksquashfs version 9.9";; *) echo "disk full" >&2; exit 1;; esac\n')
    fake.chmod(0o755)
    with pytest.raises(RescueFleetError, match='disk full'):
        SrmBuild(params(src, dest, force=True), str(fake)).run()
    assert sorted(os.listdir(str(tmp_path / 'out'))) == ['m.srm', 'm.srm.manifest.json']


def test_missing_compressor_is_named(tmp_path):
    fake = tmp_path / 'fake-mksquashfs'
    fake.write_text('#!/bin/sh\ncase "$1" in -help) echo "Compressors available:"; printf "\\t\\t\\t\\tgzip\\n";; '
                    '*) echo "mksquashfs version 4.0";; esac\n')
    fake.chmod(0o755)
    with pytest.raises(RescueFleetError, match='has no zstd compressor'):
        SrmBuild(params(str(tmp_path), str(tmp_path / 'x.srm')), str(fake)).run()


def test_direct_and_staged_builds_are_identical(tmp_path):
    """One plain src is read by mksquashfs directly; anything more is staged. Same bytes either way."""
    src = make_source(str(tmp_path / 'src'))
    direct = run({'dest': str(tmp_path / 'direct.srm'), 'sources': [{'src': src}], 'compression': 'zstd'})
    staged = run({'dest': str(tmp_path / 'staged.srm'), 'sources': [{'src': src}, {'src': src, 'dest': '/'}],
                  'compression': 'zstd'})
    assert direct['sha256'] == staged['sha256']


def test_staging_does_not_force_rehashing(tmp_path, monkeypatch):
    """Hard links change the sources' ctime; the next run must still trust the cached hashes."""
    from ansible_collections.rescuefleet.media.plugins.module_utils._srm import build as srm_build
    src = make_source(str(tmp_path / 'src'))
    dest = str(tmp_path / 'm.srm')
    run(params(src, dest))
    hashed = []
    real_fill = srm_build.fill_hashes

    def counting_fill(pending):
        hashed.extend(e['source'] for e in pending if 'sha256' not in e)
        return real_fill(pending)

    monkeypatch.setattr(srm_build, 'fill_hashes', counting_fill)
    assert not run(params(src, dest))['changed']
    assert hashed == []


# -- srm sources: one module out of others ----------------------------------------------------------

def srm_params(dest, sources, **extra):
    base = {'dest': dest, 'sources': sources, 'systemd_enable': [], 'compression': 'zstd',
            'compression_level': None, 'block_size': '128K', 'ownership': 'root',
            'allow_core_overrides': False, 'force': False}
    base.update(extra)
    return base


def unsquashfs_list(image):
    out = subprocess.run(['unsquashfs', '-d', '', '-lln', image], stdout=subprocess.PIPE, check=True).stdout.decode()
    return out


def read_from(image, path, _tmp_path=None):
    out = tempfile.mkdtemp()
    try:
        subprocess.run(['unsquashfs', '-no-progress', '-quiet', '-force', '-dest', out, image, path], check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(out, path.lstrip('/')), 'rb') as handle:
            return handle.read()
    finally:
        shutil.rmtree(out)


def two_modules(tmp_path):
    """10-a.srm and 20-b.srm that both hold /etc/motd, built by srm_build."""
    out = tmp_path / 'srm'
    out.mkdir()
    a = str(out / '10-a.srm')
    b = str(out / '20-b.srm')
    run(srm_params(a, [{'content': 'from a\n', 'dest': '/etc/motd'},
                       {'content': '#!/bin/sh\n', 'dest': '/usr/local/bin/a-tool', 'mode': '0755'}]))
    run(srm_params(b, [{'content': 'from b\n', 'dest': '/etc/motd'},
                       {'content': 'b only\n', 'dest': '/etc/b.conf'}]))
    return a, b


def test_combined_module_reverse_order_gives_first_name_precedence(tmp_path):
    a, b = two_modules(tmp_path)
    dest = str(tmp_path / 'combined.srm')
    result = run(srm_params(dest, [{'srm': b}, {'srm': a}]))
    assert result['changed'] and result['files'] == 3
    listing = unsquashfs_list(dest)
    assert '/etc/b.conf' in listing and '/usr/local/bin/a-tool' in listing
    assert [line for line in listing.splitlines() if line.endswith('/usr/local/bin/a-tool')][0].startswith('-rwxr-xr-x')
    # SystemRescue: the module whose name sorts first wins; here a, listed last, overrides b
    assert read_from(dest, '/etc/motd', tmp_path) == b'from a\n'
    again = run(srm_params(dest, [{'srm': b}, {'srm': a}]))
    assert not again['changed'] and again['sha256'] == result['sha256']
    # the other order gives the other content: the rule is "later sources override earlier ones"
    other = str(tmp_path / 'other.srm')
    run(srm_params(other, [{'srm': a}, {'srm': b}]))
    assert read_from(other, '/etc/motd', tmp_path) == b'from b\n'


def test_combined_module_follows_a_changed_input(tmp_path):
    a, b = two_modules(tmp_path)
    dest = str(tmp_path / 'combined.srm')
    first = run(srm_params(dest, [{'srm': b}, {'srm': a}]))
    run(srm_params(b, [{'content': 'from b\n', 'dest': '/etc/motd'},
                       {'content': 'b changed\n', 'dest': '/etc/b.conf'}]))
    check = run(srm_params(dest, [{'srm': b}, {'srm': a}]), check=True)
    assert check['changed'] and check['paths'] == {'added': [], 'removed': [], 'changed': ['/etc/b.conf']}
    second = run(srm_params(dest, [{'srm': b}, {'srm': a}]))
    assert second['changed'] and second['sha256'] != first['sha256']
    assert read_from(dest, '/etc/b.conf', tmp_path) == b'b changed\n'
    assert not run(srm_params(dest, [{'srm': b}, {'srm': a}]))['changed']
    # nothing but the module and its manifest is left beside it
    assert sorted(os.listdir(str(tmp_path))) == ['combined.srm', 'combined.srm.manifest.json', 'srm']


def test_combined_equals_a_build_from_the_same_files(tmp_path):
    """Built from modules or from the files they hold: the same bytes."""
    a, b = two_modules(tmp_path)
    combined = str(tmp_path / 'combined.srm')
    run(srm_params(combined, [{'srm': b}, {'srm': a}]))
    direct = str(tmp_path / 'direct.srm')
    run(srm_params(direct, [{'content': 'from b\n', 'dest': '/etc/motd'},
                            {'content': 'b only\n', 'dest': '/etc/b.conf'},
                            {'content': 'from a\n', 'dest': '/etc/motd'},
                            {'content': '#!/bin/sh\n', 'dest': '/usr/local/bin/a-tool', 'mode': '0755'}]))
    assert _squashfs_sha(combined) == _squashfs_sha(direct)


def _squashfs_sha(path):
    import hashlib
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_foreign_module_is_extracted_and_tracked(tmp_path):
    """A module without an srm_build manifest (e.g. made by cowpacman2srm) is read by extracting it."""
    tree = tmp_path / 'tree'
    (tree / 'opt').mkdir(parents=True)
    (tree / 'opt' / 'x.txt').write_text('one\n')
    (tree / 'opt' / 'skip.pyc').write_text('compiled\n')
    foreign = str(tmp_path / 'foreign.srm')
    subprocess.run(['mksquashfs', str(tree), foreign, '-quiet', '-no-progress', '-all-root'], check=True,
                   stdout=subprocess.DEVNULL)
    dest = str(tmp_path / 'out.srm')
    before = {n for n in os.listdir(tempfile.gettempdir()) if n.startswith('rescuefleet-srm-')}
    first = run(srm_params(dest, [{'srm': foreign, 'dest': '/srv', 'exclude': ['*.pyc']}]))
    assert first['changed'] and first['paths']['added'] == ['/', '/srv', '/srv/opt', '/srv/opt/x.txt']
    assert not run(srm_params(dest, [{'srm': foreign, 'dest': '/srv', 'exclude': ['*.pyc']}]))['changed']
    (tree / 'opt' / 'x.txt').write_text('two\n')
    subprocess.run(['mksquashfs', str(tree), foreign, '-quiet', '-no-progress', '-all-root', '-noappend'],
                   check=True, stdout=subprocess.DEVNULL)
    changed = run(srm_params(dest, [{'srm': foreign, 'dest': '/srv', 'exclude': ['*.pyc']}]))
    assert changed['changed'] and changed['paths']['changed'] == ['/srv/opt/x.txt']
    assert read_from(dest, '/srv/opt/x.txt', tmp_path) == b'two\n'
    after = {n for n in os.listdir(tempfile.gettempdir()) if n.startswith('rescuefleet-srm-')}
    assert after == before, 'extracted copies were left in %s' % tempfile.gettempdir()


@pytest.mark.parametrize('source, message', [
    ({'srm': '/nonexistent/10-x.srm'}, 'cannot be read'),
    ({'srm': '/etc'}, 'is not a file'),
])
def test_bad_srm_sources_fail(tmp_path, source, message):
    dest = str(tmp_path / 'out.srm')
    with pytest.raises(RescueFleetError, match=message):
        run(srm_params(dest, [source]))
    assert not os.path.exists(dest)


def test_not_a_squashfs_fails_and_leaves_nothing(tmp_path):
    bogus = tmp_path / 'bogus.srm'
    bogus.write_bytes(b'not a squashfs image\n' * 10)
    dest = str(tmp_path / 'out.srm')
    with pytest.raises(RescueFleetError, match='cannot be read as a squashfs image'):
        run(srm_params(dest, [{'srm': str(bogus)}]))
    assert sorted(os.listdir(str(tmp_path))) == ['bogus.srm']


def test_module_cannot_contain_itself(tmp_path):
    a, _b = two_modules(tmp_path)
    with pytest.raises(RescueFleetError, match='cannot contain itself'):
        run(srm_params(a, [{'srm': a}]))
