# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import difflib
import os
import shutil
import tempfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.rescuefleet.media.plugins.module_utils import _kernel_args as ka
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import discovery as bc
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg import edit, grub_check, readers
from ansible_collections.rescuefleet.media.plugins.module_utils._bootcfg.entry import BootCfgError, decode, encode
from ansible_collections.rescuefleet.media.plugins.module_utils._media.directory import DirectoryMedium

ON = {'loadsrm': True}
OFF = {'loadsrm': None}
GRUB_CHECK = shutil.which('grub-script-check')


def changed_lines(old, new):
    """``[(old line, new line)]`` of a same-length edit."""
    a, b = old.splitlines(True), new.splitlines(True)
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b) if x != y]


def roundtrip(text, fmt, **kw):
    """Enable, check idempotency, disable; returns the enabled text."""
    on = edit.plan_config(text, fmt, ON, **kw)
    assert edit.plan_config(on.new, fmt, ON, **kw).new == on.new
    off = edit.plan_config(on.new, fmt, OFF, **kw)
    assert off.new == text
    return on


# -- GRUB ---------------------------------------------------------------------------------------

GRUB = (
    '# test menu\n'
    'set timeout=5\n'
    'if [ -z "$p" ]; then\n'
    '\tp="archisolabel=X"\n'
    'fi\n'
    'eval "\n'
    "menuentry 'Rescue' --class x {\n"
    '\tlinux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd $p iomem=relaxed # keep me\n'
    '\tinitrd /sysresccd/boot/x86_64/sysresccd.img\n'
    '}\n'
    'menuentry \\"Quoted \\\\\\"title\\\\\\"\\" {\n'
    '\tlinux /sysresccd/boot/x86_64/vmlinuz a=\\"b c\\" d\n'
    '}\n'
    "submenu 'More' {\n"
    "  menuentry 'EFI kernel' { linuxefi /boot/vmlinuz-lts x; initrd /i }\n"
    "  menuentry 'Sixteen' {\n    linux16 (hd0,1)/vmlinuz\n  }\n"
    '}\n'
    "menuentry 'Memtest' {\n    linux /EFI/memtest.efi keyboard=both\n}\n"
    "menuentry 'Shell' {\n    chainloader /EFI/shell.efi\n}\n"
    '" # end eval\n'
    "menuentry 'Outside' {\n\tlinux\t/vmlinuz\tro\tquiet\n}\n"
)


def test_grub_entries():
    entries = readers.read_entries('grub', GRUB)
    assert [(e.title, e.path, e.kernel) for e in entries] == [
        ('Rescue', 'Rescue', '/sysresccd/boot/x86_64/vmlinuz'),
        ('Quoted "title"', 'Quoted "title"', '/sysresccd/boot/x86_64/vmlinuz'),
        ('EFI kernel', 'More>EFI kernel', '/boot/vmlinuz-lts'),
        ('Sixteen', 'More>Sixteen', '(hd0,1)/vmlinuz'),
        ('Memtest', 'Memtest', '/EFI/memtest.efi'),
        ('Outside', 'Outside', '/vmlinuz'),
    ]
    assert [e.spans[0].dialect for e in entries] == ['shell-dq'] * 5 + ['shell']


def test_grub_enable_only_kernel_lines():
    on = roundtrip(GRUB, 'grub')
    assert changed_lines(GRUB, on.new) == [
        ('\tlinux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd $p iomem=relaxed # keep me\n',
         '\tlinux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd $p iomem=relaxed loadsrm # keep me\n'),
        ('\tlinux /sysresccd/boot/x86_64/vmlinuz a=\\"b c\\" d\n',
         '\tlinux /sysresccd/boot/x86_64/vmlinuz a=\\"b c\\" d loadsrm\n'),
        ("  menuentry 'EFI kernel' { linuxefi /boot/vmlinuz-lts x; initrd /i }\n",
         "  menuentry 'EFI kernel' { linuxefi /boot/vmlinuz-lts x loadsrm; initrd /i }\n"),
        ('    linux16 (hd0,1)/vmlinuz\n', '    linux16 (hd0,1)/vmlinuz loadsrm\n'),
        ('\tlinux\t/vmlinuz\tro\tquiet\n', '\tlinux\t/vmlinuz\tro\tquiet loadsrm\n'),
    ]
    assert [e['after'] for e in on.entries][0] == 'archisobasedir=sysresccd $p iomem=relaxed loadsrm'


def test_grub_quoted_value_inside_eval_is_escaped():
    on = edit.plan_config(GRUB, 'grub', {'sysrescuecfg': 'a b', 'rootcryptpass': '$6$s$h'}, titles=['Rescue'])
    # single quotes for GRUB; the $ escaped once more for the double-quoted string of eval
    assert "iomem=relaxed sysrescuecfg='a b' rootcryptpass='\\$6\\$s\\$h' # keep me" in on.new
    # the password is masked in the entry's report and the diff, and handed on as a secret
    assert [e['after'] for e in on.entries][0].endswith("sysrescuecfg='a b' rootcryptpass=********")
    assert '$6$s$h' in on.secrets and '$6' not in str(on.diff())
    if GRUB_CHECK:
        assert grub_check.grub_script_check(GRUB_CHECK, encode(on.new)) is None


