#!/usr/bin/env bash
# Boot tests: make a dracut live "USB stick" with the collection (tests/boot/boot-medium.yml), then
# boot it in QEMU and decide from the serial console only:
#   plain       BIOS, syslinux, shell-init initramfs, stick before rd.loadsrm was turned on:
#               only the files of the live root, and no module touched
#   loadsrm     BIOS, syslinux, shell-init initramfs, rd.loadsrm: both modules' files, the
#               overlapping file from 10-alpha.srm, a writable root, the broken module skipped; with a
#               second disk holding a persisted overlay read with rd.live.overlay.readonly: the file the
#               user saved wins over the module (the overlay is the top lower layer)
#   uefi        UEFI (OVMF, q35, AHCI), GRUB, systemd in the initramfs, rd.loadsrm: the same, with
#               rd.live.ram=1: every loop device reads a copy in RAM, and after the test root pulls the
#               stick (the kernel deletes the SCSI disk) the root and the modules' files are still read
# QEMU's exit status is never used. Each boot is bounded by BOOT_TIMEOUT seconds and ends as soon
# as its log shows the end marker or a failure (panic, failed boot, halt).
#
# Its packages come from `scripts/bootstrap.sh test` (bindep.txt). When a tool is missing it prints
# "boot tests SKIPPED: <reason>" and exits 77, which scripts/test.sh reports as SKIPPED.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${BOOT_WORKDIR:-$ROOT/build/boot}
TIMEOUT=${BOOT_TIMEOUT:-180}
OVMF=${BOOT_OVMF:-/usr/share/ovmf/OVMF.fd}
[ -d "$ROOT/.venv/bin" ] && export PATH="$ROOT/.venv/bin:$PATH"
[ -d "$ROOT/.venv/collections" ] && export ANSIBLE_COLLECTIONS_PATH="$ROOT/.venv/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1 MTOOLS_SKIP_CHECK=1

STAGE="boot tests"
# shellcheck source=tests/boot/qemu-lib.sh
. "$ROOT/tests/boot/qemu-lib.sh"

# Lines of a serial log that mean the boot will not reach its end marker.
FAILURE='Kernel panic|Boot has failed|System halted|emergency mode|dracut: FATAL|Failed to start.*Switch Root'
FAILURE+='|grub> |error: maximum recursion|No bootable device|Boot Failed'

check_tools() {
    local tool
    for tool in qemu-system-x86_64 dracut mksquashfs mkfs.vfat mcopy sfdisk syslinux grub-mkstandalone \
                xorriso implantisomd5 rsync ansible-playbook; do
        command -v "$tool" > /dev/null || skip "$tool is not installed (make setup-test installs it)"
    done
    [ -r "$OVMF" ] || skip "no OVMF firmware at $OVMF"
    [ -r /usr/lib/syslinux/mbr/mbr.bin ] || skip "no /usr/lib/syslinux/mbr/mbr.bin"
    compgen -G '/boot/vmlinuz-*' > /dev/null || skip "no kernel in /boot (linux-image-amd64)"
    [ -d /usr/lib/grub/x86_64-efi ] || skip "no GRUB EFI modules (grub-efi-amd64-bin)"
}

# boot NAME IMAGE bios|uefi|cd-bios|cd-uefi [QEMU ARGS...]: start QEMU in the background, serial console to
# $WORK/NAME.log.
boot() {
    local name=$1 image=$2 firmware=$3 args
    shift 3
    args=(-accel tcg -m 1024 -smp 1 -display none -monitor none -no-reboot -snapshot
          -serial "file:$WORK/$name.log")
    if [ "$firmware" = cd-bios ]; then
        args+=(-drive "file=$image,format=raw,media=cdrom,readonly=on" -boot d)
    elif [ "$firmware" = cd-uefi ]; then
        args+=(-M q35 -bios "$OVMF" -drive "file=$image,format=raw,media=cdrom,readonly=on" -boot d)
    elif [ "$firmware" = uefi ]; then
        args+=(-M q35 -bios "$OVMF" -drive "file=$image,format=raw,if=none,id=stick"
               -device "ide-hd,drive=stick,bus=ide.0")
    else
        args+=(-drive "file=$image,format=raw,if=virtio")
    fi
    args+=("$@")  # after the medium: a second virtio disk is vdb
    rm -f "$WORK/$name.log"
    : > "$WORK/$name.log"
    qemu-system-x86_64 "${args[@]}" > "$WORK/$name.qemu.out" 2>&1 &
    echo $! > "$WORK/$name.pid"
    date +%s > "$WORK/$name.start"
}

