# -*- coding: utf-8 -*-
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dracut loadsrm module's functions (roles/dracut_media/files/loadsrm-lib.sh) run by dash under dracut's own
dracut-lib.sh and url-lib.sh (the installed dracut 059), with a kernel command line of the test's: what the
QEMU boot tests cannot show in every detail (proxy=, the deprecation of live_dir=, the copies in RAM and the
layer order as mount options), against real servers on 127.0.0.1, real squashfs modules, loop devices and
overlayfs in a private mount namespace (/run is a tmpfs there; nothing of the host is touched).

The dracut facts (docs/systemrescue.md 8, read from dracut 059's own code under /usr/lib/dracut):
- url-lib.sh: ``curl_args="--globoff --location --retry 3 --retry-connrefused --fail --show-error"``, then
  ``getargbool 0 rd.noverifyssl && curl_args="$curl_args --insecure"`` and ``proxy=$(getarg proxy=)`` adds
  ``--proxy $proxy``; ``fetch_url URL OUTFILE`` runs the handler of the URL's scheme (curl for http/https).
- dmsquash-live-root.sh: ``live_dir=$(getarg rd.live.dir -d live_dir)``, ``getargbool 0 rd.live.ram -d -y live_ram``
  (the root image is copied to /run/initramfs/squashed.img), ``getargbool 0 rd.live.overlay.readonly -d -y
  readonly_overlay``, and the persisted overlay linked at /run/overlayfs-r.
- 90overlayfs/mount-overlayfs.sh: with the read-only overlay, ``lowerdir=/run/overlayfs-r:/run/rootfsbase``.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import socketserver
import ssl
import subprocess
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIB = os.path.join(ROOT, 'roles', 'dracut_media', 'files', 'loadsrm-lib.sh')
DRACUT = '/usr/lib/dracut'
DRACUT_LIB = os.path.join(DRACUT, 'modules.d', '99base', 'dracut-lib.sh')
URL_LIB = os.path.join(DRACUT, 'modules.d', '45url-lib', 'url-lib.sh')
TOOLS = ('dash', 'curl', 'openssl', 'mksquashfs', 'unshare')

pytestmark = [
    pytest.mark.skipif(not all(shutil.which(t) for t in TOOLS), reason='needs %s' % ', '.join(TOOLS)),
    pytest.mark.skipif(not (os.path.exists(DRACUT_LIB) and os.path.exists(URL_LIB)
                            and os.path.exists(os.path.join(DRACUT, 'dracut-util'))),
                       reason='needs dracut 059 (dracut-core) and its url-lib (dracut-network)'),
]


def _needs_root():
    if os.geteuid() != 0:
        pytest.skip('loop devices, overlayfs and a private mount namespace need root')


@pytest.fixture(scope='module')
def bindir(tmp_path_factory):
    """dracut-getarg and dracut-getargs, as the initramfs has them (links to dracut-util), and dracut-lib.sh
    reading dracut-dev-lib.sh from where dracut keeps it (the initramfs has both in /lib)."""
    path = tmp_path_factory.mktemp('bin')
    for name in ('dracut-getarg', 'dracut-getargs'):
        os.symlink(os.path.join(DRACUT, 'dracut-util'), str(path / name))
    with open(DRACUT_LIB) as handle:
        text = handle.read()
    assert '/lib/dracut-dev-lib.sh' in text
    (path / 'dracut-lib.sh').write_text(
        text.replace('/lib/dracut-dev-lib.sh', os.path.join(os.path.dirname(DRACUT_LIB), 'dracut-dev-lib.sh')))
    return str(path)


def run_lib(bindir, cmdline, body, hookdir, namespace=False):
    """Run ``body`` in dash after dracut-lib.sh and loadsrm-lib.sh, with ``cmdline`` as the kernel command line
    (getcmdline overridden); systemd's warn/info (stderr/stdout), as under dracut's systemd initramfs."""
    script = '\n'.join([
        'export DRACUT_SYSTEMD=1 NEWROOT=${NEWROOT:-/sysroot}',
        '. %s/dracut-lib.sh' % bindir,
        'hookdir=%s' % hookdir,  # after dracut-lib.sh, which sets the initramfs's
        'getcmdline() { printf "%s" "$TEST_CMDLINE"; }',
        '. %s' % LIB,
        # /lib/url-lib.sh in the initramfs
        'fetch_lib() { . %s; }' % URL_LIB,
        body,
    ])
    env = dict(os.environ, PATH='%s:%s' % (bindir, os.environ.get('PATH', '')), TEST_CMDLINE=cmdline)
    argv = ['dash', '-c', script]
    if namespace:
        argv = ['unshare', '-m', '--propagation', 'private'] + argv
    return subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize('cmdline, expected, deprecated', [
    ('', 'LiveOS', False),
    ('rd.live.dir=/images/', 'images', False),
    ('live_dir=sysresccd', 'sysresccd', True),
    ('rd.live.dir=first live_dir=second', 'first', False),
    ('live_dir=second rd.loadsrm.dir=mods', 'mods', False),
])
def test_live_directory_like_dmsquash_live(bindir, tmp_path, cmdline, expected, deprecated):
    """docs/systemrescue.md 8: "the live directory is rd.live.dir= with the deprecated alias live_dir= still
    honoured by dmsquash-live" (``getarg rd.live.dir -d live_dir``): the modules are read from the same
    directory as the root image; rd.loadsrm.dir= names another one. Failed before for live_dir=: the hook read
    rd.live.dir= only and looked for modules in LiveOS/."""
    result = run_lib(bindir, cmdline, 'loadsrm_dir', str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
    assert ("'live_dir' is deprecated, use 'rd.live.dir' instead" in result.stderr) is deprecated


# -- fetching through url-lib -------------------------------------------------------------------------
class _Quiet(http.server.SimpleHTTPRequestHandler):
    log = None

    def log_message(self, fmt, *args):  # noqa: A003 - the handler's interface
        type(self).log.append(self.requestline)


def _serve(directory, context=None, proxy=False):
    log = []

    class Handler(_Quiet):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(directory), **kwargs)

        def translate_path(self, path):
            if proxy and path.startswith('http://'):  # a forward proxy is asked for the whole URL
                path = '/' + path.split('/', 3)[3]
            return super().translate_path(path)

    Handler.log = log
    server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, log


@pytest.fixture(scope='module')
def servers(tmp_path_factory):
    """A module, served over HTTPS with a self-signed certificate and by an HTTP forward proxy."""
    base = tmp_path_factory.mktemp('srv')
    (base / 'srm').mkdir()
    module = base / 'srm' / '20-net.srm'
    module.write_bytes(b'not a squashfs, only fetched here\n' * 100)
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
                    '-days', '2', '-subj', '/CN=127.0.0.1', '-keyout', str(base / 'key.pem'), '-out',
                    str(base / 'cert.pem')], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(base / 'cert.pem'), str(base / 'key.pem'))
    tls, tls_log = _serve(base, context)
    proxy, proxy_log = _serve(base, proxy=True)
    yield {'tls': 'https://127.0.0.1:%d/' % tls.server_address[1], 'proxy': 'http://127.0.0.1:%d' % proxy.server_address[1],
           'sha256': hashlib.sha256(module.read_bytes()).hexdigest(), 'tls_log': tls_log, 'proxy_log': proxy_log}
    tls.shutdown()
    proxy.shutdown()


