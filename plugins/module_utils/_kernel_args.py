# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tokenise a kernel command line and edit it by key, keeping every other byte.

A command line is split into tokens separated by whitespace. The text between tokens is
kept exactly as it is, so that an edit touches only the tokens it adds, replaces or removes.
The key of a token is its (unquoted) text before the first ``=``; a token without ``=`` is a
bare flag. Keys are compared whole: ``loadsrm`` never matches ``noloadsrm`` or ``loadsrm_x``.

Dialects say how quotes work in the text as it is written in a file:

``kernel``
    syslinux ``APPEND``, systemd-boot ``options``, plain command-line files: only double quotes
    group words (``key="a b"``), as the kernel's own parser does; backslashes are ordinary.
``shell``
    GRUB command lines: single and double quotes, and backslash escapes.
``shell-dq``
    A GRUB command line written inside a double-quoted string, such as the body of
    ``eval "..."``: ``\\"`` and ``\\\\`` are the quote and backslash of the inner level.
``ipxe``
    iPXE command lines. iPXE splits a line at whitespace only, has no quotes and no escapes, and hands
    the words after the image to the kernel joined by single spaces (``concat_args`` in its
    ``core/exec.c``): so the kernel reads them as in ``kernel``, double quotes grouping words.
``words``
    ``/proc/cmdline`` as SystemRescue's Lua configuration reader splits it: whitespace-separated
    words, quotes are ordinary characters (``rootpass="a b"`` gives ``rootpass="a`` and ``b"``).

Every argument the collection writes goes through :func:`quote`, the one place that knows how each
language must spell an argument so that the kernel receives it unchanged, and which arguments a
language cannot carry at all (refused with a message that says why):

* the kernel (syslinux ``APPEND``, systemd-boot, command-line files): no double quote inside a value
  (the kernel's parser, ``next_arg`` in ``lib/cmdline.c``, has no escape for it); a value with
  whitespace, or an empty one, in double quotes. The kernel's ``isspace`` also takes the byte 0xa0 for
  a space, which UTF-8 uses inside characters such as U+00E0: such a value is quoted too.
* GRUB: a word in single quotes when it holds anything but letters, digits and ``-_.,:/=+@%^~#`` or
  starts with ``#`` (``$`` would be expanded, ``;`` ``|`` ``&`` ``<`` ``>`` ``{`` ``}`` end the word,
  ``#`` at its start begins a comment, ``*`` ``?`` ``[`` are wildcards once ``regexp`` is loaded); no
  ``'``, ``"`` or ``\\``, because GRUB hands these to the kernel with a backslash in front of each
  (``grub_create_loader_cmdline`` in ``grub-core/lib/cmdline.c``), so the kernel would not receive the
  value written; and no byte 0xa0 in an argument without a plain
  space (GRUB quotes an argument for the kernel only when it holds a space). Inside ``eval "..."`` the
  ``$`` of the single quoted word is escaped again for the double-quoted string.
* iPXE: as for the kernel, and no word (a run between spaces) that starts with ``#`` (iPXE ignores the
  rest of the line), that is ``||``, ``&&`` or ``;`` (iPXE starts a new command), that holds ``${``
  followed by ``}`` (iPXE replaces it with a setting and has no escape), that ends in a backslash
  (iPXE joins the next line to it), and no whitespace but single spaces inside quotes (iPXE joins
  the words with one space).
* every language: no control characters (line breaks, tabs, NUL) and only text that is valid UTF-8.

An edit works on one or several *segments* (several ``options`` lines of one boot entry, for
example): the first occurrence of a key is replaced in place, later duplicates are removed, a
new argument goes after the last token of the last segment.

The collection's one tokenizer of command lines: the boot config editor (``_bootcfg``) and the model
of SystemRescue's reader (``_sysrescue``) both read with it, so it sits below both, with the shared
primitives.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import functools
import re

from ansible_collections.rescuefleet.media.plugins.module_utils._errors import RescueFleetError