def test_grub_titles_and_kernel_selection():
    on = edit.plan_config(GRUB, 'grub', ON, titles=['More>*'])
    assert [e['title'] for e in on.entries] == ['EFI kernel', 'Sixteen']
    on = edit.plan_config(GRUB, 'grub', ON, kernels=['/EFI/memtest.efi'])
    assert [e['title'] for e in on.entries] == ['Memtest']
    on = edit.plan_config(GRUB, 'grub', ON, kernels=['*vmlinuz-lts'])
    assert [e['title'] for e in on.entries] == ['EFI kernel']


def test_grub_replaces_disabled_and_collapses_duplicates():
    text = "menuentry 'a' {\n  linux /vmlinuz loadsrm=n x loadsrm=0 noloadsrm\n}\n"
    assert edit.plan_config(text, 'grub', ON).new == "menuentry 'a' {\n  linux /vmlinuz loadsrm x noloadsrm\n}\n"
    assert edit.plan_config(text, 'grub', OFF).new == "menuentry 'a' {\n  linux /vmlinuz x noloadsrm\n}\n"


def test_grub_crlf_no_final_newline_and_if_blocks():
    text = "if true; then\r\n  linux /vmlinuz a\r\nelse linux /vmlinuz b\r\nfi"
    on = roundtrip(text, 'grub')
    assert on.new == "if true; then\r\n  linux /vmlinuz a loadsrm\r\nelse linux /vmlinuz b loadsrm\r\nfi"


@pytest.mark.skipif(not GRUB_CHECK, reason='grub-script-check is not installed')
def test_grub_results_pass_grub_script_check():
    assert grub_check.grub_script_check(GRUB_CHECK, encode(GRUB)) is None
    on = edit.plan_config(GRUB, 'grub', {'loadsrm': True, 'x': 'a;b', 'y': 'a$b {c} #d'})
    assert grub_check.grub_script_check(GRUB_CHECK, encode(on.new)) is None
    # GRUB 2.06 hands ' " and \ to the kernel with a backslash in front: refused, naming the key only
    with pytest.raises(BootCfgError, match="'y' holds '.*GRUB") as refused:
        edit.plan_config(GRUB, 'grub', {'y': "it's"})
    assert "it's" not in str(refused.value)
    assert grub_check.grub_script_check(GRUB_CHECK, b'if true; then\n linux /vmlinuz\n') is not None


# -- syslinux -----------------------------------------------------------------------------------

SYSLINUX = (
    'DEFAULT rescue\r\n'
    'label rescue\r\n'
    '  menu label ^Rescue\r\n'
    '  text help\r\n'
    '  APPEND is not a keyword here\r\n'
    '  endtext\r\n'
    '  linux boot/x86_64/vmlinuz\r\n'
    '  initrd boot/x86_64/sysresccd.img\r\n'
    '  append archisobasedir=sysresccd iomem=relaxed\r\n'
    '\r\n'
    'LABEL kernelkw\r\n'
    'KERNEL /sysresccd/boot/x86_64/vmlinuz\r\n'
    'APPEND\tx=1\t\r\n'
    'LABEL chain\r\n'
    'COM32 chain.c32\r\n'
    'APPEND hd0 0\r\n'
    'LABEL c32kernel\r\n'
    'KERNEL vmlinuz.c32\r\n'
    'APPEND y\r\n'
    'LABEL loadconfig\r\n'
    'CONFIG sysresccd.cfg\r\n'
    'APPEND ../../\r\n'
    'LABEL memtest\r\n'
    'LINUX boot/memtest\r\n'
    'LABEL bare\r\n'
    '    LINUX boot/x86_64/vmlinuz\r\n'
    'LABEL last\r\n'
    'LINUX boot/x86_64/vmlinuz\r\n'
    'APPEND a'
)


def test_syslinux_entries():
    entries = readers.read_entries('syslinux', SYSLINUX)
    assert [(e.label, e.title, e.kernel, e.linux) for e in entries] == [
        ('rescue', '^Rescue', 'boot/x86_64/vmlinuz', True),
        ('kernelkw', 'kernelkw', '/sysresccd/boot/x86_64/vmlinuz', True),
        ('chain', 'chain', 'chain.c32', False),
        ('c32kernel', 'c32kernel', 'vmlinuz.c32', False),
        ('loadconfig', 'loadconfig', 'sysresccd.cfg', False),
        ('memtest', 'memtest', 'boot/memtest', True),
        ('bare', 'bare', 'boot/x86_64/vmlinuz', True),
        ('last', 'last', 'boot/x86_64/vmlinuz', True),
    ]


def test_syslinux_enable():
    on = roundtrip(SYSLINUX, 'syslinux')
    diff = [line for line in difflib.ndiff(SYSLINUX.splitlines(True), on.new.splitlines(True)) if line[0] in '+-']
    assert diff == [
        '-   append archisobasedir=sysresccd iomem=relaxed\r\n',
        '+   append archisobasedir=sysresccd iomem=relaxed loadsrm\r\n',
        '- APPEND\tx=1\t\r\n',
        '+ APPEND\tx=1 loadsrm\t\r\n',
        '+     APPEND loadsrm\r\n',
        '- APPEND a',
        '+ APPEND a loadsrm',
    ]
    assert [e['label'] for e in on.entries] == ['rescue', 'kernelkw', 'bare', 'last']
    assert on.entries[2] == {'title': 'bare', 'label': 'bare', 'path': 'bare', 'kernel': 'boot/x86_64/vmlinuz',
                             'before': '', 'after': 'loadsrm'}