def fetch(bindir, tmp_path, cmdline):
    body = 'fetch_lib; loadsrm_fetch_all; cat /run/loadsrm/net.list'
    # /run/loadsrm is the tmpfs of a private mount namespace
    body = 'mount -t tmpfs tmpfs /run && ' + body if os.geteuid() == 0 else body
    return run_lib(bindir, cmdline, body, str(tmp_path), namespace=os.geteuid() == 0)


def test_https_with_self_signed_certificate_needs_rd_noverifyssl(bindir, tmp_path, servers):
    """docs/systemrescue.md 8: "Network fetches use url-lib's fetch_url, which honours rd.noverifyssl (self-signed
    HTTPS boot servers)"; a raw curl ignores it. Without rd.noverifyssl the module is reported and skipped; with it,
    fetched and checked. Failed before: the hook ran curl itself and never passed --insecure."""
    _needs_root()
    url = '%ssrm/20-net.srm#sha256=%s' % (servers['tls'], servers['sha256'])
    refused = fetch(bindir, tmp_path, 'rd.loadsrm.url=%s' % url)
    assert 'loadsrm: ERROR: failed to download %ssrm/20-net.srm (fetch_url exit status 60)' % servers['tls'] in refused.stderr
    assert 'SSL certificate problem' in refused.stderr
    assert '20-net.srm\t' not in refused.stdout
    accepted = fetch(bindir, tmp_path, 'rd.noverifyssl rd.loadsrm.url=%s' % url)
    assert accepted.returncode == 0, accepted.stderr
    assert 'loadsrm: fetched 20-net.srm from %ssrm/20-net.srm (sha256 %s)' % (servers['tls'], servers['sha256']) \
        in accepted.stdout
    assert accepted.stdout.splitlines()[-1] == '20-net.srm\t/run/loadsrm/net/1-20-net.srm\t%ssrm/20-net.srm' % servers['tls']


