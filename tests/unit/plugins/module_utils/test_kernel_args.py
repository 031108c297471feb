# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import re

import pytest

from ansible_collections.rescuefleet.media.plugins.module_utils._sysrescue.reader import is_true
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.rescuefleet.media.plugins.module_utils import _kernel_args as ka


def toks(text, dialect='kernel'):
    return [(t.raw, t.key, t.value) for t in ka.tokenize(text, dialect)]


@pytest.mark.parametrize('text, dialect, expected', [
    ('', 'kernel', []),
    ('  \t ', 'kernel', []),
    ('a b=c', 'kernel', [('a', 'a', True), ('b=c', 'b', 'c')]),
    ('\ta\t\tb \r', 'kernel', [('a', 'a', True), ('b', 'b', True)]),
    ('x="a b" y', 'kernel', [('x="a b"', 'x', 'a b'), ('y', 'y', True)]),
    ('x=a=b', 'kernel', [('x=a=b', 'x', 'a=b')]),
    ('x=', 'kernel', [('x=', 'x', '')]),
    # the kernel has no single quotes and no backslash escapes
    ("x='a b'", 'kernel', [("x='a", 'x', "'a"), ("b'", "b'", True)]),
    ('x=a\\ b', 'kernel', [('x=a\\', 'x', 'a\\'), ('b', 'b', True)]),
    # GRUB/iPXE words
    ("x='a b' y", 'shell', [("x='a b'", 'x', 'a b'), ('y', 'y', True)]),
    ('x=a\\ b', 'shell', [('x=a\\ b', 'x', 'a b')]),
    ('$archiso_param iomem=relaxed', 'shell',
     [('$archiso_param', '$archiso_param', True), ('iomem=relaxed', 'iomem', 'relaxed')]),
    ('"loadsrm"', 'shell', [('"loadsrm"', 'loadsrm', True)]),
    # inside eval "...": \" is the quote of the inner level
    ('x=\\"a b\\" y', 'shell-dq', [('x=\\"a b\\"', 'x', 'a b'), ('y', 'y', True)]),
    ("x='a b'", 'shell-dq', [("x='a b'", 'x', 'a b')]),
])
def test_tokenize(text, dialect, expected):
    assert toks(text, dialect) == expected


def test_token_positions_cover_raw_text():
    text = ' a  b="c d"\tee '
    for token in ka.tokenize(text):
        assert text[token.start:token.end] == token.raw


@pytest.mark.parametrize('text, expected', [
    ('noloadsrm loadsrm_x=1 xloadsrm', 'noloadsrm loadsrm_x=1 xloadsrm loadsrm'),
    ('a loadsrm=n b', 'a loadsrm b'),
    ('loadsrm=n a loadsrm=y loadsrm', 'loadsrm a'),
    ('a loadsrm b', 'a loadsrm b'),
    ('a\tb  ', 'a\tb loadsrm  '),
    ('', 'loadsrm'),
    ('"loadsrm=n" a', 'loadsrm a'),
])
def test_set_bare_flag(text, expected):
    assert ka.set_arg(text, 'loadsrm') == expected


@pytest.mark.parametrize('text, expected', [
    ('a loadsrm b', 'a b'),
    ('loadsrm a', 'a'),
    ('a loadsrm', 'a'),
    ('loadsrm', ''),
    ('a loadsrm=1 b loadsrm c', 'a b c'),
    ('noloadsrm loadsrm_x', 'noloadsrm loadsrm_x'),
    ('a\t\tloadsrm\tb\n', 'a\tb\n'),
    ('  loadsrm a', '  a'),
])
def test_remove(text, expected):
    assert ka.remove_arg(text, 'loadsrm') == expected


def test_after_word_keeps_the_separator():
    assert ka.set_arg('', 'loadsrm', after_word=True) == ' loadsrm'
    assert ka.remove_arg(' loadsrm', 'loadsrm', after_word=True) == ''
    assert ka.remove_arg(' loadsrm a', 'loadsrm', after_word=True) == ' a'
    # trailing whitespace stays after the new argument
    assert ka.set_arg(' ', 'loadsrm', after_word=True) == ' loadsrm '
    assert ka.remove_arg(' loadsrm ', 'loadsrm', after_word=True) == ' '