DIALECTS = ('kernel', 'shell', 'shell-dq', 'ipxe')  # the ones a command line can be edited in
READ_DIALECTS = DIALECTS + ('words',)
WHITESPACE = ' \t\r\n\v\f'
# the characters a GRUB word may hold without quotes (anything else is written in single quotes)
# (# starts a comment only at the start of a word)
GRUB_PLAIN = frozenset('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=+@%^~#')
# what GRUB 2.06 and later pass to the kernel with a backslash in front (grub-core/lib/cmdline.c)
GRUB_ESCAPED = '\'"\\'
# the byte the kernel's isspace() counts as a space besides ASCII whitespace (lib/ctype.c: 160 is _S|_SP);
# UTF-8 uses it inside many characters (U+00A0, U+00E0 "a with grave", ...)
NBSP_BYTE = b'\xa0'
# iPXE words that end a command (core/exec.c, command_terminator)
IPXE_TERMINATORS = ('||', '&&', ';')
# dialects in which only double quotes group words and a backslash is an ordinary character
_KERNEL_QUOTING = ('kernel', 'ipxe', 'words')
_KERNEL_WORD = re.compile('[^%s]+' % re.escape(WHITESPACE))
_CONTROL = re.compile('[\x00-\x1f\x7f]')
_SPACE = re.compile('[%s]' % re.escape(WHITESPACE))
_GRUB_PLAIN_CHARS = ''.join(sorted(GRUB_PLAIN))


class KernelArgsError(RescueFleetError):
    """An argument cannot be written in this command line; the message says why."""


class Token:
    """One argument: ``start``/``end`` index the text it was read from."""

    __slots__ = ('start', 'end', 'raw', 'key', 'value')

    def __init__(self, start, end, raw, key, value):
        self.start = start
        self.end = end
        self.raw = raw
        self.key = key
        self.value = value

    def __repr__(self):
        return 'Token(%r, %r, key=%r, value=%r)' % (self.start, self.end, self.key, self.value)


def _units(text, dialect):
    """``[(start, end, char)]``: the characters of the level that splits words.

    For ``shell-dq`` an escape ``\\x`` of the enclosing double-quoted string is one unit whose
    character is ``x``; otherwise every character is its own unit.
    """
    if dialect not in READ_DIALECTS:
        raise KernelArgsError('unknown command line dialect %r' % (dialect,))
    units = []
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        if dialect == 'shell-dq' and char == '\\' and i + 1 < length and text[i + 1] in '"\\$`\n':
            units.append((i, i + 2, text[i + 1]))
            i += 2
            continue
        units.append((i, i + 1, char))
        i += 1
    return units


def _decode(chars, dialect):
    """The argument as the kernel receives it: quotes removed, shell escapes applied."""
    if dialect == 'words':
        return ''.join(chars)
    out = []
    quote = None
    i = 0
    while i < len(chars):
        char = chars[i]
        if dialect in _KERNEL_QUOTING:
            if char != '"':
                out.append(char)
            i += 1
            continue
        if quote == "'":
            if char == "'":
                quote = None
            else:
                out.append(char)
        elif char == '\\' and i + 1 < len(chars):
            i += 1
            out.append(chars[i])
        elif quote == '"':
            if char == '"':
                quote = None
            else:
                out.append(char)
        elif char in '"\'':
            quote = char
        else:
            out.append(char)
        i += 1
    return ''.join(out)


def tokenize(text, dialect='kernel'):
    """The tokens of ``text``; whitespace inside quotes does not split a token."""
    return _scan(text, dialect)[0]


def check_balanced(text, dialect='kernel'):
    """Refuse a command line that ends inside a quote: an edit would land inside the quoted text, so
    the argument would never be found again (and a run would add it anew every time)."""
    open_quote = _scan(text, dialect)[1]
    if open_quote:
        raise KernelArgsError('the command line %r has a %s quote that is never closed; fix the line (close or '
                              'remove the quote) so that its arguments can be edited safely; nothing was changed'
                              % (text.strip(), 'double' if open_quote == '"' else 'single'))


def _scan(text, dialect):
    """``(tokens, quote left open at the end or None)``."""
    units = _units(text, dialect)
    tokens = []
    current = None  # index into units where the token started
    quote = None
    escaped = False
    for index, (_start, _end, char) in enumerate(units):
        if current is None:
            if char in WHITESPACE:
                continue
            current = index
        if dialect == 'words':
            if char in WHITESPACE:
                tokens.append(_make_token(text, units[current:index], dialect))
                current = None
            continue
        if escaped:
            escaped = False
            continue
        if quote:
            if char == quote:
                quote = None
            elif char == '\\' and quote == '"' and dialect not in _KERNEL_QUOTING:
                escaped = True
            continue
        if char == '\\' and dialect not in _KERNEL_QUOTING:
            escaped = True
        elif char == '"' or (char == "'" and dialect not in _KERNEL_QUOTING):
            quote = char
        elif char in WHITESPACE:
            tokens.append(_make_token(text, units[current:index], dialect))
            current = None
    if current is not None:
        tokens.append(_make_token(text, units[current:], dialect))
    return tokens, quote


