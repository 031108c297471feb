# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""linuxrc_parts, linuxrc_extend and media_info's linuxrc facts on SUSE-shaped media (real squashfs parts,
a real initrd with /installkey.gpg, real gpg signatures), directory and FAT; each test names the section of
docs/linuxrc.md it shows."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc import initrd, signing
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.info import linuxrc_facts, warnings
from ansible_collections.rescuefleet.media.plugins.module_utils._linuxrc.names import (
    LinuxrcError, parse_config, part_name_problem, spec_name)
from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_extend import LinuxrcExtend
from ansible_collections.rescuefleet.media.plugins.module_utils._tasks.linuxrc_parts import LinuxrcParts
from ansible_collections.rescuefleet.media.tests.unit import suse_media

pytestmark = pytest.mark.skipif(not (suse_media.HAVE_GPG and suse_media.HAVE_MKSQUASHFS),
                                reason='gpg and mksquashfs are needed')


@pytest.fixture
def keys(tmp_path):
    made = {}

    def key(name):
        if name not in made:
            made[name] = suse_media.Key(str(tmp_path), name)
        return made[name]
    yield key
    for made_key in made.values():
        made_key.close()


def fingerprint(root):
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root)] = hashlib.sha256(open(full, 'rb').read()).hexdigest()
    return out