def test_syslinux_labels_are_matched_by_label_or_menu_label():
    assert [e['label'] for e in edit.plan_config(SYSLINUX, 'syslinux', ON, titles=['^Res*']).entries] == ['rescue']
    assert [e['label'] for e in edit.plan_config(SYSLINUX, 'syslinux', ON, titles=['kernelkw']).entries] == ['kernelkw']


def test_syslinux_non_linux_entries_are_never_edited():
    text = 'LABEL c\nCOM32 chain.c32\nAPPEND hd0 0\n'
    assert edit.plan_config(text, 'syslinux', ON, kernels=['*']).new == text


GLOBAL = 'APPEND root=/dev/x\nDEFAULT a\nLABEL a\nLINUX /boot/vmlinuz\nLABEL b\nKERNEL /boot/vmlinuz-2\n'


def test_syslinux_global_append_when_all_inheritors_selected():
    on = roundtrip(GLOBAL, 'syslinux')
    assert on.new.splitlines()[0] == 'APPEND root=/dev/x loadsrm'
    assert len(on.entries) == 2


def test_syslinux_global_append_shared_with_unselected_label_fails():
    with pytest.raises(BootCfgError, match="global APPEND line, which also applies to 'b'"):
        edit.plan_config(GLOBAL, 'syslinux', ON, titles=['a'])
    # nothing to change: no complaint
    assert not edit.plan_config(GLOBAL, 'syslinux', OFF, titles=['a']).changed


def test_syslinux_append_dash_is_refused():
    with pytest.raises(BootCfgError, match='APPEND -'):
        edit.plan_config('LABEL a\nLINUX vmlinuz\nAPPEND -\n', 'syslinux', ON)


def test_syslinux_empty_append_line_is_kept_when_it_existed_with_a_global():
    text = 'APPEND g\nLABEL a\nLINUX vmlinuz\nAPPEND loadsrm\nLABEL b\nLINUX vmlinuz\nAPPEND loadsrm\n'
    assert edit.plan_config(text, 'syslinux', OFF).new == 'APPEND g\nLABEL a\nLINUX vmlinuz\nAPPEND\nLABEL b\nLINUX vmlinuz\nAPPEND\n'


# -- iPXE ---------------------------------------------------------------------------------------

IPXE = (
    '#!ipxe\n'
    'menu Boot\n'
    'item --key r rescue SystemRescue (HTTP)\n'
    'item other Other\n'
    'choose target && goto ${target}\n'
    ':rescue\n'
    'kernel --name vmlinuz ${base}/sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd ip=dhcp || goto failed\n'
    'initrd ${base}/sysresccd/boot/x86_64/sysresccd.img\n'
    'imgargs vmlinuz archisobasedir=sysresccd  initrd=sysresccd.img\n'
    'boot\n'
    ':other\n'
    'chain --autofree http://boot.ipxe.org/menu.ipxe\n'
    'kernel -n k http://x/memtest.efi\n'
    'imgargs k keyboard=both\n'
)


def test_ipxe_entries():
    entries = readers.read_entries('ipxe', IPXE)
    assert [(e.title, e.label, e.kernel) for e in entries] == [
        ('SystemRescue (HTTP)', 'rescue', '${base}/sysresccd/boot/x86_64/vmlinuz'),
        ('SystemRescue (HTTP)', 'rescue', '${base}/sysresccd/boot/x86_64/vmlinuz'),
        ('Other', 'other', 'http://boot.ipxe.org/menu.ipxe'),
        ('Other', 'other', 'http://x/memtest.efi'),
        ('Other', 'other', 'http://x/memtest.efi'),
    ]


def test_ipxe_enable():
    on = roundtrip(IPXE, 'ipxe')
    assert changed_lines(IPXE, on.new) == [
        ('kernel --name vmlinuz ${base}/sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd ip=dhcp || goto failed\n',
         'kernel --name vmlinuz ${base}/sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd ip=dhcp loadsrm '
         '|| goto failed\n'),
        ('imgargs vmlinuz archisobasedir=sysresccd  initrd=sysresccd.img\n',
         'imgargs vmlinuz archisobasedir=sysresccd  initrd=sysresccd.img loadsrm\n'),
    ]


def test_ipxe_is_read_as_ipxe_splits_words():
    """iPXE has no quotes and no escapes; ; || && are commands only as whole words, # starts a comment only
    at the start of a word, and a line ending in a backslash goes on with the next (core/exec.c, script.c)."""
    text = ('#!ipxe\n'
            ':a kernel http://x/vmlinuz a;b c"d e"f g\\h #rest ignored\n'
            'kernel http://x/vmlinuz x=1 ; echo done\n'
            'kernel http://x/vmlinuz y=2 \\\n'
            '  z=3\n')
    entries = readers.read_entries('ipxe', text)
    spans = [[text[s.start:s.end] for s in e.spans] for e in entries]
    assert spans[:2] == [[' a;b c"d e"f g\\h'], [' x=1']]
    assert entries[0].label == 'a' and entries[2].problem and 'backslash' in entries[2].problem
    assert [(t.key, t.value) for t in ka.tokenize(spans[0][0], 'ipxe')] == [
        ('a;b', True), ('cd ef', True), ('g\\h', True)]