def _make_token(text, units, dialect):
    start, end = units[0][0], units[-1][1]
    decoded = _decode([u[2] for u in units], dialect)
    key, sep, value = decoded.partition('=')
    return Token(start, end, text[start:end], key, value if sep else True)


def value_matches(token_value, wanted):
    """Whether an existing value satisfies ``wanted`` (``True`` = bare flag)."""
    if wanted is True:
        return token_value is True
    return token_value is not True and token_value == wanted


def check_key(key):
    if not isinstance(key, str) or not key:
        raise KernelArgsError('an argument name must be a non-empty string, not %r' % (key,))
    for char in key:
        if char in WHITESPACE or char in '="\'\\':
            raise KernelArgsError('argument name %r must not contain whitespace, "=", quotes or backslashes' % (key,))


def render(key, value, dialect='kernel'):
    """The text of a new argument ``key`` (``value`` ``True`` = bare flag) in ``dialect``."""
    check_key(key)
    if value is True:
        return quote(key, dialect)
    return quote('%s=%s' % (key, value), dialect)


def argument_text(token):
    """A token as the kernel receives it (``key=value`` with quotes removed, or the bare ``key``)."""
    return token.key if token.value is True else '%s=%s' % (token.key, token.value)


def _name_of(argument):
    """How a message names an argument: its key only, since the value may be a password."""
    key = argument.partition('=')[0]
    return repr(key) if key else 'an argument without a name'


def _check_text(argument):
    try:
        argument.encode('utf-8')
    except UnicodeEncodeError:
        raise KernelArgsError('the argument %s is not valid UTF-8 text; write it as UTF-8' % _name_of(argument)) \
            from None
    bad = sorted(set(_CONTROL.findall(argument)))
    if bad:
        raise KernelArgsError('the argument %s holds a control character (%s): a boot entry is one line of text '
                              'without tabs, line breaks or NUL; leave it out'
                              % (_name_of(argument), ', '.join('0x%02x' % ord(c) for c in bad)))


def quote(argument, dialect='kernel'):
    """``argument`` (as the kernel should receive it: ``key=value`` or a bare word, quotes removed) written
    in ``dialect`` so that the kernel receives exactly that; :class:`KernelArgsError` saying why when the
    language cannot carry it. The one place that knows each language's quoting (see the module docstring)."""
    if dialect not in DIALECTS:
        raise KernelArgsError('unknown command line dialect %r' % (dialect,))
    _check_text(argument)
    if argument == '':
        raise KernelArgsError('an empty argument ("" on its own) is passed to the kernel by some boot loaders and '
                              'dropped by others (GRUB); leave it out')
    key, sep, value = argument.partition('=')
    if dialect in _KERNEL_QUOTING:
        if '"' in argument:
            raise KernelArgsError('the argument %s holds a double quote, which a kernel command line cannot carry '
                                  '(the kernel has no escape for it); leave it out' % _name_of(argument))
        if argument and not _kernel_space(argument) and not (sep and value == ''):
            text = argument
        elif sep and key and not _kernel_space(key):
            text = '%s="%s"' % (key, value)
        else:
            text = '"%s"' % argument
        if dialect == 'ipxe':
            _check_ipxe(text, argument)
        return text
    escaped = sorted(set(c for c in argument if c in GRUB_ESCAPED))
    if escaped:
        raise KernelArgsError('the argument %s holds %s, which GRUB hands to the kernel with a backslash in front '
                              '(grub_create_loader_cmdline), so the kernel would not receive it as written; leave '
                              'it out of arguments for GRUB' % (_name_of(argument), ' and '.join(escaped)))
    if NBSP_BYTE in argument.encode('utf-8') and ' ' not in argument:
        raise KernelArgsError('the argument %s holds a character whose UTF-8 bytes include 0xa0, which the kernel '
                              'reads as a space (lib/ctype.c), and GRUB puts an argument in double quotes only when '
                              'it holds a plain space; leave that character out of arguments for GRUB'
                              % _name_of(argument))
    if _grub_plain(argument):
        text = argument
    elif sep and _grub_plain(key):
        text = "%s='%s'" % (key, value)
    else:
        text = "'%s'" % argument
    if dialect == 'shell-dq':
        text = text.replace('$', '\\$')  # inside eval "...": the double-quoted string would expand it first
    return text


