#!/usr/bin/env bash
# Install what the demo and the tests need, reusing what an earlier run installed:
# Debian packages with apt-get (when missing), Python packages into .venv, and the
# collection made importable as ansible_collections.rescuefleet.media.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DEB_PACKAGES=(squashfs-tools mtools dosfstools fdisk grub-common xorriso syslinux syslinux-common
              syslinux-utils isolinux isomd5sum nginx openssh-server openssh-client rsync shellcheck zstd
              pacman-package-manager makepkg libarchive-tools)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=.venv/.requirements-$(sha256sum requirements-dev.txt | cut -c1-16)
if [ ! -e "$stamp" ]; then
    echo "bootstrap: installing Python packages into .venv"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r requirements-dev.txt
    rm -f .venv/.requirements-*
    touch "$stamp"
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
