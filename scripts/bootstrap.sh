#!/usr/bin/env bash
# Install what the demo (no argument) or every test stage (`bootstrap.sh test`) needs, reusing what
# an earlier run installed:
#   1. a Python virtual environment in .venv with requirements-dev.txt (bindep among them);
#   2. the Debian packages bindep.txt lists for this platform and profile, with apt-get, all of them
#      before the first test stage runs (no stage installs anything of its own);
#   3. the collection made importable as ansible_collections.rescuefleet.media.
# bindep.txt is the one list of system packages: what the modules call (no profile) and what only
# the tests call (profile `test`). Run as root or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROFILE=${1:-}
case "$PROFILE" in
    "" | test) ;;
    *) echo "usage: $0 [test]" >&2; exit 2 ;;
esac

SUDO=()
[ "$(id -u)" = 0 ] || SUDO=(sudo)
apt_updated=
apt_install() {
    if [ -z "$apt_updated" ]; then
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    echo "bootstrap: installing Debian packages: $*"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" > /dev/null
}

# Debian's own python3 has no venv module until python3-venv is installed: the one package that
# has to come before bindep can run (bindep.txt lists it too).
if [ ! -x .venv/bin/python ] && ! python3 -c 'import ensurepip, venv' 2> /dev/null; then
    command -v dpkg-query > /dev/null || { echo "bootstrap: python3 has no venv module; install it" >&2; exit 1; }
    apt_install python3-venv
fi

stamp=.venv/.requirements-$(cat requirements-dev.txt requirements.txt | sha256sum | cut -c1-16)
if [ ! -e "$stamp" ]; then
    echo "bootstrap: installing Python packages into .venv"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r requirements-dev.txt
    rm -f .venv/.requirements-*
    touch "$stamp"
fi

# What bindep.txt asks for and this machine lacks (`bindep -b` prints one missing package a line and
# exits 1 when something is missing).
if command -v dpkg-query > /dev/null; then
    mapfile -t missing < <(.venv/bin/bindep -b -f bindep.txt ${PROFILE:+"$PROFILE"} || true)
    ((${#missing[@]} == 0)) || apt_install "${missing[@]}"
    still=$(.venv/bin/bindep -b -f bindep.txt ${PROFILE:+"$PROFILE"} || true)
    [ -z "$still" ] || { echo "bootstrap: still missing after apt-get: $still" >&2; exit 1; }
else
    echo "bootstrap: not a Debian system: install what \`.venv/bin/bindep -b ${PROFILE}\` lists yourself"
fi

# The collection as Ansible finds it: a link named after namespace and name.
mkdir -p .venv/collections/ansible_collections/rescuefleet
ln -sfn "$ROOT" .venv/collections/ansible_collections/rescuefleet/media

# ansible-test downloads a pip bootstrap script from a host that may be unreachable; a
# stand-in that uses ensurepip and the configured package index does the same job.
pip_version=$(grep -o "pip='[0-9.]*'" .venv/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py \
              | head -1 | tr -dc '0-9.')
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
if [ -n "$pip_version" ] && [ ! -e "$cache" ]; then
    mkdir -p "$(dirname "$cache")"
    cat > "$cache" <<'PY'
"""Offline stand-in for get-pip.py: ensurepip, then pip installs what was asked."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)
PY
fi
