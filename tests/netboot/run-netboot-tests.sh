#!/usr/bin/env bash
# Network boot tests: make a network boot tree with the collection (tests/netboot/netboot-tree.yml),
# serve it over HTTP on 127.0.0.1, and PXE-boot clients in QEMU through iPXE; decide from the
# serial console only:
#   client-a       BIOS, MAC ...:0a: its own iPXE script, modules 10-xray and 20-yankee fetched over
#                  HTTP and checked against their sha256; 20-yankee overrides a file of the live root,
#                  10-xray wins over 20-yankee where they overlap
#   client-b       BIOS, MAC ...:0b: only 30-zulu; 25-wrongsum (wrong sha256) reported and skipped
#   plain          BIOS, a MAC without a script of its own (default.ipxe): no module argument, only
#                  the live root, no module touched
#   client-a-uefi  UEFI (OVMF): client-a again
# The guest sees nothing but QEMU's user network with restrict=on: QEMU's DHCP and TFTP (the first
# iPXE script and the per-client ones) and 10.0.2.100:80, which guestfwd relays to the HTTP
# server on 127.0.0.1 (relay.py, one process per connection). QEMU's exit status is never used;
# each boot is bounded by NETBOOT_TIMEOUT seconds and ends as soon as its log shows the end
# marker or a failure.
#
# Its packages come from `scripts/bootstrap.sh test` (bindep.txt). When a tool is missing it prints
# "netboot tests SKIPPED: <reason>" and exits 77, which scripts/test.sh reports as SKIPPED.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${NETBOOT_WORKDIR:-$ROOT/build/netboot}
TIMEOUT=${NETBOOT_TIMEOUT:-180}
OVMF=${NETBOOT_OVMF:-/usr/share/ovmf/OVMF.fd}
[ -d "$ROOT/.venv/bin" ] && export PATH="$ROOT/.venv/bin:$PATH"
[ -d "$ROOT/.venv/collections" ] && export ANSIBLE_COLLECTIONS_PATH="$ROOT/.venv/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1

STAGE="netboot tests"
# shellcheck source=tests/boot/qemu-lib.sh
. "$ROOT/tests/boot/qemu-lib.sh"

# Lines of a serial log that mean the boot will not reach its end marker.
FAILURE='Kernel panic|Boot has failed|System halted|emergency mode|dracut: FATAL|No more network devices'
FAILURE+='|Could not boot|No bootable device|Boot Failed'

check_tools() {
    local tool
    for tool in qemu-system-x86_64 dracut mksquashfs rsync python3 ansible-playbook; do
        command -v "$tool" > /dev/null || skip "$tool is not installed (make setup-test installs it)"
    done
    [ -r "$OVMF" ] || skip "no OVMF firmware at $OVMF"
    [ -r /usr/lib/ipxe/qemu/efi-virtio.rom ] || skip "no iPXE ROM for virtio-net (ipxe-qemu)"
    [ -d /usr/lib/dracut/modules.d/90livenet ] || skip "no livenet dracut module (dracut-live)"
    [ -d /usr/lib/dracut/modules.d/35network-legacy ] || skip "no network-legacy dracut module (dracut-network)"
    compgen -G '/boot/vmlinuz-*' > /dev/null || skip "no kernel in /boot (linux-image-amd64)"
}

