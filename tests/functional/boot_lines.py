# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How boot loaders hand a boot entry's line to the kernel, and how the kernel splits it: a model written
for the tests from the loaders' and the kernel's own sources, independent of the collection's readers.

* Linux, ``lib/cmdline.c`` ``next_arg``: arguments end at whitespace outside double quotes; a leading
  quote of the argument and of its value is dropped with the closing one; there is no escape. Its
  ``isspace`` (``lib/ctype.c``) also takes the byte 0xa0 for a space.
* GRUB 2.06, ``grub-core/lib/cmdline.c`` ``grub_create_loader_cmdline`` (checked in Debian's
  ``linux.mod``): each word in double quotes when it holds a space, a backslash before every ``\\``,
  ``'`` and ``"``, words joined by single spaces. Words as the GRUB manual's "Shell-like scripting"
  describes them; this model refuses what it does not model (``$`` expansion, unquoted
  metacharacters and wildcards), so that a writer relying on those fails the test.
* iPXE, ``image/script.c`` and ``core/exec.c``: lines (a trailing backslash joins the next), an
  optional ``:label``, words split at whitespace with no quotes or escapes, a word starting with ``#``
  ends the line, the words ``||``, ``&&`` and ``;`` end a command, ``${...}`` is replaced by a setting
  (this model refuses it), and the image's arguments are joined by single spaces (``concat_args``).