def test_proxy_is_used(bindir, tmp_path, servers):
    """docs/systemrescue.md 8: fetch_url honours proxy=: the module is asked of the proxy, for a host that only the
    proxy reaches (an .invalid name never resolves)."""
    _needs_root()
    before = len(servers['proxy_log'])
    result = fetch(bindir, tmp_path, 'proxy=%s rd.loadsrm.url=http://modules.invalid/srm/20-net.srm#sha256=%s'
                   % (servers['proxy'], servers['sha256']))
    assert result.returncode == 0, result.stderr
    assert 'loadsrm: fetched 20-net.srm from http://modules.invalid/srm/20-net.srm' in result.stdout
    assert servers['proxy_log'][before:] == ['GET http://modules.invalid/srm/20-net.srm HTTP/1.1']


def test_wrong_or_missing_sha256_is_skipped(bindir, tmp_path, servers):
    _needs_root()
    result = fetch(bindir, tmp_path, 'rd.noverifyssl rd.loadsrm.url=%ssrm/20-net.srm#sha256=%s rd.loadsrm.url=%ssrm/'
                   '20-net.srm' % (servers['tls'], '0' * 64, servers['tls']))
    assert 'is %s, not %s as the boot entry says, ignoring' % (servers['sha256'], '0' * 64) in result.stderr
    assert 'no sha256 for %ssrm/20-net.srm' % servers['tls'] in result.stderr
    assert '\t' not in result.stdout  # nothing in net.list


def test_no_network_in_the_initramfs_gives_up_at_once(bindir, tmp_path):
    """Without url-lib in the initramfs the cmdline hook says so and adds no initqueue/finished condition that
    would hold the boot until the timeout."""
    _needs_root()
    (tmp_path / 'initqueue' / 'finished').mkdir(parents=True)
    result = run_lib(bindir, 'rd.loadsrm.url=http://x/y.srm#sha256=%s' % ('0' * 64),
                     'mount -t tmpfs tmpfs /run && loadsrm_need_net; ls /run/loadsrm; ls %s/initqueue/finished'
                     % tmp_path, str(tmp_path), namespace=True)
    assert 'needs the network and url-lib in the initramfs' in result.stderr
    assert result.stdout.split() == ['net.done']


# -- stacking: RAM copies and the read-only overlay --------------------------------------------------
def _squashfs(tmp_path, name, files):
    src = tmp_path / ('src-' + name)
    for rel, text in files.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    out = tmp_path / name
    subprocess.run(['mksquashfs', str(src), str(out), '-noappend', '-quiet', '-all-root'], check=True,
                   stdout=subprocess.DEVNULL)
    return str(out)