def _kernel_space(text):
    """Whether the kernel would split ``text`` outside quotes: ASCII whitespace, or the byte 0xa0 (a space
    in the Latin-1 table of the kernel's isspace, lib/ctype.c) anywhere in its UTF-8 encoding."""
    return _SPACE.search(text) is not None or NBSP_BYTE in text.encode('utf-8')


def _grub_plain(text):
    return bool(text) and not text.startswith('#') and not text.strip(_GRUB_PLAIN_CHARS)


def _check_ipxe(text, argument):
    """Refuse an argument whose iPXE spelling ``text`` iPXE would not hand to the kernel as it is."""
    name = _name_of(argument)
    for word in text.split(' '):
        if word == '':
            raise KernelArgsError('the argument %s holds a run of spaces inside quotes, which iPXE joins into one '
                                  'space (it splits at whitespace and joins the words with single spaces); use '
                                  'single spaces' % name)
        if word.startswith('#'):
            raise KernelArgsError('the argument %s holds a word starting with #, where iPXE ignores the rest of the '
                                  'line as a comment; leave the # out' % name)
        if word in IPXE_TERMINATORS:
            raise KernelArgsError('the argument %s holds the word %s, where iPXE starts a new command; leave it out'
                                  % (name, word))
        start = word.find('${')
        if start >= 0 and '}' in word[start + 2:]:
            raise KernelArgsError('the argument %s holds ${...}, which iPXE replaces with the value of a setting '
                                  'and cannot escape; leave it out of arguments for iPXE' % name)
    if text.endswith('\\'):
        raise KernelArgsError('the argument %s ends in a backslash, which makes iPXE join the next line to it; '
                              'leave it out' % name)


def write(text, dialect):
    """The command line ``text`` (as a user writes one: double quotes group words) rewritten for ``dialect``,
    every argument quoted by :func:`quote`, separated by single spaces."""
    if '"' in text:
        check_balanced(text)
        words = [argument_text(token) for token in tokenize(text)]
    else:
        # the kernel's reading of a line without a double quote: its words between whitespace, as they are (the
        # same as tokenize's, without scanning it character by character: tens of thousands of PXE clients)
        words = _KERNEL_WORD.findall(text)
    return ' '.join(quote(word, dialect) for word in words)


@functools.lru_cache(maxsize=256)
def _write_part(text, dialect):
    return write(text, dialect)


def write_parts(parts, dialect):
    """``write(' '.join(parts), dialect)``, each part written on its own: a part every command line of a run shares
    (the site's arguments) is written once, not once per client of tens of thousands (a bounded cache keeps the
    parts used most recently). The same result: in the kernel's reading a space outside quotes ends a word, so a
    line of parts that each close their quotes has the words of its parts, in order. When a part cannot be written
    on its own (a quote it leaves open, a word a loader refuses), the whole line is written as one, so the outcome
    and its message are the whole line's."""
    try:
        written = [_write_part(part, dialect) for part in parts]
    except KernelArgsError:
        return write(' '.join(parts), dialect)
    return ' '.join(text for text in written if text)


def get(text, key, dialect='kernel'):
    """Value of the last occurrence of ``key`` (the one the kernel uses): ``True`` for a bare
    flag, a string, or ``None`` when absent."""
    found = None
    for token in tokenize(text, dialect):
        if token.key == key:
            found = token.value
    return found


class Segment:
    """One stretch of command line inside a file.

    ``after_word`` says that the text directly follows a word (a kernel path or a keyword), so a
    first argument needs a separating space even when the text is empty.
    """

    def __init__(self, text, dialect='kernel', after_word=False):
        self.text = text
        self.dialect = dialect
        self.after_word = after_word
        self.tokens = tokenize(text, dialect)