check_loaded() {  # the checks common to the boots with rd.loadsrm; LOWER: what lies above the modules
    local name=$1 lower=$2
    check "$name" "rd.loadsrm on the kernel command line" -E '^\[ *[0-9.]+\] Command line: .* rd\.loadsrm( |$)'
    check "$name" "end marker" -x 'RFTEST: end'
    check "$name" "base file of the live root" -x 'RFTEST: base=base'
    check "$name" "file of 10-alpha.srm" -x 'RFTEST: alpha=alpha'
    check "$name" "file of 20-beta.srm" -x 'RFTEST: beta=beta'
    check "$name" "overlapping file from 10-alpha.srm (first name wins)" -x 'RFTEST: overlap=alpha'
    check "$name" "root writable" -x 'RFTEST: writable=yes'
    check "$name" "root is the writable overlay" -F 'RFTEST: root=overlay LiveOS_rootfs rw,'
    check "$name" "layers in order ${lower:+persisted overlay, }alpha, beta, live root (broken module left out)" -F \
        "lowerdir=${lower}/run/loadsrm/layer1:/run/loadsrm/layer3:/run/rootfsbase,upperdir=/run/overlayfs"
    check "$name" "broken module reported and skipped" -F \
        'loadsrm: ERROR: failed to mount LiveOS/15-broken.srm, ignoring'
}

# The ISO boots (tests/boot/boot-iso.yml): a hybrid live ISO (isolinux + EFI GRUB) remastered by sysrescue_iso with
# 10-alpha.srm and 20-beta.srm in sysresccd/. BIOS as a CD, UEFI as a CD, BIOS as a disk written with dd.
boot_iso_medium() {
    echo "== making the ISO (tests/boot/boot-iso.yml)"
    run_playbook playbook-iso.log tests/boot/boot-iso.yml boot_workdir "the ISO"
}

check_iso_boot() {
    local name=$1
    check "$name" "end marker" -x 'RFTEST: end'
    check "$name" "file of 10-alpha.srm from sysresccd/" -x 'RFTEST: alpha=alpha'
    check "$name" "file of 20-beta.srm from sysresccd/" -x 'RFTEST: beta=beta'
    check "$name" "overlapping file from 10-alpha.srm (first name wins)" -x 'RFTEST: overlap=alpha'
    check "$name" "root writable" -x 'RFTEST: writable=yes'
    check "$name" "layers in order alpha, beta, live root" -F \
        'lowerdir=/run/loadsrm/layer1:/run/loadsrm/layer2:/run/rootfsbase,upperdir=/run/overlayfs'
}