def test_ipxe_new_argument_with_a_space_reaches_the_kernel_quoted():
    on = edit.plan_config(IPXE, 'ipxe', {'sysrescuecfg': 'http://x/a b.yaml'})
    assert 'ip=dhcp sysrescuecfg="http://x/a b.yaml" || goto failed\n' in on.new
    with pytest.raises(BootCfgError, match='comment'):
        edit.plan_config(IPXE, 'ipxe', {'note': 'a #b'})


# -- BLS and plain command lines ----------------------------------------------------------------

def test_bls_multiple_options_lines():
    text = 'title Rescue\nlinux /sysresccd/vmlinuz\noptions a loadsrm=0\noptions  b loadsrm\n# c\n'
    assert edit.plan_config(text, 'bls', ON).new == 'title Rescue\nlinux /sysresccd/vmlinuz\noptions a loadsrm\noptions  b\n# c\n'
    off = edit.plan_config(text, 'bls', OFF)
    assert off.new == 'title Rescue\nlinux /sysresccd/vmlinuz\noptions a\noptions  b\n# c\n'
    assert off.entries[0]['title'] == 'Rescue'


def test_bls_without_options_gets_a_line():
    text = 'title Rescue\r\nlinux /vmlinuz\r\ninitrd /initrd\r\n'
    on = roundtrip(text, 'bls')
    assert on.new == 'title Rescue\r\nlinux /vmlinuz\r\noptions loadsrm\r\ninitrd /initrd\r\n'


def test_bls_other_kernel_untouched():
    text = 'title Memtest\nefi /memtest.efi\n'
    assert not edit.plan_config(text, 'bls', ON).changed


@pytest.mark.parametrize('text, expected', [
    ('a b\n', 'a b loadsrm\n'),
    ('', 'loadsrm'),
    ('\n', 'loadsrm\n'),
    ('a\tb', 'a\tb loadsrm'),
])
def test_cmdline(text, expected):
    assert roundtrip(text, 'cmdline').new == expected


# -- detection and discovery ------------------------------------------------------------------

@pytest.mark.parametrize('path, text, fmt', [
    ('boot/grub/grubsrcd.cfg', '', 'grub'),
    ('grub.cfg-01-aa-bb-cc-dd-ee-ff', '', 'grub'),
    ('isolinux/isolinux.cfg', '', 'syslinux'),
    ('sysresccd/boot/syslinux/sysresccd_sys.cfg', '', 'syslinux'),
    ('pxelinux.cfg/01-aa-bb-cc-dd-ee-ff', '', 'syslinux'),
    ('extlinux.conf', '', 'syslinux'),
    ('loader/entries/rescue.conf', '', 'bls'),
    ('boot.ipxe', '', 'ipxe'),
    ('MAC-aabbccddeeff', '#!ipxe\nkernel x\n', 'ipxe'),
    ('cmdline.txt', '', 'cmdline'),
    ('menu.cfg', "menuentry 'x' {\n}\n", 'grub'),
    ('menu.cfg', 'LABEL x\n', 'syslinux'),
    ('x.conf', 'title x\nlinux /vmlinuz\n', 'bls'),
])
def test_detect_format(path, text, fmt):
    assert bc.detect_format(path, text) == fmt


def test_detect_format_unknown():
    with pytest.raises(BootCfgError, match='set format'):
        bc.detect_format('notes.txt', 'hello\n')


def test_discover(tmp_path):
    files = {
        'EFI/BOOT/grub.cfg': '', 'boot/grub/grubsrcd.cfg': '', 'boot/grub/grubsrcd.cfg.20260101T000000.bak': '',
        'boot/grub/font.pf2': '', 'Isolinux/isolinux.cfg': '', 'isolinux/isolinux.bin': '',
        'pxelinux.cfg/default': '', 'pxelinux.cfg/.hidden': '', 'loader/entries/a.conf': '', 'boot.ipxe': '',
        'ipxe/MAC-aabbccddeeff.ipxe': '', 'notes.txt': '', 'sysresccd/boot/syslinux/sysresccd_sys.cfg': '',
    }
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    found = bc.discover(DirectoryMedium(str(tmp_path), writable=False))
    assert sorted(found) == sorted([
        ('EFI/BOOT/grub.cfg', 'grub'), ('boot/grub/grubsrcd.cfg', 'grub'), ('Isolinux/isolinux.cfg', 'syslinux'),
        ('pxelinux.cfg/default', 'syslinux'), ('loader/entries/a.conf', 'bls'), ('boot.ipxe', 'ipxe'),
        ('ipxe/MAC-aabbccddeeff.ipxe', 'ipxe'), ('sysresccd/boot/syslinux/sysresccd_sys.cfg', 'syslinux'),
    ])