STACK = '''
set -e
mount -t tmpfs tmpfs /run
mkdir -p /run/initramfs/live/LiveOS /run/rootfsbase /run/persist/upper "$NEWROOT"
cp {alpha} {beta} /run/initramfs/live/LiveOS/
echo base > /run/rootfsbase/rftest-user
echo base > /run/rootfsbase/rftest-base
echo persisted > /run/persist/upper/rftest-user
ln -s /run/persist/upper /run/overlayfs-r
set +e
loadsrm_mount
set -e
for f in rftest-user rftest-alpha rftest-base; do printf '%s=%s\\n' "$f" "$(cat "$NEWROOT/$f")"; done
grep " $NEWROOT " /proc/mounts
for b in /sys/block/loop*/loop/backing_file; do
    [ -e "$b" ] || continue
    case $(cat "$b") in /run/loadsrm/*|/run/initramfs/live/*) echo "backing $(cat "$b")";; esac
done
umount "$NEWROOT"
'''


@pytest.mark.parametrize('cmdline, ram, readonly', [
    ('rd.loadsrm', False, False),
    ('rd.loadsrm rd.live.ram=1', True, False),
    ('rd.loadsrm live_ram', True, False),
    ('rd.loadsrm rd.live.overlay.readonly=1', False, True),
    ('rd.loadsrm readonly_overlay rd.live.ram', True, True),
])
def test_stacking_ram_copies_and_read_only_overlay(bindir, tmp_path, cmdline, ram, readonly):
    """docs/systemrescue.md 8: "rd.live.ram=1 copies the root image to RAM so that the stick can be pulled;
    archiso's copytoram copies every SRM as well. Layers left loop-mounted from the stick break that promise." And:
    "With rd.live.overlay.readonly, dmsquash-live stacks /run/overlayfs-r (the persisted overlay) above the root
    image [...]. Persisted user files win over modules." Failed before: under rd.live.ram the modules stayed
    loop-mounted from the medium, and the persisted overlay was stacked below the modules."""
    _needs_root()
    alpha = _squashfs(tmp_path, '10-alpha.srm', {'rftest-alpha': 'alpha\n', 'rftest-user': 'alpha\n'})
    beta = _squashfs(tmp_path, '20-beta.srm', {'rftest-user': 'beta\n'})
    newroot = str(tmp_path / 'sysroot')
    env_body = 'NEWROOT=%s\n%s' % (newroot, STACK.format(alpha=alpha, beta=beta))
    result = run_lib(bindir, cmdline, env_body, str(tmp_path), namespace=True)
    assert result.returncode == 0, result.stderr + result.stdout
    out = result.stdout
    assert 'rftest-user=%s' % ('persisted' if readonly else 'alpha') in out
    assert 'rftest-alpha=alpha' in out and 'rftest-base=base' in out
    lower = 'lowerdir=%s/run/loadsrm/layer1:/run/loadsrm/layer2:/run/rootfsbase' % ('/run/overlayfs-r:' if readonly else '')
    assert lower in out
    backing = sorted(line.split(' ', 1)[1] for line in out.splitlines() if line.startswith('backing '))
    if ram:
        assert backing == ['/run/loadsrm/ram/1-10-alpha.srm', '/run/loadsrm/ram/2-20-beta.srm']
        assert 'loadsrm: copied LiveOS/10-alpha.srm to RAM (rd.live.ram)' in out
    else:
        assert backing == ['/run/initramfs/live/LiveOS/10-alpha.srm', '/run/initramfs/live/LiveOS/20-beta.srm']
        assert 'to RAM' not in out


def test_network_that_never_comes_up_is_given_up(bindir, tmp_path):
    """The initqueue/timeout hook (dracut runs those when the initqueue waited too long, here for the finished
    condition the cmdline hook added) reports that no module was fetched and lets the boot go on; run once the
    modules were fetched, it does nothing."""
    _needs_root()
    result = run_lib(bindir, 'rd.loadsrm.url=http://x/y.srm#sha256=%s' % ('0' * 64),
                     'mount -t tmpfs tmpfs /run && loadsrm_give_up && ls /run/loadsrm && loadsrm_give_up',
                     str(tmp_path), namespace=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count('no network interface came up, so no rd.loadsrm.url= module was fetched') == 1
    assert result.stdout.split() == ['net.done']
