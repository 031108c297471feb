#!/usr/bin/env bash
# Extract /installkey.gpg as the kernel would see it after linuxrc_parts appended its archive: the bytes past
# the original initrd (zero padding, then one gzip-compressed newc archive), unpacked with gzip and GNU cpio.
#
# usage: initrd_keyring.sh INITRD ORIGINAL_SIZE OUTDIR
set -euo pipefail
initrd=$1 size=$2 out=$3
mkdir -p "$out"
tail -c +"$((size + 1))" "$initrd" | python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().lstrip(b"\0"))' \
    | gzip -dc | (cd "$out" && cpio -i --quiet installkey.gpg)
test -s "$out/installkey.gpg"