# -- property: generated configs ----------------------------------------------------------------

ARG = st.text(alphabet='abcdefghijklmnopqrstuvwxyz0123456789_.,/=', min_size=1, max_size=8).filter(
    lambda a: not a.startswith('=') and a.split('=')[0] != 'loadsrm')
ARGS = st.lists(st.one_of(ARG, st.sampled_from(['noloadsrm', 'loadsrm_x=1', '$archiso_param'])), max_size=5)
KERNEL = st.sampled_from(['/sysresccd/boot/x86_64/vmlinuz', 'boot/x86_64/vmlinuz', '/EFI/memtest.efi', 'boot/memtest'])
WS = st.sampled_from([' ', '\t', '  '])
EOL = st.sampled_from(['\n', '\r\n'])


@st.composite
def grub_configs(draw):
    eol = draw(EOL)
    in_eval = draw(st.booleans())
    lines = ['set timeout=1']
    if in_eval:
        lines.append('eval "')
    for index in range(draw(st.integers(1, 4))):
        lines.append("menuentry 'Entry %d' {" % index)
        args = draw(ARGS)
        lines.append('%slinux%s%s%s' % (draw(WS), draw(WS), draw(KERNEL), ''.join(draw(WS) + a for a in args)
                                        + draw(st.sampled_from(['', ' ', ' # note']))))
        lines.append('}')
    if in_eval:
        lines.append('"')
    return eol.join(lines) + draw(st.sampled_from(['', eol]))


@st.composite
def syslinux_configs(draw):
    eol = draw(EOL)
    lines = []
    for index in range(draw(st.integers(1, 4))):
        lines.append(draw(st.sampled_from(['LABEL', 'label'])) + ' e%d' % index)
        lines.append(draw(st.sampled_from(['LINUX', 'KERNEL', 'linux'])) + ' ' + draw(KERNEL))
        args = draw(ARGS)
        # an APPEND line left without arguments is removed, so a generated one always has some
        if args:
            lines.append(draw(st.sampled_from(['APPEND', 'append'])) + ''.join(draw(WS) + a for a in args))
    return eol.join(lines) + draw(st.sampled_from(['', eol]))


@settings(max_examples=150, deadline=None)
@given(st.one_of(grub_configs().map(lambda t: ('grub', t)), syslinux_configs().map(lambda t: ('syslinux', t))))
def test_generated_configs_add_then_remove_is_identity(item):
    fmt, text = item
    on = edit.plan_config(text, fmt, ON)
    assert edit.plan_config(on.new, fmt, ON).new == on.new
    assert edit.plan_config(on.new, fmt, OFF).new == text
    selected = [e for e in readers.read_entries(fmt, text) if e.kernel.endswith('vmlinuz')]
    assert len(on.entries) == len(selected)
    for entry in on.entries:
        assert entry['after'].split() == entry['before'].split() + ['loadsrm']
    # lines of other kernels are untouched, and lines are only ever added after a kernel line
    new_lines = on.new.splitlines()
    for line in text.splitlines():
        if 'vmlinuz' not in line and not line.upper().startswith('APPEND'):
            assert line in new_lines
    assert [l for l in text.splitlines() if 'memtest' in l] == [l for l in new_lines if 'memtest' in l]


@settings(max_examples=50, deadline=None)
@given(grub_configs())
def test_generated_grub_results_pass_grub_script_check(text):
    if not GRUB_CHECK:
        pytest.skip('grub-script-check is not installed')
    on = edit.plan_config(text, 'grub', {'loadsrm': True, 'sysrescuecfg': 'http://x/a b.yaml'})
    assert grub_check.grub_script_check(GRUB_CHECK, encode(on.new)) is None


# -- the real SystemRescue 12.00 menus ----------------------------------------------------------

def _read(root, path):
    with open(os.path.join(root, path), 'rb') as handle:
        return decode(handle.read())


def test_sysrescue_grub(sysrescue_media):
    text = _read(sysrescue_media, 'boot/grub/grubsrcd.cfg')
    on = roundtrip(text, 'grub')
    pairs = changed_lines(text, on.new)
    assert len(pairs) == 8
    for old, new in pairs:
        assert old.startswith('\tlinux /sysresccd/boot/x86_64/vmlinuz archisobasedir=sysresccd $archiso_param ')
        assert new == old[:-1] + ' loadsrm\n'
    assert 'linux /EFI/memtest.efi keyboard=both\n' in on.new
    if GRUB_CHECK:
        assert grub_check.grub_script_check(GRUB_CHECK, encode(on.new)) is None


@pytest.mark.parametrize('name, count', [('sysresccd_sys.cfg', 8), ('sysresccd_pxe.cfg', 3)])
def test_sysrescue_syslinux_menus(sysrescue_media, name, count):
    text = _read(sysrescue_media, 'sysresccd/boot/syslinux/' + name)
    on = roundtrip(text, 'syslinux')
    pairs = changed_lines(text, on.new)
    assert len(pairs) == count
    for old, new in pairs:
        assert old.startswith('APPEND archisobasedir=sysresccd ')
        assert new == old[:-1] + ' loadsrm\n'