def test_values_and_quoting():
    assert ka.set_arg('a console=tty0 b console=ttyS0', 'console', 'ttyS1') == 'a console=ttyS1 b'
    assert ka.set_arg('a', 'x', 'a b') == 'a x="a b"'
    assert ka.set_arg('a', 'x', 'a b', dialect='shell') == "a x='a b'"
    assert ka.set_arg('a', 'x', 'a b', dialect='shell-dq') == "a x='a b'"
    assert ka.set_arg('a', 'x', 'a b', dialect='ipxe') == 'a x="a b"'
    # values are literal: GRUB does not expand a $ in single quotes
    assert ka.set_arg('a', 'x', '${net}/c', dialect='shell') == "a x='${net}/c'"
    assert ka.set_arg('a', 'x', '$6$s', dialect='shell-dq') == "a x='\\$6\\$s'"
    # an equal value written differently is left as it is
    assert ka.set_arg('x="a b" c', 'x', 'a b') == 'x="a b" c'
    assert ka.set_arg('x=\\"a b\\"', 'x', 'a b', dialect='shell-dq') == 'x=\\"a b\\"'
    # a bare flag is not the same as an empty value
    assert ka.set_arg('x=', 'x', True) == 'x'
    assert ka.set_arg('x', 'x', '') == 'x=""'


def test_get_returns_last_occurrence():
    assert ka.get('console=tty0 console=ttyS0', 'console') == 'ttyS0'
    assert ka.get('a loadsrm', 'loadsrm') is True
    assert ka.get('noloadsrm', 'loadsrm') is None


def test_present_predicate_keeps_true_values():
    assert ka.edit('loadsrm=yes a', {'loadsrm': True}, present={'loadsrm': is_true}) == 'loadsrm=yes a'
    assert ka.edit('loadsrm=0 a', {'loadsrm': True}, present={'loadsrm': is_true}) == 'loadsrm a'
    assert ka.edit('loadsrm=1.0 loadsrm', {'loadsrm': True}, present={'loadsrm': is_true}) == 'loadsrm=1.0'


@pytest.mark.parametrize('key, value, dialect', [
    ('a b', True, 'kernel'),
    ('a=b', True, 'kernel'),
    ('', True, 'kernel'),
    ('x', 'a\nb', 'shell'),
    ('x', 'a"b', 'kernel'),
    ('x', 'a"b', 'shell'),
    ('x', "a'b", 'shell'),
    ('x', 'a\\b', 'shell-dq'),
    ('x', 'a\tb', 'kernel'),
    ('x', 'a\udc80', 'kernel'),
    ('x', 'a #b', 'ipxe'),
    ('x', 'a || b', 'ipxe'),
    ('x', 'a ; b', 'ipxe'),
    ('x', '${net}', 'ipxe'),
    ('x', 'a  b', 'ipxe'),
    ('x', 'a\\', 'ipxe'),
])
def test_render_refuses(key, value, dialect):
    with pytest.raises(ka.KernelArgsError):
        ka.render(key, value, dialect)


def test_segments_share_keys():
    segs = [ka.Segment(' a loadsrm=n', after_word=True), ka.Segment(' loadsrm b', after_word=True)]
    assert ka.edit_segments(segs, {'loadsrm': True}) == [' a loadsrm', ' b']
    segs = [ka.Segment(' a', after_word=True), ka.Segment(' b', after_word=True)]
    assert ka.edit_segments(segs, {'loadsrm': True, 'c': 'd'}) == [' a', ' b loadsrm c=d']
    segs = [ka.Segment(' loadsrm a', after_word=True), ka.Segment(' loadsrm', after_word=True)]
    assert ka.edit_segments(segs, {'loadsrm': None}) == [' a', '']


# -- properties ---------------------------------------------------------------------------------

WORD = st.text(alphabet='abcdefghijklmnopqrstuvwxyz0123456789_-.,:/$', min_size=1, max_size=8)
SEP = st.text(alphabet=' \t', min_size=1, max_size=3)
EDGE = st.text(alphabet=' \t', max_size=2)