* syslinux, ``com32/menu/readconfig.c``: ``APPEND`` takes the rest of its line as it is.
"""

from __future__ import annotations

KERNEL_SPACE = b' \t\n\v\f\r\xa0'
GRUB_METACHARACTERS = '{}|&$;<>'
GRUB_WILDCARDS = '*?['
IPXE_SPACE = ' \t\n\v\f\r'


class NotModelled(Exception):
    """The text relies on something these models refuse to guess (an expansion, a wildcard)."""


# -- Linux ----------------------------------------------------------------------------------------

def kernel_arguments(data):
    """The arguments of a command line (bytes) as ``next_arg`` gives them: ``['key=value' or 'flag']``."""
    out = []
    pos = 0
    length = len(data)
    while pos < length and data[pos] in KERNEL_SPACE:
        pos += 1
    while pos < length:
        quoted = data[pos:pos + 1] == b'"'
        if quoted:
            pos += 1
        in_quote = quoted
        end = pos
        equals = None
        while end < length:
            char = data[end]
            if char in KERNEL_SPACE and not in_quote:
                break
            if equals is None and char == ord('='):
                equals = end - pos
            if char == ord('"'):
                in_quote = not in_quote
            end += 1
        token = bytearray(data[pos:end])
        value_start = None
        if equals is not None:
            token[equals] = 0
            value_start = equals + 1
            if value_start < len(token) and token[value_start] == ord('"'):
                value_start += 1
                if token and token[-1] == ord('"'):
                    token[-1] = 0
        if quoted and token and token[-1] == ord('"'):
            token[-1] = 0
        param = bytes(token).split(b'\0', 1)[0]
        if value_start is None:
            out.append(param.decode('utf-8', 'surrogateescape'))
        else:
            value = bytes(token[value_start:]).split(b'\0', 1)[0]
            out.append((param + b'=' + value).decode('utf-8', 'surrogateescape'))
        pos = end + 1 if end < length else end
        while pos < length and data[pos] in KERNEL_SPACE:
            pos += 1
    return out


# -- GRUB -----------------------------------------------------------------------------------------

def grub_words(line):
    """The words of one GRUB command line, quotes removed and escapes applied."""
    words = []
    current = None
    i = 0
    length = len(line)
    while i < length:
        char = line[i]
        if char in ' \t':
            if current is not None:
                words.append(current)
                current = None
            i += 1
            continue
        if current is None:
            if char == '#':
                break
            current = ''
        if char == '\\':
            if i + 1 < length and line[i + 1] != '\n':
                current += line[i + 1]
            i += 2
        elif char == "'":
            end = line.index("'", i + 1)
            current += line[i + 1:end]
            i = end + 1
        elif char == '"':
            i += 1
            while line[i] != '"':
                if line[i] == '$':
                    raise NotModelled('$ inside double quotes is expanded: %r' % line)
                if line[i] == '\\' and line[i + 1] in '$"\\\n':
                    i += 1
                current += line[i]
                i += 1
            i += 1
        elif char in GRUB_METACHARACTERS or char in GRUB_WILDCARDS:
            raise NotModelled('unquoted %r in a GRUB word: %r' % (char, line))
        else:
            current += char
            i += 1
    if current is not None:
        words.append(current)
    return words


def grub_double_quoted(body):
    """The text a GRUB double-quoted string stands for (``\\$``, ``\\"``, ``\\\\``, backslash-newline)."""
    out = []
    i = 0
    while i < len(body):
        if body[i] == '$':
            raise NotModelled('$ in the string of eval is expanded')
        if body[i] == '\\' and i + 1 < len(body) and body[i + 1] in '$"\\\n':
            if body[i + 1] != '\n':
                out.append(body[i + 1])
            i += 2
            continue
        out.append(body[i])
        i += 1
    return ''.join(out)


def grub_loader_cmdline(words):
    """``grub_create_loader_cmdline`` of GRUB 2.06 over the arguments of ``linux`` (bytes)."""
    out = []
    for word in words:
        data = word.encode('utf-8', 'surrogateescape')
        escaped = b''.join(b'\\' + bytes([c]) if c in b'\\\'"' else bytes([c]) for c in data)
        out.append(b'"' + escaped + b'"' if b' ' in data else escaped)
    return b' '.join(out)


def grub_linux_arguments(text):
    """``[[argument, ...]]``: what the kernel receives from each ``linux`` line of a GRUB script, the
    strings of ``eval "..."`` evaluated first."""
    body, outside = _eval_body(text)
    lines = [line.strip() for line in outside.splitlines()]
    if body is not None:
        lines.extend(line.strip() for line in grub_double_quoted(body).splitlines())
    found = []
    for line in lines:
        if line.startswith(('linux ', 'linux\t')):
            words = grub_words(line)
            found.append(kernel_arguments(grub_loader_cmdline(words[2:])))
    return found


def _eval_body(text):
    """``(the string of the one eval "..." or None, the text without that command)``."""
    start = text.find('eval "')
    if start < 0:
        return None, text
    i = start + len('eval "')
    while text[i] != '"':
        i += 2 if text[i] == '\\' else 1
    return text[start + len('eval "'):i], text[:start] + text[i + 1:]


# -- iPXE -----------------------------------------------------------------------------------------

def ipxe_commands(text):
    """``[[word, ...]]``: the commands of an iPXE script as it executes them (labels dropped)."""
    commands = []
    pending = ''
    for raw in text.split('\n'):
        line = pending + raw
        pending = ''
        line = line[:-1] if line.endswith('\r') else line
        if line.endswith('\\'):
            pending = line[:-1]
            continue
        rest = line.lstrip(IPXE_SPACE)
        if rest.startswith(':'):
            end = 1
            while end < len(rest) and rest[end] not in IPXE_SPACE:
                end += 1
            rest = rest[end:]
        words = []
        for word in _split(rest, IPXE_SPACE):
            if word.startswith('#'):
                break
            if word in ('||', '&&', ';'):
                commands.append(words)
                words = []
                continue
            start = word.find('${')
            if start >= 0 and '}' in word[start + 2:]:
                raise NotModelled('iPXE would expand %r' % word)
            words.append(word)
        commands.append(words)
    return [command for command in commands if command]


def _split(text, spaces):
    words = []
    current = ''
    for char in text:
        if char in spaces:
            if current:
                words.append(current)
            current = ''
        else:
            current += char
    if current:
        words.append(current)
    return words


def ipxe_kernel_arguments(text):
    """``[[argument, ...]]``: what the kernel receives from each ``kernel`` command of an iPXE script."""
    found = []
    for words in ipxe_commands(text):
        if words[0] == 'kernel':
            rest = words[1:]
            while rest and rest[0].startswith('-'):
                rest = rest[2:] if rest[0] in ('--name', '-n', '--timeout', '-t') else rest[1:]
            found.append(kernel_arguments(' '.join(rest[1:]).encode('utf-8', 'surrogateescape')))
    return found


# -- syslinux -------------------------------------------------------------------------------------

def syslinux_append_arguments(text):
    """``[[argument, ...]]``: what the kernel receives from each ``APPEND`` line (the rest of the line)."""
    found = []
    for line in text.splitlines():
        stripped = line.lstrip(' \t')
        if stripped[:6].lower() == 'append':
            found.append(kernel_arguments(stripped[6:].lstrip(' \t').encode('utf-8', 'surrogateescape')))
    return found