def edit_segments(segments, changes, present=None):
    """Apply ``changes`` to ``segments``; returns the new texts, one per segment.

    ``changes`` maps a key to ``True`` (bare flag), a string (``key=value``), or ``False``/``None``
    (remove every occurrence). Keys are applied in the order given. ``present`` optionally maps a key
    to a predicate on existing values: when the first occurrence satisfies it, it is kept as it is
    (so ``loadsrm=yes`` counts as enabled).
    """
    present = present or {}
    if not segments:
        raise KernelArgsError('nothing to edit')
    for segment in segments:
        check_balanced(segment.text, segment.dialect)
    # per segment: {token index: replacement text or None (drop)}; appended texts at the end
    replace = [dict() for dummy in segments]
    appended = []
    for key, wanted in changes.items():
        check_key(key)
        hits = [(s, t) for s, seg in enumerate(segments) for t, tok in enumerate(seg.tokens) if tok.key == key]
        if wanted is False or wanted is None:
            for s, t in hits:
                replace[s][t] = None
            continue
        if hits:
            s, t = hits[0]
            token = segments[s].tokens[t]
            accept = present.get(key)
            if not (accept(token.value) if accept else value_matches(token.value, wanted)):
                replace[s][t] = render(key, wanted, segments[s].dialect)
            for s, t in hits[1:]:
                replace[s][t] = None
        else:
            appended.append(render(key, wanted, segments[-1].dialect))
    return _rebuild_all(segments, replace, appended)


def replace_tokens(segments, replacements, appended=()):
    """The new texts of ``segments`` with tokens replaced or dropped, every other byte kept.

    ``replacements`` maps ``(segment index, token index)`` to the new text of that token (which may
    hold several arguments) or ``None`` to drop it; ``appended`` texts go after the last token of the
    last segment. For edits that are not one value per key, such as linuxrc's ``extend=`` list.
    """
    if not segments:
        raise KernelArgsError('nothing to edit')
    for segment in segments:
        check_balanced(segment.text, segment.dialect)
    replace = [dict() for dummy in segments]
    for (seg_index, token_index), new in replacements.items():
        replace[seg_index][token_index] = new
    return _rebuild_all(segments, replace, list(appended))


def _rebuild_all(segments, replace, appended):
    out = []
    for index, seg in enumerate(segments):
        extra = appended if index == len(segments) - 1 else []
        out.append(_rebuild(seg, replace[index], extra))
    return out


def _rebuild(seg, replace, appended):
    text = seg.text
    tokens = seg.tokens
    pieces = []
    pos = 0
    mark = None  # length of the output right after the last kept token
    for index, token in enumerate(tokens):
        new = replace.get(index, token.raw)
        if new is not None:
            pieces.append(text[pos:token.start])
            pieces.append(new)
            pos = token.end
            mark = sum(len(p) for p in pieces)
            continue
        later = _has_later(tokens, index, replace)
        ws_start = token.start
        while ws_start > pos and text[ws_start - 1] in WHITESPACE:
            ws_start -= 1
        if ws_start < token.start and (ws_start > 0 or seg.after_word or not later):
            # drop the token with the whitespace before it
            pieces.append(text[pos:ws_start])
            pos = token.end
        else:
            # first token of a text that follows nothing: drop the whitespace after it instead
            pieces.append(text[pos:token.start])
            end = token.end
            if later:
                while end < len(text) and text[end] in WHITESPACE:
                    end += 1
            pos = end
    pieces.append(text[pos:])
    out = ''.join(pieces)
    if not appended:
        return out
    addition = ' '.join(appended)
    if mark is None:
        mark = 0
        if seg.after_word:
            addition = ' ' + addition
    else:
        addition = ' ' + addition
    return out[:mark] + addition + out[mark:]


def _has_later(tokens, index, replace):
    return any(replace.get(i, '') is not None for i in range(index + 1, len(tokens)))


def edit(text, changes, dialect='kernel', after_word=False, present=None):
    """:func:`edit_segments` for one command line; returns the new text."""
    return edit_segments([Segment(text, dialect, after_word)], changes, present)[0]


def set_arg(text, key, value=True, dialect='kernel', after_word=False):
    """Set ``key`` (``True`` = bare flag): replace the first occurrence in place, drop later ones,
    or append it after the last argument."""
    return edit(text, {key: value}, dialect, after_word)


def remove_arg(text, key, dialect='kernel', after_word=False):
    """Remove every occurrence of ``key``."""
    return edit(text, {key: None}, dialect, after_word)
