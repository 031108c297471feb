# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Sync repositories: their databases and package files, local or over HTTP, with a download cache.

Downloads use ``requests`` rather than pacman's own downloader: resolution and the manifest need
the databases before pacman runs (a no-op must not run pacman at all), the cache must live in the
catalog's directory rather than in pacman's, and every request gets a timeout, retries with
back-off and a conditional GET (ETag / Last-Modified), so an unchanged database costs one small
request. Package files are always checked against the sha256 of the sync database.

Cache layout under ``cache_dir``: ``db/<repo>.db`` plus ``db/<repo>.json`` (url, validators,
time fetched) and ``packages/<file>`` (and ``<file>.sig``).

Private to this collection: the interface may change without notice.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from ansible_collections.rescuefleet.media.plugins.module_utils import _atomic as atomic
from ansible_collections.rescuefleet.media.plugins.module_utils._hashing import sha256_file
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.database import check_file_name, read_sync_db
from ansible_collections.rescuefleet.media.plugins.module_utils._pacman.errors import PacmanError

try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry
    HAS_REQUESTS = True
except ImportError:  # only HTTP repositories need it
    HAS_REQUESTS = False

TIMEOUT = (10, 60)  # seconds to connect, seconds between bytes
RETRIES = 3


def is_http(url):
    return url.startswith(('http://', 'https://'))


def local_dir(url):
    return url[len('file://'):] if url.startswith('file://') else url


