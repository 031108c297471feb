# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a pytest run left out, read from its JUnit XML, for the summary of scripts/test.sh.

Usage: python pytest_skips.py RESULT.xml SKIP_FILE
Prints one line per skipped test (``SKIP <test id>: <reason>``; ``MISSING`` instead of ``SKIP`` when the
reason is a missing tool, library or privilege that `make setup-test` provides). When every test
was skipped, the run proved nothing: the reasons go to SKIP_FILE and the exit status is 77 (the
stage is reported as SKIPPED); otherwise 0.

A skip reason counts as missing when it says so in the words the tests use: "... is not installed",
"... is/are needed", "needs ...". Skips for a condition that is true by design (for example "root
reads everything", which a test of permission errors cannot show as root) are plain skips.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET

MISSING = re.compile(r'\b(not installed|is needed|are needed|needs)\b', re.IGNORECASE)


def skipped(path):
    """``(tests, [(test id, reason)])`` of a JUnit XML file written by ``pytest --junitxml``."""
    root = ET.parse(path).getroot()
    tests, out = 0, []
    for case in root.iter('testcase'):
        tests += 1
        for skip in case.findall('skipped'):
            reason = skip.get('message') or ''
            reason = re.sub(r'^Skipped: ', '', reason)
            out.append(('%s::%s' % (case.get('classname', ''), case.get('name', '')), reason))
    return tests, out


def main(path, skip_file):
    tests, skips = skipped(path)
    for test, reason in skips:
        print('%s %s: %s' % ('MISSING' if MISSING.search(reason) else 'SKIP', test, reason))
    if tests and len(skips) == tests:
        with open(skip_file, 'w') as handle:
            handle.write('every test skipped: %s\n' % '; '.join(sorted({reason for _test, reason in skips})))
        return 77
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], sys.argv[2]))
