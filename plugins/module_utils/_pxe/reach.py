# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Ask an HTTP server for every file the clients' boots request, as they will request it.

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

try:
    import requests
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported through PxeHosts.missing_library
    requests = None
    REQUESTS_IMPORT_ERROR = exc

# A few parallel requests: thousands of YAML URLs in seconds, without hammering the server.
WORKERS = 8


def _status(session, url, timeout):
    try:
        response = session.head(url, timeout=timeout, allow_redirects=True)
        if response.status_code in (405, 501):  # servers that do not answer HEAD
            response = session.get(url, timeout=timeout, stream=True)
            response.close()
        return response.status_code, None
    except requests.RequestException as exc:
        return None, exc.__class__.__name__


def unreachable(urls, timeout=10):
    """``[(url, reason)]`` of the URLs that do not answer 200, in the order given."""
    session = requests.Session()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        answers = list(pool.map(lambda url: _status(session, url, timeout), urls))
    missing = []
    for url, (status, error) in zip(urls, answers):
        if status != 200:
            missing.append((url, error or 'HTTP %s' % status))
    return missing
