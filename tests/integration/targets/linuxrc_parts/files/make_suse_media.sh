#!/usr/bin/env bash
# A SUSE-shaped installation medium made with the real tools, laid out as docs/linuxrc.md section 5 says:
# kernel and initrd in boot/<arch>/loader/ (x86_64) or boot/<arch>/ (other architectures), squashfs
# inst-sys parts, a GRUB menu (and isolinux on x86_64), an xz-compressed newc initrd whose
# /installkey.gpg holds the signing key, and a digest list (CHECKSUMS, or /content for SUSE-tags media),
# signed when a key is given.
#
# usage: make_suse_media.sh ROOT ARCH checksums|content|none KEYHOME|- [EXTRA_ARGS]
set -euo pipefail
root=$1 arch=$2 digests=$3 keyhome=$4 extra=${5:-}
if [ "$arch" = x86_64 ]; then loader=loader/ efi=efi; else loader='' efi=''; fi
base=$root/boot/$arch
mkdir -p "$base/$loader" "$root/EFI/BOOT"
work=$(mktemp -d)
cleanup() {
    gpgconf --homedir "$work/gh" --kill all 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/initrd" "$work/common/usr/bin" "$work/root/usr/bin" "$work/gh"
chmod 700 "$work/gh"

for _ in $(seq 100); do echo kernel; done > "$base/${loader}linux"
printf '#!/bin/sh\n' > "$work/initrd/init"
if [ "$keyhome" != - ]; then
    : > "$work/initrd/installkey.gpg"
    gpg --homedir "$keyhome" --batch --export > "$work/pub.gpg"
    gpg --homedir "$work/gh" --batch --quiet --no-default-keyring --keyring "$work/initrd/installkey.gpg" \
        --import "$work/pub.gpg" 2>/dev/null
    rm -f "$work/initrd/installkey.gpg~"
fi
(cd "$work/initrd" && find . | LC_ALL=C sort | cpio -o --quiet -H newc | xz --check=crc32 > "$base/${loader}initrd")

echo common > "$work/common/usr/bin/common"
echo yast > "$work/root/usr/bin/yast"
mksquashfs "$work/common" "$base/common" -noappend -quiet -no-progress -all-root >/dev/null
mksquashfs "$work/root" "$base/root" -noappend -quiet -no-progress -all-root >/dev/null
printf 'root: common root ?cracklib-dict-full.rpm\nrescue: common rescue\n' > "$base/config"

cat > "$root/EFI/BOOT/grub.cfg" <<GRUB
set timeout=8
menuentry 'Installation' --class opensuse --class os {
  set gfxpayload=keep
  linux$efi /boot/$arch/${loader}linux splash=silent extend=?cracklib-dict-full.rpm$extra
  initrd$efi /boot/$arch/${loader}initrd
}
menuentry 'Rescue System' --class opensuse --class os {
  linux$efi /boot/$arch/${loader}linux rescue=1
  initrd$efi /boot/$arch/${loader}initrd
}
GRUB
if [ "$arch" = x86_64 ]; then
    printf 'default harddisk\nlabel harddisk\n  localboot 0x80\nlabel linux\n  kernel linux\n  append initrd=initrd splash=silent showopts\n' \
        > "$base/loader/isolinux.cfg"
fi

cd "$root"
case $digests in
    checksums) list=CHECKSUMS ;;
    content) list=content ;;
    *) exit 0 ;;
esac
# the digests of every file but the list itself, computed before the list is written
find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > "$work/digests"
if [ "$list" = CHECKSUMS ]; then
    cp "$work/digests" CHECKSUMS
else
    {
        printf 'PRODUCT openSUSE\nVERSION 15.6\nLABEL openSUSE Leap 15.6\n'
        awk '{print "HASH SHA256 " $1 "  " $2}' "$work/digests"
        printf 'META SHA256 %s  packages\n' "$(printf '%064d' 0)"
    } > content
fi
if [ "$keyhome" != - ]; then
    gpg --homedir "$keyhome" --batch --yes --armor --detach-sign --output "$list.asc" "$list" 2>/dev/null
fi