@pytest.mark.parametrize('path', [
    'isolinux/isolinux.cfg', 'sysresccd/boot/syslinux/syslinux.cfg', 'sysresccd/boot/syslinux/sysresccd.cfg',
    'sysresccd/boot/syslinux/sysresccd_tail.cfg', 'sysresccd/boot/syslinux/sysresccd_head.cfg',
    'boot/grub/loopback.cfg', 'boot/grub/custom.cfg',
])
def test_sysrescue_files_without_rescue_kernel_stay(sysrescue_media, path):
    text = _read(sysrescue_media, path)
    fmt = bc.detect_format(path, text)
    for changes in (ON, OFF, {'x': 'y'}):
        assert edit.plan_config(text, fmt, changes).new == text


@pytest.mark.parametrize('path', ['isolinux/isolinux.cfg', 'sysresccd/boot/syslinux/syslinux.cfg',
                                  'sysresccd/boot/syslinux/sysresccd.cfg'])
def test_sysrescue_module_appends_are_not_kernel_args(sysrescue_media, path):
    """APPEND /sysresccd/, ../../ and -pxe- ... belong to CONFIG and COM32 entries: even a kernel
    pattern that matches everything leaves them alone."""
    text = _read(sysrescue_media, path)
    assert edit.plan_config(text, 'syslinux', ON, kernels=['*']).new == text


def test_sysrescue_discovery(sysrescue_media):
    found = dict(bc.discover(DirectoryMedium(sysrescue_media, writable=False)))
    assert found['boot/grub/grubsrcd.cfg'] == 'grub'
    assert found['sysresccd/boot/syslinux/sysresccd_sys.cfg'] == 'syslinux'
    assert found['isolinux/isolinux.cfg'] == 'syslinux'


LAYOUTS = {
    'archiso': {'loader/entries/01-archiso.conf': 'title A\nlinux /arch/boot/x86_64/vmlinuz-linux\n',
                'loader/entries/02-memtest.conf': 'title M\nefi /boot/memtest86+/memtest.efi\n',
                'syslinux/archiso_sys.cfg': 'LABEL a\nLINUX /arch/boot/x86_64/vmlinuz-linux\n',
                'arch/x86_64/airootfs.sfs': 'x', 'arch/x86_64/grub.cfg': 'set x=1\n'},
    'ubuntu': {'boot/grub/grub.cfg': 'menuentry "U" {\n linux /casper/vmlinuz\n}\n',
               'EFI/ubuntu/grub.cfg': 'configfile /boot/grub/grub.cfg\n', 'casper/filesystem.squashfs': 'x'},
    'fedora': {'boot/grub2/grub.cfg': 'menuentry "F" {\n linux /images/pxeboot/vmlinuz\n}\n',
               'EFI/BOOT/BOOT.conf': 'x', 'EFI/BOOT/grub.cfg': 'menuentry "F" {\n linux /images/pxeboot/vmlinuz\n}\n',
               'isolinux/isolinux.cfg': 'LABEL f\nKERNEL vmlinuz\n', 'LiveOS/squashfs.img': 'x'},
    'tails': {'EFI/debian/grub.cfg': 'x', 'syslinux/live.cfg': 'LABEL t\nLINUX /live/vmlinuz\n', 'live/grub.cfg': 'x'},
    'netbootxyz': {'menu': '#!ipxe\nkernel vmlinuz\n', 'custom/hosts.txt': '#!ipxe\nchain menu\n',
                   'boot.ipxe': '#!ipxe\n', 'README': 'not ipxe\n'},
    'ventoy': {'ventoy/ventoy.json': '{}', 'grub/grub.cfg': 'menuentry "V" {\n}\n', 'grub2/x/theme.txt': 'x'},
    # SUSE installation media: isolinux's menu lives in boot/<arch>/loader/ (pruned as x86_64/ before)
    'suse': {'boot/x86_64/loader/isolinux.cfg': 'default linux\nlabel linux\n  kernel linux\n  append initrd=initrd\n',
             'boot/x86_64/loader/linux': 'kernel', 'boot/x86_64/config': 'x', 'EFI/BOOT/grub.cfg':
             'menuentry "I" {\n linux /boot/x86_64/loader/linux\n}\n', 'boot/aarch64/grub2-efi/grub.cfg':
             'menuentry "A" {\n linux /boot/aarch64/linux\n}\n'},
    # livecd-iso-to-disk --multi: the syslinux menu inside the live directory (pruned as LiveOS/ before)
    'livecd-multi': {'LiveOS/syslinux/syslinux.cfg': 'LABEL l\nKERNEL vmlinuz0\nAPPEND root=live:LABEL=L\n',
                     'LiveOS/squashfs.img': 'x', 'LiveOS/10-tools.srm': 'x', 'EFI/BOOT/grub.cfg': 'x'},
    # a tree whose root holds SRMs and airootfs.sfs (a flat copy such as copytoram's, a PXE/NFS export, a
    # dracut medium with rd.live.dir=/): every directory but boot/ was pruned before
    'srms-at-root': {'airootfs.sfs': 'x', '10-tools.srm': 'x', 'syslinux/syslinux.cfg': 'LABEL s\nLINUX vmlinuz\n',
                     'isolinux/isolinux.cfg': 'LABEL s\nLINUX vmlinuz\n', 'pxelinux.cfg/default':
                     'LABEL s\nLINUX vmlinuz\n', 'boot/grub/grub.cfg': 'menuentry "S" {\n linux /vmlinuz\n}\n'},
    # a SystemRescue medium with SRMs in sysresccd/ and a second copy of the menus beside them
    'sysrescue-srms': {'sysresccd/10-tools.srm': 'x', 'sysresccd/x86_64/airootfs.sfs': 'x',
                       'sysresccd/boot/syslinux/sysresccd_sys.cfg': 'LABEL s\nLINUX boot/x86_64/vmlinuz\n',
                       'sysresccd/isolinux/isolinux.cfg': 'LABEL s\nLINUX /sysresccd/boot/x86_64/vmlinuz\n',
                       'sysrescue.d/pxelinux.cfg/default': 'LABEL s\nLINUX vmlinuz\n'},
    # a multi-boot stick: a distribution's tree several levels down
    'multiboot': {'multiboot/menu/sysrescue.cfg': 'x',
                  'multiboot/systemrescue/sysresccd/boot/syslinux/sysresccd_sys.cfg': 'LABEL s\nLINUX vmlinuz\n',
                  'multiboot/live/casper/isolinux/txt.cfg': 'LABEL u\nLINUX /casper/vmlinuz\n'},
}
EXPECTED = {
    'archiso': ['arch/x86_64/grub.cfg', 'loader/entries/01-archiso.conf', 'loader/entries/02-memtest.conf',
                'syslinux/archiso_sys.cfg'],
    'ubuntu': ['EFI/ubuntu/grub.cfg', 'boot/grub/grub.cfg'],
    'fedora': ['EFI/BOOT/BOOT.conf', 'EFI/BOOT/grub.cfg', 'boot/grub2/grub.cfg', 'isolinux/isolinux.cfg'],
    'tails': ['EFI/debian/grub.cfg', 'live/grub.cfg', 'syslinux/live.cfg'],
    'netbootxyz': ['boot.ipxe', 'custom/hosts.txt', 'menu'],
    'ventoy': ['grub/grub.cfg'],
    'suse': ['EFI/BOOT/grub.cfg', 'boot/aarch64/grub2-efi/grub.cfg', 'boot/x86_64/loader/isolinux.cfg'],
    'livecd-multi': ['EFI/BOOT/grub.cfg', 'LiveOS/syslinux/syslinux.cfg'],
    'srms-at-root': ['boot/grub/grub.cfg', 'isolinux/isolinux.cfg', 'pxelinux.cfg/default', 'syslinux/syslinux.cfg'],
    'sysrescue-srms': ['sysrescue.d/pxelinux.cfg/default', 'sysresccd/boot/syslinux/sysresccd_sys.cfg',
                       'sysresccd/isolinux/isolinux.cfg'],
    'multiboot': ['multiboot/live/casper/isolinux/txt.cfg',
                  'multiboot/systemrescue/sysresccd/boot/syslinux/sysresccd_sys.cfg'],
}
# The syslinux entries each layout holds: a walk that misses a config loses these.
SYSLINUX_ENTRIES = {'suse': 1, 'livecd-multi': 1, 'srms-at-root': 3, 'sysrescue-srms': 3, 'multiboot': 2}


