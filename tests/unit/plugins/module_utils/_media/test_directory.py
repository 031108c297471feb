# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DirectoryMedium never acts outside its root, never opens special files, refuses names it cannot hold."""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
from unittest import mock

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._errors import describe_os_error
from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import MediumError
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium
from ansible_collections.rescuefleet.media.tests.unit.medium_hashes import tree_hash


@pytest.fixture
def escape(tmp_path, request):
    """A medium whose ``sysresccd`` or ``sysrescue.d`` is a symlink to a directory outside it."""
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / '10-victim.srm').write_bytes(b'victim')
    (outside / '100-victim.yaml').write_bytes(b'global: {}\n')
    (outside / ('.10-victim.srm' + atomic.MARKER + 'abcd1234')).write_bytes(b'looks like a leftover')
    (outside / 'sub').mkdir()
    root = tmp_path / 'medium'
    root.mkdir()
    os.symlink(str(outside), str(root / request.param))
    src = tmp_path / 'src.bin'
    src.write_bytes(b'new')
    return DirectoryMedium(str(root)), request.param, str(outside), str(src)


OPERATIONS = {
    'write_bytes': lambda m, d, src: m.write_bytes(d + '/x.srm', b'data'),
    'put_file': lambda m, d, src: m.put_file(d + '/x.srm', src),
    'remove': lambda m, d, src: m.remove(d + '/10-victim.srm'),
    'makedirs': lambda m, d, src: m.makedirs(d + '/new/dir'),
    'sweep': lambda m, d, src: m.sweep(d),
    'leftovers': lambda m, d, src: m.leftovers(d),
    'list_dir': lambda m, d, src: m.list_dir(d),
    'read_bytes': lambda m, d, src: m.read_bytes(d + '/100-victim.yaml'),
    'sha256': lambda m, d, src: m.sha256(d + '/10-victim.srm'),
    'exists': lambda m, d, src: m.exists(d + '/10-victim.srm'),
    'copy_out': lambda m, d, src: m.copy_out(d + '/10-victim.srm', src),
}


@pytest.mark.parametrize('escape', ['sysresccd', 'sysrescue.d'], indirect=True)
@pytest.mark.parametrize('operation', sorted(OPERATIONS))
def test_every_operation_refuses_a_path_through_a_symlink_out(escape, operation):
    medium, link, outside, src = escape
    before = tree_hash(outside)
    with pytest.raises(MediumError, match='leads to %s[/,].*outside the medium' % re.escape(outside)):
        OPERATIONS[operation](medium, link, src)
    assert tree_hash(outside) == before


def test_a_link_that_stays_inside_is_followed_and_a_link_is_removed_not_its_target(tmp_path):
    root = tmp_path / 'medium'
    (root / 'real').mkdir(parents=True)
    os.symlink('real', str(root / 'sysresccd'))
    medium = DirectoryMedium(str(root))
    medium.write_bytes('sysresccd/a.srm', b'a')
    assert (root / 'real' / 'a.srm').read_bytes() == b'a'
    outside = tmp_path / 'outside.srm'
    outside.write_bytes(b'keep')
    os.symlink(str(outside), str(root / 'real' / 'b.srm'))
    medium.remove('sysresccd/b.srm')
    assert outside.read_bytes() == b'keep' and not os.path.lexists(str(root / 'real' / 'b.srm'))


@pytest.fixture
def deadline():
    """Fail instead of hanging for ever when an open blocks (a FIFO opened without O_NONBLOCK)."""
    def expired(_signum, _frame):
        raise AssertionError('blocked for 20 seconds')
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_special_files_are_refused_without_blocking(tmp_path, deadline):
    medium = DirectoryMedium(str(tmp_path))
    os.mkfifo(str(tmp_path / 'fifo.yaml'))
    for operation in (medium.read_bytes, medium.sha256, medium.read_text):
        with pytest.raises(MediumError, match='not a regular file'):
            operation('fifo.yaml')
    (tmp_path / 'dir').mkdir()
    with pytest.raises(MediumError, match='is a directory'):
        medium.read_bytes('dir')
    assert medium.read_bytes('missing') is None and medium.read_bytes('fifo.yaml/x') is None


