# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn the README's commands and examples into one bash script, in the order the README shows them.

The test runs what a reader would run, taken from the README itself so that the two cannot drift:
every fenced block whose info string holds the word ``newcomer``. ``sh newcomer`` blocks are
commands; ``yaml newcomer file=PATH`` blocks are files the README asks the reader to save as PATH
(relative to the clone). The set-up block at the top is included too, except ``make test``,
which is the test run this stage is part of.

Usage: python readme_script.py README.md > script.sh

Other stages run examples that need what the newcomer stage cannot give (root, a network namespace):
``python readme_script.py --save TAG README.md DIR`` writes every ``file=PATH`` block whose info string
holds the word TAG to DIR/PATH, exactly as the README shows it (the netboot stage: TAG ``netboot``).
"""

from __future__ import annotations

import os
import re
import shlex
import sys

FENCE = re.compile(r'^```(\S*)(.*)$')
SKIP = {'make test'}


def blocks(text):
    """``(language, attributes, body)`` of each fenced block, in order."""
    lang = None
    for line in text.splitlines():
        match = FENCE.match(line)
        if lang is None and match and match.group(1):
            lang, words, body = match.group(1), match.group(2).split(), []
        elif lang is not None and line.startswith('```'):
            yield lang, words, '\n'.join(body) + '\n'
            lang = None
        elif lang is not None:
            body.append(line)


def script(text):
    out = ['# generated from README.md by tests/newcomer/readme_script.py', 'set -euo pipefail', '']
    first = True
    for lang, words, body in blocks(text):
        setup_block = first and lang == 'sh'
        first = False
        if 'newcomer' not in words and not setup_block:
            continue
        attrs = dict(word.split('=', 1) for word in words if '=' in word)
        if 'file' in attrs:
            path = attrs['file']
            out += ['echo "+ README: save %s"' % path, 'mkdir -p %s' % shlex.quote(path.rsplit('/', 1)[0] or '.'),
                    "cat > %s <<'README_EOF'" % shlex.quote(path), body.rstrip('\n'), 'README_EOF', '']
            continue
        for line in body.splitlines():
            command = line.split('#', 1)[0].strip()
            if not command or command in SKIP:
                continue
            out += ['echo %s' % shlex.quote('+ README: ' + command), command]
        out.append('')
    return '\n'.join(out) + '\n'


def save(text, tag, directory):
    """Write the ``file=`` blocks tagged ``tag`` under ``directory``; their paths, in order."""
    saved = []
    for _lang, words, body in blocks(text):
        attrs = dict(word.split('=', 1) for word in words if '=' in word)
        if tag not in words or 'file' not in attrs:
            continue
        path = os.path.join(directory, attrs['file'])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(body)
        saved.append(path)
    return saved


def main(argv):
    if argv[1] == '--save':
        with open(argv[3], encoding='utf-8') as handle:
            saved = save(handle.read(), argv[2], argv[4])
        if not saved:
            sys.exit('no block tagged %s with file= in %s' % (argv[2], argv[3]))
        sys.stdout.write(''.join(path + '\n' for path in saved))
        return
    with open(argv[1], encoding='utf-8') as handle:
        sys.stdout.write(script(handle.read()))


if __name__ == '__main__':
    main(sys.argv)