def _layout(tmp_path, layout):
    for rel, text in LAYOUTS[layout].items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return DirectoryMedium(str(tmp_path), writable=False)


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_discovery_walks_real_layouts(tmp_path, layout):
    """Discovery may be bounded by counts, never by guesses about what a directory holds (issue 25). Failed
    before for suse, livecd-multi, srms-at-root, sysrescue-srms and archiso/tails: directories named x86_64,
    LiveOS, live, sysrescue.d, or beside SRMs, were never searched, and their syslinux entries were lost."""
    notes = []
    found = bc.discover(_layout(tmp_path, layout), notes)
    assert sorted(p for p, _fmt in found) == sorted(EXPECTED[layout])
    assert all(fmt in readers.FORMATS for _p, fmt in found)
    assert notes == []
    if layout in SYSLINUX_ENTRIES:
        medium = DirectoryMedium(str(tmp_path), writable=False)
        entries = [e for path, fmt in found if fmt == 'syslinux'
                   for e in readers.read_entries(fmt, medium.read_text(path)) if e.linux]
        assert len(entries) == SYSLINUX_ENTRIES[layout]


def test_discovery_on_a_fat_image_lists_the_tree_once(tmp_path, fat_image, monkeypatch):
    """The same walk on a FAT image (mtools): every syslinux config of the SUSE layout is found, with one
    recursive mdir instead of one mdir per directory."""
    from ansible_collections.rescuefleet.media.plugins.module_utils._media.options import open_medium
    tree = tmp_path / 'tree'
    _layout(tree, 'suse')
    _layout(tree, 'srms-at-root')
    medium = open_medium({'image': fat_image(tree=str(tree))}, writable=False)
    calls = []
    real = medium._mtools

    def counting(tool, *args, **kwargs):
        calls.append((tool,) + args)
        return real(tool, *args, **kwargs)
    monkeypatch.setattr(medium, '_mtools', counting)
    found = dict(bc.discover(medium))
    assert sorted(found) == sorted(EXPECTED['suse'] + EXPECTED['srms-at-root'])
    assert [c for c in calls if c[0] == 'mdir'] == [('mdir', '-/', '-a', '-f', '::/')]