def test_names_are_checked_with_the_temporary_suffix(tmp_path):
    medium = DirectoryMedium(str(tmp_path))
    medium.check_path('sysresccd/' + 'a' * 238)
    with pytest.raises(MediumError, match='at most 238 bytes'):
        medium.write_bytes('sysresccd/' + 'a' * 239, b'x')
    with pytest.raises(MediumError, match='holds at most 255 bytes'):
        medium.makedirs('d' * 256)
    with pytest.raises(MediumError, match='path .* is too long'):
        medium.check_path('/'.join(['d' * 200] * 21))
    assert os.listdir(str(tmp_path)) == []
    medium.write_bytes(u'\u00e4' * 119, b'x')  # 238 bytes of UTF-8: stored as given
    assert os.listdir(str(tmp_path)) == [u'\u00e4' * 119]


def test_files_in_the_way_give_messages(tmp_path):
    medium = DirectoryMedium(str(tmp_path))
    (tmp_path / 'sysresccd').write_text('a file')
    with pytest.raises(MediumError, match='is in the way'):
        medium.write_bytes('sysresccd/a.srm', b'x')
    (tmp_path / 'd' / 'a.srm').mkdir(parents=True)
    with pytest.raises(MediumError, match='is a directory, so no file can be written there'):
        medium.write_bytes('d/a.srm', b'x')


@pytest.mark.parametrize('code, advice', [(errno.ENOSPC, 'filesystem is full'), (errno.EIO, 'I/O error'),
                                          (errno.EROFS, 'read-only')])
def test_a_failing_copy_leaves_no_temporary_file(tmp_path, code, advice):
    """ENOSPC or EIO in the middle of a copy (here simulated: no device-mapper error target on CI)."""
    root = tmp_path / 'medium'
    root.mkdir()
    (root / 'a.srm').write_bytes(b'old')
    src = tmp_path / 'src'
    src.write_bytes(b'new')
    medium = DirectoryMedium(str(root))
    before = tree_hash(str(root))
    failure = OSError(code, os.strerror(code), str(src))
    with mock.patch.object(shutil, 'copyfile', side_effect=failure):
        with pytest.raises(OSError) as caught:
            medium.put_file('a.srm', str(src))
    assert tree_hash(str(root)) == before
    assert advice in describe_os_error(caught.value) and str(src) in describe_os_error(caught.value)


def test_read_files_reads_a_directory_s_regular_files_and_refuses_links_and_fifos(tmp_path):
    tree = tmp_path / 'tree'
    (tree / 'hosts').mkdir(parents=True)
    (tree / 'hosts' / 'a.yaml').write_bytes(b'a' * 70000)  # more than one read
    (tree / 'hosts' / 'b.yaml').write_bytes(b'')
    (tmp_path / 'outside').write_bytes(b'secret')
    os.symlink(str(tmp_path / 'outside'), str(tree / 'hosts' / 'link.yaml'))
    os.mkfifo(str(tree / 'hosts' / 'fifo.yaml'))
    medium = DirectoryMedium(str(tree))
    found = medium.read_files('hosts', ['a.yaml', 'b.yaml', 'missing.yaml'])
    assert found == {'a.yaml': b'a' * 70000, 'b.yaml': b''}
    assert medium.read_files('nowhere', ['a.yaml']) == {}
    with pytest.raises(MediumError, match='symlink'):
        medium.read_files('hosts', ['link.yaml'])
    with pytest.raises(MediumError, match='not a regular file'):
        medium.read_files('hosts', ['fifo.yaml'])


def test_lies_inside_decides_on_the_directories_not_their_spelling(tmp_path):
    from ansible_collections.rescuefleet.media.plugins.module_utils._media.base import lies_inside
    (tmp_path / 'root' / 'run').mkdir(parents=True)
    (tmp_path / 'out').mkdir()
    os.symlink(str(tmp_path / 'out'), str(tmp_path / 'root' / 'run' / 'rescuefleet'))
    os.symlink(str(tmp_path / 'root'), str(tmp_path / 'alias'))
    root = str(tmp_path / 'root')
    assert lies_inside(str(tmp_path / 'root' / 'run' / 'x.json'), root)
    assert lies_inside('/' + str(tmp_path / 'alias' / 'run'), root)           # // and a link to the root
    assert not lies_inside(str(tmp_path / 'root' / 'run' / 'rescuefleet' / 'x.json'), root)  # a link out of it
    assert not lies_inside(str(tmp_path / 'out'), root) and not lies_inside(root, str(tmp_path / 'missing'))