main() {
    local started outcome name
    started=$(date +%s)
    prepare

    echo "== making the medium (tests/boot/boot-medium.yml)"
    run_playbook playbook.log tests/boot/boot-medium.yml boot_workdir "the medium"
    echo "   medium made in $(($(date +%s) - started)) s"

    boot_iso_medium

    echo "== booting (QEMU TCG, at most $TIMEOUT s each, three at once)"
    boot plain "$WORK/stick-plain.img" bios
    boot loadsrm "$WORK/stick.img" bios -drive "file=$WORK/persist.img,format=raw,if=virtio,readonly=on"
    boot uefi "$WORK/stick.img" uefi
    for name in plain loadsrm uefi; do
        outcome=$(wait_boot "$name")
        echo "   $name: ${outcome% *} after ${outcome#* } s"
        grep -a '^RFTEST:\|loadsrm: ERROR' "$WORK/$name.log.txt" | sed 's/^/     | /' || true
    done
    boot iso-cd "$WORK/live-fleet.iso" cd-bios
    boot iso-cd-uefi "$WORK/live-fleet.iso" cd-uefi
    boot iso-dd "$WORK/live-fleet-disk.img" bios
    for name in iso-cd iso-cd-uefi iso-dd; do
        outcome=$(wait_boot "$name")
        echo "   $name: ${outcome% *} after ${outcome#* } s"
        grep -a '^RFTEST:\|loadsrm: ERROR' "$WORK/$name.log.txt" | sed 's/^/     | /' || true
    done

    echo "== checking the serial logs"
    check plain "end marker" -x 'RFTEST: end'
    check_not plain "no rd.loadsrm on the kernel command line" -E 'Command line: .*rd\.loadsrm'
    check plain "base file of the live root" -x 'RFTEST: base=base'
    check plain "no file of 10-alpha.srm" -x 'RFTEST: alpha=absent'
    check plain "no file of 20-beta.srm" -x 'RFTEST: beta=absent'
    check plain "overlapping file from the live root" -x 'RFTEST: overlap=base'
    check plain "root writable" -x 'RFTEST: writable=yes'
    check plain "root is the plain live overlay" -F 'lowerdir=/run/rootfsbase,upperdir=/run/overlayfs'
    check_not plain "no module touched" -F 'loadsrm:'
    check plain "no file the user saved" -x 'RFTEST: user=absent'

    check_loaded loadsrm /run/overlayfs-r:
    check loadsrm "booted by syslinux" -E 'Command line: BOOT_IMAGE=/LiveOS/vmlinuz initrd=/LiveOS/initrd.img'
    check_not loadsrm "dracut's shell init, not systemd" -E 'systemd\[1\]'
    check loadsrm "persisted overlay read-only on the kernel command line" -E \
        'Command line: .* rd\.live\.overlay=/dev/vdb:/ovl/upper rd\.live\.overlay\.readonly=1'
    check loadsrm "the file the user saved wins over 10-alpha.srm (persisted overlay above the modules)" \
        -x 'RFTEST: user=persisted'
    check loadsrm "the modules loop-mounted from the stick (no rd.live.ram)" -x 'RFTEST: loop=/run/initramfs/live/LiveOS/10-alpha.srm'

    check_loaded uefi ''
    check uefi "booted under UEFI firmware" -E 'efi: EFI v[0-9.]+ by EDK II'
    check uefi "systemd in the initramfs" -E 'systemd\[1\]: Running in initrd'
    check uefi "loadsrm ran as systemd's pre-mount service" -F 'dracut-pre-mount['
    check uefi "rd.live.ram=1 on the kernel command line" -E 'Command line: .* rd\.live\.ram=1'
    check uefi "the module's own file over the live root, no persisted overlay" -x 'RFTEST: user=alpha'
    check uefi "the root image read from RAM" -x 'RFTEST: loop=/run/initramfs/squashed.img'
    check uefi "10-alpha.srm read from RAM" -x 'RFTEST: loop=/run/loadsrm/ram/1-10-alpha.srm'
    check uefi "20-beta.srm read from RAM" -x 'RFTEST: loop=/run/loadsrm/ram/3-20-beta.srm'
    check_not uefi "no loop device reads the stick" -E '^RFTEST: loop=/run/initramfs/live/'
    check uefi "the stick pulled" -x 'RFTEST: pulled=sda/device/delete'
    check_not uefi "no disk left" -E '^RFTEST: still-there='
    check uefi "base file read after the stick was pulled" -x 'RFTEST: pulled-base=base'
    check uefi "file of 10-alpha.srm read after the stick was pulled" -x 'RFTEST: pulled-alpha=alpha'
    check uefi "file of 20-beta.srm read after the stick was pulled" -x 'RFTEST: pulled-beta=beta'
    check uefi "overlapping file read after the stick was pulled" -x 'RFTEST: pulled-overlap=alpha'

    check_iso_boot iso-cd
    check iso-cd "booted from the CD drive" -E 'sr0|ATAPI'
    check iso-cd "rd.loadsrm.dir=sysresccd on the kernel command line" -E 'Command line: .*rd\.loadsrm\.dir=sysresccd'
    check_iso_boot iso-cd-uefi
    check iso-cd-uefi "booted under UEFI firmware" -E 'efi: EFI v[0-9.]+ by EDK II'
    check iso-cd-uefi "live_dir=sysresccd (dmsquash-live's deprecated alias) and no rd.loadsrm.dir" \
        -E 'Command line: .* live_dir=sysresccd( |$)'
    check_not iso-cd-uefi "no rd.loadsrm.dir" -E 'Command line: .*rd\.loadsrm\.dir'
    check iso-cd-uefi "getarg warned of the deprecated alias, as dmsquash-live reads it" \
        -F "Kernel command line option 'live_dir' is deprecated, use 'rd.live.dir' instead."
    check_iso_boot iso-dd
    check iso-dd "rd.loadsrm.dir=sysresccd on the kernel command line" -E 'Command line: .*rd\.loadsrm\.dir=sysresccd'

    echo "   boot stage took $(($(date +%s) - started)) s"
    ((failures == 0)) || fail "$failures check(s) failed; serial logs in $WORK/*.log"
    echo "boot tests passed"
}

main "$@"
