#!/usr/bin/env bash
# The README's two commands on a machine that has nothing: a bare Debian 12 root made with
# debootstrap (minbase plus git, make, python3, python3-venv, sudo, ca-certificates), a fresh clone
# of this repository's HEAD in its /root (mode 0700, as on a new Debian machine), then inside it
# `make demo`, `make demo` again (must report changed=0) and `CI=true make test`, each timed.
#
#   scripts/fresh-machine.sh [WORKDIR]       (as root; `make fresh-machine` runs it)
#
# WORKDIR (default /var/tmp/rescuefleet-fresh) keeps the pristine root as a tarball, so that later runs
# start from the same nothing without running debootstrap again; each run unpacks a new root. The
# root shares this machine's kernel, loop devices and /dev/net/tun (QEMU, network namespaces and
# tap devices work inside), and its network (apt-get and pip download as on a new machine). The
# log of each command and the timings are left in WORKDIR/run-<date>/. A run that must not stop
# this machine's own servers on loopback should not overlap with other test runs (the fleet test's
# sshd and the tests' HTTP servers use loopback ports chosen at run time, so overlap is safe but slow).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "fresh-machine: run as root (it uses chroot and mounts)" >&2; exit 1; }
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/var/tmp/rescuefleet-fresh}
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$work"
pristine=$work/bookworm-minbase.tar

if [ ! -s "$pristine" ]; then
    command -v debootstrap > /dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap > /dev/null
    }
    echo "fresh-machine: debootstrap bookworm (minbase) from $mirror"
    rm -rf "$work/debootstrap"
    debootstrap --variant=minbase --include=git,make,python3,python3-venv,sudo,ca-certificates \
        bookworm "$work/debootstrap" "$mirror" > "$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log"; exit 1; }
    tar -C "$work/debootstrap" -cf "$pristine.part" .
    mv "$pristine.part" "$pristine"
    rm -rf "$work/debootstrap"
fi

run=$work/run-$(date +%Y%m%d-%H%M%S)
root=$run/root
mkdir -p "$root"
tar -C "$root" -xf "$pristine"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# What every machine of this workplace is given before any project runs: its network's trust (a CA
# that HTTPS traffic is re-signed with, under /usr/local/share/ca-certificates) and the variables
# that point pip, requests and curl at the system's CA bundle. Nothing of the project's.
if compgen -G '/usr/local/share/ca-certificates/*.crt' > /dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates > /dev/null 2>&1
fi
machine_env=()
for var in SSL_CERT_FILE SSL_CERT_DIR PIP_CERT REQUESTS_CA_BUNDLE CURL_CA_BUNDLE GIT_SSL_CAINFO PIP_DEFAULT_TIMEOUT \
           http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
    [ -z "${!var:-}" ] || machine_env+=("$var=${!var}")
done
mounts=()
cleanup() {
    local m i
    # stop what the tests may have left running inside, then unmount in reverse order
    for m in /proc/[0-9]*; do
        [ "$(readlink "$m/root" 2> /dev/null)" != "$root" ] || kill "${m#/proc/}" 2> /dev/null || true
    done
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[i]}" 2> /dev/null || true; done
}
trap cleanup EXIT
# On a real machine / is a mount point; a bare chroot directory is not, and `unshare --mount` (the
# tests' private mount namespaces) then fails to make / private. Bind the root onto itself first.
mount --bind "$root" "$root"
mounts+=("$root")
for m in proc sys dev dev/pts; do
    mount --bind "/$m" "$root/$m"
    mounts+=("$root/$m")
done
mount -t tmpfs tmpfs "$root/run"
mounts+=("$root/run")

# The clone a new user makes: /root is 0700 on Debian, the clone sits in it. ../shared beside it as
# on a developer's machine (the SystemRescue fixtures; tests skip cleanly without them).
chmod 700 "$root/root"
git clone -q --no-local "$here" "$root/root/rescuefleet-media"
[ ! -d "$here/../shared" ] || cp -a "$here/../shared" "$root/root/shared"

# timed LABEL COMMAND: run COMMAND in the new root as a login shell of root, log and time it.
timed() {
    local label=$1 start rc
    shift
    start=$(date +%s)
    set +e
    chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        "${machine_env[@]}" /bin/bash -c "cd /root/rescuefleet-media && $*" > "$run/$label.log" 2>&1
    rc=$?
    set -e
    printf '%-16s exit %3d  %5d s   %s\n' "$label" "$rc" "$(($(date +%s) - start))" "$*" | tee -a "$run/timings"
    return "$rc"
}

echo "fresh-machine: running in $root (logs in $run)"
dpkg_before=$(chroot "$root" dpkg-query -W -f="\${Package}\n" | wc -l)
timed demo make demo || { tail -30 "$run/demo.log"; exit 1; }
timed demo-again make demo || { tail -30 "$run/demo-again.log"; exit 1; }
grep -E 'changed=0 +unreachable=0 +failed=0' "$run/demo-again.log" > /dev/null \
    || { echo "fresh-machine: the second make demo changed something"; grep -A3 'PLAY RECAP' "$run/demo-again.log"; exit 1; }
timed test env CI=true make test || { tail -40 "$run/test.log"; exit 1; }
dpkg_after=$(chroot "$root" dpkg-query -W -f="\${Package}\n" | wc -l)
echo "fresh-machine: Debian packages in the root: $dpkg_before before, $dpkg_after after"
grep -A14 '^== summary' "$run/test.log"
echo "fresh-machine: make demo and CI=true make test passed on a new Debian 12 root"