# The HTTP server: loopback only, a free port chosen by the kernel and read from its first line.
HTTP_PID=
start_http() {
    local port=
    python3 -u -m http.server --bind 127.0.0.1 --directory "$WORK/http" 0 > "$WORK/http.log" 2>&1 &
    HTTP_PID=$!
    for _ in $(seq 50); do
        port=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$WORK/http.log")
        [ -n "$port" ] && break
        sleep 0.2
    done
    [ -n "$port" ] || fail "the HTTP server did not start (see $WORK/http.log)"
    HTTP_PORT=$port
}
stop_all() {
    local pidfile
    [ -z "$HTTP_PID" ] || kill "$HTTP_PID" 2> /dev/null || true
    for pidfile in "$WORK"/*.pid; do
        [ -e "$pidfile" ] || continue
        kill "$(cat "$pidfile")" 2> /dev/null || true
        rm -f "$pidfile"
    done
}
trap stop_all EXIT

# boot NAME MAC bios|uefi: PXE-boot one client in the background, serial console to $WORK/NAME.log.
boot() {
    local name=$1 mac=$2 firmware=$3 args netdev
    netdev="user,id=n0,restrict=on,tftp=$WORK/tftp,bootfile=boot.ipxe"
    netdev+=",guestfwd=tcp:10.0.2.100:80-cmd:python3 $ROOT/tests/netboot/relay.py $HTTP_PORT"
    args=(-accel tcg -m 1024 -smp 1 -display none -monitor none -no-reboot -serial "file:$WORK/$name.log"
          -netdev "$netdev" -boot n)
    if [ "$firmware" = uefi ]; then
        args+=(-M q35 -bios "$OVMF" -device "virtio-net-pci,netdev=n0,mac=$mac,romfile=efi-virtio.rom")
    else
        args+=(-device "virtio-net-pci,netdev=n0,mac=$mac")
    fi
    : > "$WORK/$name.log"
    qemu-system-x86_64 "${args[@]}" > "$WORK/$name.qemu.out" 2>&1 &
    echo $! > "$WORK/$name.pid"
    date +%s > "$WORK/$name.start"
}

check_common() {  # every boot: its own script, the live root over HTTP, a writable root
    local name=$1 client=$2
    check "$name" "end marker" -x 'RFTEST: end'
    # iPXE's own messages do not reach the serial console (Debian's ROMs): the client name its
    # script put on the kernel command line shows which script it ran
    check "$name" "booted its own iPXE script (rftest.client=$client)" -x "RFTEST: client=$client"
    check "$name" "live root fetched over HTTP by livenet" -F 'dracut: fetching http://10.0.2.100/LiveOS/squashfs.img'
    check "$name" "base file of the live root" -x 'RFTEST: base=base'
    check "$name" "root writable" -x 'RFTEST: writable=yes'
}

check_client_a() {
    local name=$1
    check_common "$name" client-a
    check "$name" "10-xray.srm fetched with a matching sha256" -E 'loadsrm: fetched 10-xray\.srm from http://10\.0\.2\.100/srm/10-xray\.srm \(sha256 [0-9a-f]{64}\)'
    check "$name" "20-yankee.srm fetched with a matching sha256" -E 'loadsrm: fetched 20-yankee\.srm from .* \(sha256 [0-9a-f]{64}\)'
    check "$name" "file of module X" -x 'RFTEST: x=x'
    check "$name" "file of module Y" -x 'RFTEST: y=y'
    check "$name" "no file of module Z" -x 'RFTEST: z=absent'
    check "$name" "Y overrides a file of the live root" -x 'RFTEST: shared=y'
    check "$name" "X wins over Y where they overlap (first name wins)" -x 'RFTEST: overlap=x'
    check "$name" "layers in order X, Y, live root" -F \
        'lowerdir=/run/loadsrm/layer1:/run/loadsrm/layer2:/run/rootfsbase,upperdir=/run/overlayfs'
    check_not "$name" "no module reported as failed" -F 'loadsrm: ERROR'
}

main() {
    local started outcome name
    started=$(date +%s)
    prepare

    echo "== making the network boot tree (tests/netboot/netboot-tree.yml)"
    run_playbook playbook.log tests/netboot/netboot-tree.yml netboot_workdir "the tree"
    echo "   tree made in $(($(date +%s) - started)) s"

    start_http
    echo "== booting over the network (QEMU TCG, HTTP on 127.0.0.1:$HTTP_PORT, at most $TIMEOUT s each, two at once)"
    local -a pairs=("client-a 52:54:00:15:00:0a bios" "client-b 52:54:00:15:00:0b bios"
                    "plain 52:54:00:15:00:ff bios" "client-a-uefi 52:54:00:15:00:0a uefi")
    local i spec
    for i in 0 2; do
        for spec in "${pairs[i]}" "${pairs[i + 1]}"; do
            # shellcheck disable=SC2086  # NAME MAC FIRMWARE, three words on purpose
            boot $spec
        done
        for spec in "${pairs[i]}" "${pairs[i + 1]}"; do
            name=${spec%% *}
            outcome=$(wait_boot "$name")
            echo "   $name: ${outcome% *} after ${outcome#* } s"
            grep -a '^RFTEST:\|loadsrm: ERROR' "$WORK/$name.log.txt" | sed 's/^/     | /' || true
            # a failed boot fails the stage now, without waiting for the others
            [ "${outcome% *}" = end ] || fail "$name did not reach its end marker (${outcome% *}); serial log $WORK/$name.log.txt"
        done
    done

    echo "== checking the serial logs"
    check_client_a client-a

    check_common client-b client-b
    check client-b "30-zulu.srm fetched with a matching sha256" -E 'loadsrm: fetched 30-zulu\.srm from .* \(sha256 [0-9a-f]{64}\)'
    check client-b "file of module Z" -x 'RFTEST: z=z'
    check client-b "no file of module X" -x 'RFTEST: x=absent'
    check client-b "no file of module Y" -x 'RFTEST: y=absent'
    check client-b "the live root's file where Y is not loaded" -x 'RFTEST: shared=base'
    check client-b "the live root's file where X is not loaded" -x 'RFTEST: overlap=base'
    check client-b "module with a wrong sha256 reported" -E \
        'loadsrm: ERROR: sha256 of http://10\.0\.2\.100/srm/25-wrongsum\.srm is [0-9a-f]{64}, not [0-9a-f]{64} as the boot entry says, ignoring'
    check client-b "module with a wrong sha256 skipped" -x 'RFTEST: wrongsum=absent'
    check client-b "layers: Z only, over the live root" -F \
        'lowerdir=/run/loadsrm/layer2:/run/rootfsbase,upperdir=/run/overlayfs'

    check_common plain default
    check_not plain "no module argument on the kernel command line" -E 'Command line: .*rd\.loadsrm'
    for name in x y z wrongsum; do check plain "no file of module $name" -x "RFTEST: $name=absent"; done
    check plain "the live root's files" -x 'RFTEST: overlap=base'
    check plain "root is the plain live overlay" -F 'lowerdir=/run/rootfsbase,upperdir=/run/overlayfs'
    check_not plain "no module touched" -F 'loadsrm:'

    check_client_a client-a-uefi
    check client-a-uefi "booted under UEFI firmware" -E 'efi: EFI v[0-9.]+ by EDK II'

    echo "   netboot stage took $(($(date +%s) - started)) s"
    ((failures == 0)) || fail "$failures check(s) failed; serial logs in $WORK/*.log.txt"
    echo "netboot tests passed"
}

main "$@"