@st.composite
def command_lines(draw, dialect='kernel'):
    """A command line whose tokens never have the key ``loadsrm`` (prefixes and suffixes may)."""
    tokens = []
    for dummy in range(draw(st.integers(0, 6))):
        key = draw(st.one_of(WORD, st.sampled_from(['noloadsrm', 'loadsrm_x', 'xloadsrm', 'loadsrmx'])))
        if key == 'loadsrm':
            key = 'k'
        kind = draw(st.integers(0, 2))
        if kind == 0:
            tokens.append(key)
        elif kind == 1:
            tokens.append('%s=%s' % (key, draw(WORD)))
        else:
            quote = '\\"' if dialect == 'shell-dq' else '"'
            tokens.append('%s=%s%s %s%s' % (key, quote, draw(WORD), draw(WORD), quote))
    text = draw(EDGE)
    for index, token in enumerate(tokens):
        if index:
            text += draw(SEP)
        text += token
    return text + draw(EDGE)


@settings(max_examples=300)
@given(st.data(), st.sampled_from(ka.DIALECTS), st.booleans(), st.sampled_from([True, 'y', 'a b']))
def test_add_then_remove_is_identity(data, dialect, after_word, value):
    text = data.draw(command_lines(dialect))
    if after_word and text and text[0] not in ' \t':
        text = ' ' + text
    added = ka.set_arg(text, 'loadsrm', value, dialect, after_word)
    assert ka.get(added, 'loadsrm', dialect) == value
    assert ka.set_arg(added, 'loadsrm', value, dialect, after_word) == added
    assert [t.raw for t in ka.tokenize(added, dialect) if t.key != 'loadsrm'] == \
        [t.raw for t in ka.tokenize(text, dialect)]
    assert ka.remove_arg(added, 'loadsrm', dialect, after_word) == text


@settings(max_examples=200)
@given(command_lines(), st.lists(st.sampled_from(['loadsrm', 'loadsrm=n', 'loadsrm=1']), min_size=1, max_size=3),
       st.integers(0, 10))
def test_set_and_remove_with_existing_occurrences(text, extra, where):
    tokens = [t.raw for t in ka.tokenize(text)]
    position = min(where, len(tokens))
    tokens[position:position] = extra
    line = ' '.join(tokens)
    enabled = ka.set_arg(line, 'loadsrm')
    assert [t.raw for t in ka.tokenize(enabled)].count('loadsrm') == 1
    assert [t.raw for t in ka.tokenize(enabled)].index('loadsrm') == position
    removed = ka.remove_arg(enabled, 'loadsrm')
    assert ka.get(removed, 'loadsrm') is None
    assert [t.raw for t in ka.tokenize(removed)] == [t.raw for t in ka.tokenize(text)]


# -- one place per language: quote() and write() -----------------------------------------------------

@pytest.mark.parametrize('argument, dialect, text', [
    # the kernel: double quotes around a value with whitespace (or the byte 0xa0 of U+00E0)
    ('x=a b', 'kernel', 'x="a b"'),
    (u'x=\u00e0', 'kernel', u'x="\u00e0"'),
    ("x=it's;$a", 'kernel', "x=it's;$a"),
    ('a b', 'kernel', '"a b"'),
    # GRUB: single quotes around anything but plain characters; the key stays outside when it can
    ('rootcryptpass=$6$s$h', 'shell', "rootcryptpass='$6$s$h'"),
    ('x=a;b', 'shell', "x='a;b'"),
    ('x=a#b', 'shell', 'x=a#b'),
    ('#x=1', 'shell', "'#x=1'"),
    ('a{b}=1', 'shell', "'a{b}=1'"),
    ('x=*.img', 'shell', "x='*.img'"),
    (u'x=\u00fc', 'shell', u"x='\u00fc'"),
    (u'x=\u00e0 b', 'shell', u"x='\u00e0 b'"),
    # inside eval "...": the $ once more for the double-quoted string
    ('x=$a', 'shell-dq', "x='\\$a'"),
    # iPXE: as the kernel reads them, since iPXE hands the words on as they are
    ('x=a b', 'ipxe', 'x="a b"'),
    ('x=a#b', 'ipxe', 'x=a#b'),
    ('x=$a', 'ipxe', 'x=$a'),
    ('x=${a', 'ipxe', 'x=${a'),
    ('x=}${a', 'ipxe', 'x=}${a'),
])
def test_quote_per_language(argument, dialect, text):
    assert ka.quote(argument, dialect) == text
    # and the collection's reader of that language gives the argument back
    assert [ka.argument_text(t) for t in ka.tokenize(text, dialect)] == [argument]