def image_sha(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def make_part(tmp_path, name='fleet-tools', init=False):
    path = str(tmp_path / name)
    files = {'usr/local/bin/fleet': (0o755, b'#!/bin/sh\necho fleet\n')}
    if init:
        files['.init'] = (0o755, b'#!/bin/sh\n/usr/local/bin/fleet &\n')
    suse_media.make_squashfs(path, files)
    return path


def deploy(media, parts, check_mode=False, state='present', arch='x86_64', **extra):
    params = dict(media=media, parts=parts, arch=arch, state=state, exclusive=False, verify='fast')
    params.update(extra)
    task = LinuxrcParts(params, check_mode=check_mode, want_diff=True)
    return task.run(), task.warnings


def extend(media, parts, check_mode=False, state='present', arch=None):
    task = LinuxrcExtend(dict(media=media, parts=parts, state=state, arch=arch, files=None, format='auto',
                              kernel=None, titles=[], validate_grub=False), check_mode=check_mode)
    return task.run(), task.warnings


MENUS = ('EFI/BOOT/grub.cfg', 'boot/x86_64/loader/isolinux.cfg')


def checksums_ok(root, name='CHECKSUMS'):
    """Every entry of a file linuxrc reads is right; boot menus keep the entries they had (section 4)."""
    for line in open(os.path.join(root, name)):
        fields = line.split()
        if name == 'content':
            if fields[0] != 'HASH':
                continue
            fields = fields[2:]
        sha, path = fields
        if path in MENUS:
            continue
        assert hashlib.sha256(open(os.path.join(root, path), 'rb').read()).hexdigest() == sha, path


@pytest.mark.parametrize('name, ok', [('fleet-tools', True), ('x.rpm', True), ('a,b', False), ('?a', False),
                                      ('a b', False), ('config', False), ('.hidden', False), ('a/b', False),
                                      ('-a', False), ('+a', False), ('linux', False)])
def test_part_names(name, ok):
    """Section 1: a leading - or + would make extend= remove or append instead of naming the part."""
    assert (part_name_problem(name) is None) == ok


def test_config_lines():
    config = parse_config('# comment\nroot: common root ?extra.rpm?list=*/x\n\nrescue:  common\n')
    assert config == {'root': ['common', 'root', '?extra.rpm?list=*/x'], 'rescue': ['common']}
    assert spec_name('?extra.rpm?list=*/x') == 'extra.rpm'


@pytest.mark.parametrize('backend', ['directory', 'fat'])
def test_deploy_extend_and_facts_on_an_unsigned_medium(tmp_path, fat_image, backend):
    """Sections 1, 2, 4, 5: a new part gets its CHECKSUMS entry; extend= merges into the list; the facts read
    the list as linuxrc does."""
    tree = suse_media.make_tree(str(tmp_path / 'tree'))
    part = make_part(tmp_path)
    media = {'path': tree} if backend == 'directory' else {'image': fat_image(tree=tree)}
    parts = [{'src': part}]
    predicted = deploy(media, parts, check_mode=True)[0]
    real = deploy(media, parts)[0]
    again = deploy(media, parts)[0]
    assert predicted['changed'] and real['changed'] and not again['changed']
    assert predicted['parts'] == real['parts'] and predicted['checksums'] == real['checksums']
    assert real['checksums'] == {'file': 'CHECKSUMS', 'present': True, 'signed': False, 'signature': None,
                                 'changed': True}
    assert real['signature']['holds'] is None and real['signature']['action'] == 'none'

    result = extend(media, ['fleet-tools', '?extras'])[0]
    assert result['changed'] and not extend(media, ['fleet-tools', '?extras'])[0]['changed']
    afters = [e['after'] for f in result['files'] for e in f['entries']]
    # GRUB: the ? of an optional part is quoted (a GRUB wildcard once the regexp module is loaded)
    assert afters == ["splash=silent extend='?cracklib-dict-full.rpm,fleet-tools,?extras'",
                      "rescue=1 extend='fleet-tools,?extras'",
                      'initrd=initrd splash=silent showopts extend=fleet-tools,?extras']
    assert result['checksums']['changed'] is False and result['arches'] == ['x86_64']

    facts = linuxrc_facts(open_medium(media, writable=False))
    files = {p['name']: p for p in facts['arches'][0]['parts']}
    assert files['fleet-tools']['managed'] and files['fleet-tools']['in_checksums']
    assert files['fleet-tools']['format'] == 'squashfs' and files['fleet-tools']['loadable']
    assert files['common']['in_config'] == ['rescue', 'root'] and not files['common']['managed']
    assert facts['menu_arches'] == ['x86_64'] and facts['arches'][0]['layout'] == 'loader'
    assert [e['missing_optional'] for e in facts['boot_entries']] == [['cracklib-dict-full.rpm', 'extras'],
                                                                      ['extras'], ['extras']]
    assert warnings(facts) == []
    if backend == 'directory':
        checksums_ok(tree)

    removed = deploy(media, [{'name': 'fleet-tools'}], state='absent')[0]
    assert removed['actions'][0]['action'] == 'remove' and removed['parts'] == []
    facts = linuxrc_facts(open_medium(media, writable=False))
    assert [e['missing'] for e in facts['boot_entries']] == [['fleet-tools']] * 3
    assert 'fleet-tools' in warnings(facts)[0] and 'repository check' in warnings(facts)[0]
    if backend == 'directory':
        checksums_ok(tree)


@pytest.mark.parametrize('backend', ['directory', 'fat'])
@pytest.mark.parametrize('digests', ['checksums', 'content'])
def test_a_signed_list_is_never_broken_by_default(tmp_path, fat_image, keys, backend, digests):
    """Section 4: a .asc that does not match aborts the installation with no override, so a change to a
    signed CHECKSUMS or /content is refused before anything is written; check mode refuses too."""
    tree = suse_media.make_tree(str(tmp_path / 'tree'), digests=digests, signer=keys('suse'))
    media = {'path': tree} if backend == 'directory' else {'image': fat_image(tree=tree)}
    before = fingerprint(tree) if backend == 'directory' else image_sha(media['image'])
    part = make_part(tmp_path)
    for check_mode in (True, False):
        with pytest.raises(LinuxrcError, match='Invalid signature. Installation aborted.*insecure=1'):
            deploy(media, [{'src': part}], check_mode=check_mode)
    assert (fingerprint(tree) if backend == 'directory' else image_sha(media['image'])) == before


@pytest.mark.parametrize('digests', ['checksums', 'content'])
def test_resign_signs_with_the_user_key_and_puts_it_into_the_initrd(tmp_path, keys, digests):
    """Section 4: re-signing as mksusecd does - a new detached signature and the public key in the
    initrd's /installkey.gpg (appended, not rebuilt); the result says the signature holds."""
    suse, mine = keys('suse'), keys('fleet')
    tree = suse_media.make_tree(str(tmp_path / 'tree'), digests=digests, signer=suse)
    name = 'CHECKSUMS' if digests == 'checksums' else 'content'
    initrd_path = os.path.join(tree, 'boot/x86_64/loader/initrd')
    size = os.path.getsize(initrd_path)
    part = make_part(tmp_path)
    options = dict(signed_media='resign', sign_key=mine.secret)
    predicted = deploy({'path': tree}, [{'src': part}], check_mode=True, **options)[0]
    real = deploy({'path': tree}, [{'src': part}], **options)[0]
    assert predicted['signature'] == real['signature'] == {
        'file': name + '.asc', 'mode': 'resign', 'action': 'resigned', 'key': mine.fingerprint,
        'initrds': ['boot/x86_64/loader/initrd'], 'holds': True}
    ring = initrd.read_files(initrd_path, ['installkey.gpg'])['installkey.gpg']
    assert suse_media.verify(tree, name, ring)                       # the new signature holds for linuxrc
    assert suse_media.verify(tree, name, suse_media.keyring(mine))   # made by the user's key
    assert not suse_media.verify(tree, name, suse_media.keyring(suse))
    assert os.path.getsize(initrd_path) > size                       # appended, the original bytes kept
    checksums_ok(tree, name)
    if digests == 'content':
        assert not os.path.exists(os.path.join(tree, 'CHECKSUMS'))   # /content: CHECKSUMS is not read
    again, again_check = deploy({'path': tree}, [{'src': part}], **options)[0], \
        deploy({'path': tree}, [{'src': part}], check_mode=True, **options)[0]
    assert not again['changed'] and not again_check['changed'] and again['signature']['action'] == 'none'
    assert again['signature']['holds'] is True


def test_a_refused_signed_change_leaves_even_leftovers_in_place(tmp_path, keys):
    """Section 4: the leftovers of an interrupted run are swept only once the signed list cannot refuse any
    more, so a refusal leaves the medium byte-identical; check mode lists what the real run sweeps."""
    tree = suse_media.make_tree(str(tmp_path / 'tree'), signer=keys('suse'))
    leftover = os.path.join(tree, 'boot/x86_64/~rf0a1b2.tmp')
    with open(leftover, 'wb') as handle:
        handle.write(b'half a part')
    before = fingerprint(tree)
    part = make_part(tmp_path)
    with pytest.raises(LinuxrcError, match='Invalid signature'):
        deploy({'path': tree}, [{'src': part}])
    assert fingerprint(tree) == before
    predicted = deploy({'path': tree}, [{'src': part}], check_mode=True, signed_media='invalidate')[0]
    real = deploy({'path': tree}, [{'src': part}], signed_media='invalidate')[0]
    assert predicted['swept'] == real['swept'] == ['boot/x86_64/~rf0a1b2.tmp'] and not os.path.exists(leftover)


def test_invalidate_writes_and_says_the_signature_no_longer_holds(tmp_path, keys):
    """Section 4: with signed_media=invalidate the medium then needs insecure=1."""
    tree = suse_media.make_tree(str(tmp_path / 'tree'), signer=keys('suse'))
    result, notes = deploy({'path': tree}, [{'src': make_part(tmp_path)}], signed_media='invalidate')
    assert result['signature']['action'] == 'invalidated' and result['signature']['holds'] is False
    assert any('insecure=1' in n for n in notes)
    checksums_ok(tree)


def test_an_untouched_signed_list_is_reported_as_holding(tmp_path, keys):
    tree = suse_media.make_tree(str(tmp_path / 'tree'), signer=keys('suse'))
    result = deploy({'path': tree}, [{'name': 'not-there'}], state='absent')[0]
    assert not result['changed'] and result['signature']['holds'] is True


def test_resign_needs_a_key_and_refuses_a_wrong_one(tmp_path, keys):
    tree = suse_media.make_tree(str(tmp_path / 'tree'), signer=keys('suse'))
    before = fingerprint(tree)
    part = make_part(tmp_path)
    with pytest.raises(LinuxrcError, match='needs sign_key'):
        deploy({'path': tree}, [{'src': part}], signed_media='resign')
    with pytest.raises(LinuxrcError, match='sign_key .* is not a file'):
        deploy({'path': tree}, [{'src': part}], signed_media='resign', sign_key=str(tmp_path / 'nope'))
    (tmp_path / 'public.gpg').write_bytes(keys('other').public)
    with pytest.raises(LinuxrcError, match='holds no secret key'):
        deploy({'path': tree}, [{'src': part}], signed_media='resign', sign_key=str(tmp_path / 'public.gpg'))
    assert fingerprint(tree) == before


def test_extend_never_touches_the_digest_list(tmp_path, keys):
    """Section 4: linuxrc never reads grub.cfg or isolinux.cfg through its download path, so their entries
    and the signature stay as they are."""
    suse = keys('suse')
    tree = suse_media.make_tree(str(tmp_path / 'tree'), signer=suse, extend='')
    os.rename(make_part(tmp_path), os.path.join(tree, 'boot/x86_64/fleet-tools'))
    before = {k: v for k, v in fingerprint(tree).items() if k.startswith('CHECKSUMS')}
    result = extend({'path': tree}, ['fleet-tools'])[0]
    assert result['changed'] and result['checksums'] == {'file': 'CHECKSUMS', 'present': True, 'signed': True,
                                                         'signature': 'CHECKSUMS.asc', 'changed': False}
    assert {k: v for k, v in fingerprint(tree).items() if k.startswith('CHECKSUMS')} == before
    assert suse_media.verify(tree, 'CHECKSUMS', suse_media.keyring(suse))


@pytest.mark.parametrize('backend', ['directory', 'fat'])
def test_aarch64_menus_are_found_and_edited(tmp_path, fat_image, backend):
    """Section 5: aarch64 keeps linux and initrd in boot/aarch64/ (no loader/); its entries are edited and
    media_info reports the architecture from the menus."""
    tree = suse_media.make_tree(str(tmp_path / 'tree'), arch='aarch64')
    media = {'path': tree} if backend == 'directory' else {'image': fat_image(tree=tree)}
    deployed = deploy(media, [{'src': make_part(tmp_path)}], arch='aarch64')[0]
    assert deployed['parts'][0]['path'] == 'boot/aarch64/fleet-tools'
    result = extend(media, ['fleet-tools'])[0]
    assert [e['after'] for f in result['files'] for e in f['entries']] == [
        "splash=silent extend='?cracklib-dict-full.rpm,fleet-tools'", 'rescue=1 extend=fleet-tools']
    assert result['arches'] == ['aarch64'] and not extend(media, ['fleet-tools'])[0]['changed']
    facts = linuxrc_facts(open_medium(media, writable=False))
    assert facts['menu_arches'] == ['aarch64'] and facts['arches'][0]['layout'] == 'flat'
    assert facts['boot_entries'][0]['extend'][1]['path'] == 'boot/aarch64/fleet-tools'


def test_extend_fails_when_no_linuxrc_entry_is_found(tmp_path):
    tree = suse_media.make_tree(str(tmp_path / 'tree'))
    for menu in ('EFI/BOOT/grub.cfg', 'boot/x86_64/loader/isolinux.cfg'):
        os.remove(os.path.join(tree, menu))
    with pytest.raises(LinuxrcError, match='no boot entry'):
        extend({'path': tree}, ['?x'])


def test_init_is_reported_as_not_run_at_boot(tmp_path):
    """Section 3: .init never runs for parts loaded through extend=; linuxrc_extend says so."""
    tree = suse_media.make_tree(str(tmp_path / 'tree'))
    deploy({'path': tree}, [{'src': make_part(tmp_path, init=True)}])
    notes = extend({'path': tree}, ['fleet-tools'])[1]
    assert any('.init, which linuxrc will not run' in n and '"extend fleet-tools"' in n for n in notes)
    deploy({'path': tree}, [{'src': make_part(tmp_path, 'quiet-part')}])
    assert not any('.init' in n for n in extend({'path': tree}, ['quiet-part'])[1])


@pytest.mark.skipif(not __import__('shutil').which('cpio'), reason='GNU cpio is needed')
def test_unloadable_parts_are_refused_even_optional(tmp_path):
    """Section 2: odc cpio is not a part; the boot fails at it even when it is optional."""
    tree = suse_media.make_tree(str(tmp_path / 'tree'))
    odc = subprocess.run(['cpio', '-o', '--quiet', '-H', 'odc'], input=b'.\n', cwd=str(tmp_path),
                         stdout=subprocess.PIPE, check=True).stdout
    (tmp_path / 'old-part').write_bytes(odc)
    before = fingerprint(tree)
    with pytest.raises(LinuxrcError, match='odc'):
        deploy({'path': tree}, [{'src': str(tmp_path / 'old-part')}])
    assert fingerprint(tree) == before
    with open(os.path.join(tree, 'boot/x86_64/old-part'), 'wb') as handle:
        handle.write(odc)
    with pytest.raises(LinuxrcError, match='even an optional one'):
        extend({'path': tree}, ['?old-part'])
    facts = linuxrc_facts(open_medium({'path': tree}, writable=False))
    assert {p['name']: p['loadable'] for p in facts['arches'][0]['parts']}['old-part'] is False


def test_the_medium_s_own_parts_are_never_touched(tmp_path):
    tree = suse_media.make_tree(str(tmp_path / 'tree'))
    part = make_part(tmp_path, 'root')
    before = open(os.path.join(tree, 'boot/x86_64/root'), 'rb').read()
    for state in ('present', 'absent'):
        with pytest.raises(LinuxrcError, match='not put there by this collection'):
            deploy({'path': tree}, [{'src': part}], state=state)
    assert open(os.path.join(tree, 'boot/x86_64/root'), 'rb').read() == before


def test_missing_arch_and_missing_part_fail_without_change(tmp_path):
    """Section 1: a missing part that is not optional makes the medium fail."""
    tree = suse_media.make_tree(str(tmp_path / 'tree'))
    part = make_part(tmp_path)
    with pytest.raises(LinuxrcError, match='boot/aarch64/ does not exist'):
        deploy({'path': tree}, [{'src': part}], arch='aarch64')
    with pytest.raises(LinuxrcError, match='deploy it first'):
        extend({'path': tree}, ['not-there'])
    with pytest.raises(LinuxrcError, match='boot/aarch64/ is not an installer directory'):
        extend({'path': tree}, ['?x'], arch='aarch64')
    assert extend({'path': tree}, ['?not-there'])[0]['changed']


def test_signing_modes_are_checked():
    with pytest.raises(LinuxrcError, match='signed_media must be one of'):
        signing.SignedList(None, None, mode='sometimes')