def test_discovery_bounds_are_counts_and_say_what_they_left_out(tmp_path, monkeypatch):
    """The walk stops at MAX_DEPTH levels, MAX_LISTINGS listings and MAX_SNIFF sniffed files, shallow
    directories first, and names what it did not search."""
    deep = tmp_path / 'd1' / 'd2' / 'd3'
    (deep / 'syslinux').mkdir(parents=True)
    (deep / 'syslinux' / 'syslinux.cfg').write_text('LABEL x\nLINUX vmlinuz\n')
    (tmp_path / 'isolinux').mkdir()
    (tmp_path / 'isolinux' / 'isolinux.cfg').write_text('LABEL x\nLINUX vmlinuz\n')
    for index in range(5):
        (tmp_path / ('script%d' % index)).write_text('#!ipxe\n')
    medium = DirectoryMedium(str(tmp_path), writable=False)
    assert len(bc.discover(medium)) == 7
    monkeypatch.setattr(bc, 'MAX_DEPTH', 3)
    monkeypatch.setattr(bc, 'MAX_SNIFF', 2)
    notes = []
    found = [p for p, _fmt in bc.discover(medium, notes)]
    assert found == ['script0', 'script1', 'isolinux/isolinux.cfg']
    assert any('3 directory levels' in n and 'd1/d2/d3/syslinux' in n for n in notes)
    assert any('3 were not read' in n and 'script2' in n for n in notes)
    monkeypatch.setattr(bc, 'MAX_DEPTH', 8)
    monkeypatch.setattr(bc, 'MAX_LISTINGS', 2)
    notes = []
    found = [p for p, _fmt in bc.discover(medium, notes)]
    assert 'isolinux/isolinux.cfg' not in found or 'd1/d2/d3/syslinux/syslinux.cfg' not in found
    assert any('stopped after listing 2 directories' in n for n in notes)


def test_explicit_additions_are_harmless(tmp_path):
    """A caller's own list (linuxrc adds boot/<arch>/loader/isolinux.cfg) never doubles a config the walk found."""
    medium = _layout(tmp_path, 'suse')
    found = bc.discover(medium, also=[('boot/x86_64/loader/isolinux.cfg', 'syslinux'), ('extra.cfg', 'syslinux')])
    assert [p for p, _fmt in found].count('boot/x86_64/loader/isolinux.cfg') == 1
    assert found[-1] == ('extra.cfg', 'syslinux')


def test_systemd_boot_efi_entry_is_not_linux():
    entries = readers.read_entries('bls', 'title M\nefi /memtest.efi\n')
    assert entries and not entries[0].linux


# -- property: generated trees -----------------------------------------------------------------
_DIR_NAMES = st.sampled_from(['x86_64', 'aarch64', 'LiveOS', 'live', 'casper', 'sysrescue.d', 'autorun', 'sysresccd',
                              'boot', 'loader', 'EFI', 'lost+found', '.git', 'srv', 'a b', 'multiboot'])
_FILES = st.sampled_from(['syslinux.cfg', 'isolinux.cfg', 'extlinux.conf', 'grub.cfg', 'menu.ipxe', 'x.srm',
                          'airootfs.sfs', 'squashfs.img', 'notes.txt', 'vmlinuz'])
CONFIG_NAMES = ('syslinux.cfg', 'isolinux.cfg', 'extlinux.conf', 'grub.cfg', 'menu.ipxe')


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(_DIR_NAMES, max_size=bc.MAX_DEPTH), _FILES), min_size=1, max_size=12))
def test_generated_trees_every_config_is_found(placed):
    """The consumers read a config from whatever directory they are pointed at: syslinux from the directory it
    was installed into (``syslinux --directory``, SUSE's boot/x86_64/loader/), GRUB from any ``configfile``
    path, iPXE from any script it chains; nothing in their sources ties a config to a directory name, and SRMs or
    a root image beside it change nothing. So every file named like a config (syslinux.cfg, isolinux.cfg,
    extlinux.conf, grub.cfg, *.ipxe) within MAX_DEPTH directory levels must be found, whatever the directories
    are called and whatever lies beside them."""
    with tempfile.TemporaryDirectory() as root:
        expected = set()
        for dirs, name in placed:
            directory = os.path.join(root, *dirs)
            if os.path.isfile(directory) or any(os.path.isfile(os.path.join(root, *dirs[:i + 1]))
                                                for i in range(len(dirs))):
                continue
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, name)
            if os.path.isdir(path):
                continue
            with open(path, 'w') as handle:
                handle.write('#!ipxe\n' if name.endswith('.ipxe') else 'x\n')
            if name in CONFIG_NAMES:
                expected.add('/'.join(dirs + [name]))
        notes = []
        found = set(p for p, _fmt in bc.discover(DirectoryMedium(root, writable=False), notes))
        assert expected <= found
        assert found <= expected  # nothing but configs
        assert notes == []