@pytest.mark.parametrize('argument, dialect, message', [
    ('x=a"b', 'kernel', 'double quote'),
    ('x=a"b', 'ipxe', 'double quote'),
    ("x=it's", 'shell', "holds '"),
    ('x=a\\b', 'shell', 'holds \\'),
    (u'x=\u00e0', 'shell', '0xa0'),
    ('x=a\tb', 'kernel', 'control character'),
    ('x=a\nb', 'ipxe', 'control character'),
    ('x=a #b', 'ipxe', 'comment'),
    ('x=a || b', 'ipxe', 'new command'),
    ('x=a && b', 'ipxe', 'new command'),
    ('x=${net0/mac}', 'ipxe', '${...}'),
    ('x=a  b', 'ipxe', 'one space'),
    ('x=a\\', 'ipxe', 'backslash'),
    ('', 'kernel', 'empty argument'),
])
def test_quote_refuses_what_a_language_cannot_carry(argument, dialect, message):
    with pytest.raises(ka.KernelArgsError, match=re.escape(message)) as refused:
        ka.quote(argument, dialect)
    if argument:
        assert "'x'" in str(refused.value) and argument[2:] not in str(refused.value)  # the key, never the value


def test_write_rewrites_a_command_line_for_each_language():
    text = 'a  rootpass="two words" "x=y z" sel=$1;2'
    assert ka.write(text, 'kernel') == 'a rootpass="two words" x="y z" sel=$1;2'
    assert ka.write(text, 'shell') == "a rootpass='two words' x='y z' sel='$1;2'"
    assert ka.write(text, 'ipxe') == 'a rootpass="two words" x="y z" sel=$1;2'
    with pytest.raises(ka.KernelArgsError, match='never closed'):
        ka.write('a "b', 'kernel')


@settings(max_examples=300)
@given(st.text(alphabet=u'ab=$;#\'"\\ {}|&<>*?\u00e0\u00fc', max_size=12), st.sampled_from(ka.DIALECTS))
def test_what_quote_writes_reads_back(argument, dialect):
    """Whatever quote() accepts, the reader of the same dialect gives back as one argument."""
    try:
        text = ka.quote(argument, dialect)
    except ka.KernelArgsError:
        return
    assert [ka.argument_text(t) for t in ka.tokenize(text, dialect)] == [argument]


def _written(call):
    try:
        return call()
    except ka.KernelArgsError as exc:
        return ('refused', str(exc))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet=' a=b"\'\\#$};', max_size=8), max_size=4), st.sampled_from(ka.DIALECTS))
def test_write_parts_is_write_of_the_joined_line(parts, dialect):
    """pxe_hosts writes the parts every client shares once (write_parts): the result, or the refusal and its
    message, is the one of the whole line, also for a part that leaves a quote open for the next to close."""
    assert _written(lambda: ka.write_parts(parts, dialect)) == _written(lambda: ka.write(' '.join(parts), dialect))


def test_write_parts_of_parts_that_close_their_quotes_and_of_one_that_does_not():
    assert ka.write_parts(['a="x y"', 'b=1', ''], 'shell') == ka.write('a="x y" b=1 ', 'shell') == "a='x y' b=1"
    assert ka.write_parts(['a="x', 'y"'], 'kernel') == ka.write('a="x y"', 'kernel') == 'a="x y"'


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=' \t\r\n\v\f\x1c\xa0\u2003a=b\'\\#$};', max_size=16), st.sampled_from(ka.DIALECTS))
def test_write_of_a_line_without_double_quotes_reads_it_as_tokenize_does(text, dialect):
    """write reads a line without a double quote by a plain split at the kernel's whitespace: the words are the
    ones tokenize finds (so the result, or the refusal, is the same)."""
    expected = _written(lambda: ' '.join(ka.quote(ka.argument_text(token), dialect) for token in ka.tokenize(text)))
    assert _written(lambda: ka.write(text, dialect)) == expected