class Repositories:
    """The sync repositories of one pacman source, in order."""

    def __init__(self, repositories, cache_dir, max_age=0, persist=True, who='pacman'):
        self.repos = []
        for index, repo in enumerate(repositories or []):
            name, url = repo.get('name'), (repo.get('url') or '').rstrip('/')
            if not name or not url or '/' in name:
                raise PacmanError('%s.repositories[%d] needs a name (without /) and a url' % (who, index))
            if not is_http(url) and not os.path.isabs(local_dir(url)):
                raise PacmanError('%s: repository %s: url %s is neither http(s):// nor an absolute directory'
                                  % (who, name, url))
            self.repos.append({'name': name, 'url': url})
        if not self.repos:
            raise PacmanError('%s needs at least one repository' % who)
        self.cache_dir = cache_dir
        self.max_age = max_age
        self.persist = persist  # false in check mode: nothing is stored in the cache
        self.who = who
        self.scratch = None
        self.session = None
        self.downloads = 0

    # -- plumbing -------------------------------------------------------------------------
    def _session(self):
        if not HAS_REQUESTS:
            raise PacmanError('%s: HTTP repositories need the Python library requests on the host that runs '
                              'srm_build (pip install requests, or apt-get install python3-requests)' % self.who)
        if self.session is None:
            self.session = requests.Session()
            retry = Retry(total=RETRIES, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504),
                          allowed_methods=frozenset(['GET', 'HEAD']))
            adapter = HTTPAdapter(max_retries=retry)
            self.session.mount('http://', adapter)
            self.session.mount('https://', adapter)
        return self.session

    def _dir(self, *parts):
        if self.persist:
            path = os.path.join(self.cache_dir, *parts)
        else:
            if self.scratch is None:
                self.scratch = tempfile.mkdtemp(prefix='rescuefleet-pacman-check-')
            path = os.path.join(self.scratch, *parts)
        os.makedirs(path, exist_ok=True)
        return path

    def _get(self, url, dest, headers=None, what='a file'):
        """Download ``url`` into ``dest`` (temp name + rename); False on 304 Not Modified."""
        try:
            response = self._session().get(url, headers=headers or {}, timeout=TIMEOUT, stream=True)
        except requests.RequestException as exc:
            raise PacmanError('%s: cannot reach %s for %s: %s; check the url and the network'
                              % (self.who, url, what, exc)) from exc
        with response:
            if response.status_code == 304:
                return False, response.headers
            if response.status_code != 200:
                raise PacmanError('%s: %s answered HTTP %d for %s; check the url'
                                  % (self.who, url, response.status_code, what))

            def fill(temp):
                with open(temp, 'wb') as handle:
                    for chunk in response.iter_content(1024 * 1024):
                        handle.write(chunk)
            try:
                atomic.write_file(dest, fill)
            except requests.RequestException as exc:
                raise PacmanError('%s: download of %s failed: %s; run again' % (self.who, url, exc)) from exc
        self.downloads += 1
        return True, response.headers

    # -- databases --------------------------------------------------------------------------
    def databases(self):
        """``[(repo, db_path, packages)]``: each repository's database, fetched when needed."""
        out = []
        for repo in self.repos:
            name, url = repo['name'], repo['url']
            if is_http(url):
                path = self._fetch_db(name, url)
            else:
                path = os.path.join(local_dir(url), name + '.db')
                if not os.path.isfile(path):
                    raise PacmanError('%s: repository %s: %s does not exist; a local repository is a directory '
                                      'holding <name>.db (made with repo-add) and the packages' % (self.who, name, path))
            repo['db'] = path
            out.append((repo, path, read_sync_db(path, name)))
        return out

    def _fetch_db(self, name, url):
        cached = os.path.join(self.cache_dir, 'db', name + '.db')
        meta_path = os.path.join(self.cache_dir, 'db', name + '.json')
        try:
            with open(meta_path, 'r', encoding='utf-8') as handle:
                meta = json.load(handle)
        except (OSError, ValueError):
            meta = {}
        if not isinstance(meta, dict) or meta.get('url') != url or not os.path.isfile(cached):
            meta = {}
        if meta and self.max_age and time.time() - meta.get('fetched', 0) < self.max_age:
            return cached  # recent enough: no request at all
        target = os.path.join(self._dir('db'), name + '.db')
        headers = {}
        if meta.get('etag'):
            headers['If-None-Match'] = meta['etag']
        if meta.get('last_modified'):
            headers['If-Modified-Since'] = meta['last_modified']
        changed, response_headers = self._get('%s/%s.db' % (url, name), target, headers, 'the database of %s' % name)
        if changed:
            meta = {'url': url, 'etag': response_headers.get('ETag'),
                    'last_modified': response_headers.get('Last-Modified')}
        if self.persist:
            meta['fetched'] = time.time()
            atomic.write_text(meta_path, json.dumps(meta, sort_keys=True) + '\n')
        return target if changed else cached

    # -- packages ---------------------------------------------------------------------------
    def fetch(self, pkg, signatures=False):
        """A verified local path of package ``pkg`` (a record from the sync database)."""
        repo = next(r for r in self.repos if r['name'] == pkg['repo'])
        if not pkg.get('filename') or not pkg.get('sha256'):
            raise PacmanError('%s: repository %s lists %s without a file name or sha256; rebuild its database '
                              'with repo-add' % (self.who, repo['name'], pkg['name']))
        check_file_name(pkg, repo['name'])  # the database was checked when read: this is the last line of defence
        if is_http(repo['url']):
            path = os.path.join(self._dir('packages'), pkg['filename'])
            if not (os.path.isfile(path) and sha256_file(path) == pkg['sha256']):
                self._get('%s/%s' % (repo['url'], pkg['filename']), path, what=pkg['name'])
            if signatures and not os.path.isfile(path + '.sig'):
                self._get('%s/%s.sig' % (repo['url'], pkg['filename']), path + '.sig',
                          what='the signature of %s' % pkg['name'])
        else:
            path = os.path.join(local_dir(repo['url']), pkg['filename'])
            if not os.path.isfile(path):
                raise PacmanError('%s: repository %s lists %s but %s is missing; rebuild the repository'
                                  % (self.who, repo['name'], pkg['name'], path))
        digest = sha256_file(path)
        if digest != pkg['sha256']:
            if is_http(repo['url']):
                atomic.remove(path)
            raise PacmanError('%s: %s does not match the sha256 in the database of %s (%s, expected %s); the '
                              'repository is inconsistent or the download was corrupted: run again or fix the '
                              'repository' % (self.who, pkg['filename'], repo['name'], digest, pkg['sha256']))
        return path

    def cleanup(self):
        if self.scratch:
            atomic.remove(self.scratch)
            self.scratch = None
