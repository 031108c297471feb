#!/usr/bin/env bash
# Network boot tests: the PXE server playbook of the README (taken from README.md, run as written with
# tests/netboot/inventory.yml) serves a dracut live system; QEMU clients boot it through the role's own
# services and files, and each is judged from its serial console only.
#
# The network: a namespace made here, with a bridge rfbr0 (10.77.0.1/24), one tap device per client
# and no route out. Inside it run the role's dnsmasq (DHCP for the whole network and TFTP, started with
# the file the role wrote and checked) and nginx (the role's site, in a main configuration of this test),
# and the network's IPv6 router: a second dnsmasq that only sends router advertisements for fd77::/64,
# as most networks have one. Without them iPXE waits for IPv6 autoconfiguration to time out (about 12 s
# of every iPXE start under TCG here) before it runs the boot file it was given.
# The tree the role wrote lives in a mktemp -d directory (mode 0755) outside the checkout, because
# nginx's workers and dnsmasq read it as other users. The chain each client follows:
#   client-a       BIOS, MAC ...:0a. Its NIC ROM is iPXE (QEMU's), which asks DHCP with the user class
#                  iPXE and is told http://10.77.0.1/boot.ipxe; that chains MAC-52540015000a.ipxe, which
#                  pxe_hosts wrote: modules 10-xray and 20-yankee over HTTP, checked against their sha256;
#                  20-yankee overrides a file of the live root, 10-xray wins over 20-yankee where they overlap;
#                  and 40-tls over HTTPS (https://10.77.0.1/, a self-signed certificate, nginx in the
#                  namespace) with rd.noverifyssl, which url-lib's fetch_url turns into curl --insecure
#   client-b       UEFI (OVMF's own PXE, no iPXE ROM), MAC ...:0b. Told ipxe.efi, reads it by TFTP from
#                  the role's TFTP root, then as iPXE the same way as client-a: only 30-zulu, and a module
#                  with a wrong sha256 (its pxe_kernel_args) reported and skipped; 40-tls without
#                  rd.noverifyssl: the certificate is refused, the module reported and skipped
#   plain          BIOS, a MAC not in inventory: boot.ipxe finds no file of its own and shows the default
#                  menu, whose default entry (pxe_server_menu_default: network) boots the live root only
#   client-a-uefi  client-a again, under UEFI with QEMU's iPXE option ROM (iPXE asks DHCP at once)
# Two boots at a time; each ends at its end marker or first sign of failure, after NETBOOT_TIMEOUT (180)
# s at most. QEMU's exit status is never used.
#
# Where tap devices are impossible (not root, no /dev/net/tun, no network namespaces), or with
# NETBOOT_NETWORK=user, the same files are booted through QEMU's user network instead (its DHCP and
# TFTP, and guestfwd to a Python HTTP server on 127.0.0.1 through relay.py): the role's dnsmasq and
# nginx then serve nothing, so the stage reports itself SKIPPED with the reason even when every check
# passes. Its packages come from `scripts/bootstrap.sh test` (bindep.txt). When a tool is missing it
# prints "netboot tests SKIPPED: <reason>" and exits 77, which scripts/test.sh reports as SKIPPED.
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

SERVER=10.77.0.1
NS=rfnet-$$-$RANDOM
MODE=${NETBOOT_NETWORK:-tap}
SERVE=
HTTP_PID=

check_tools() {
    local tool
    for tool in qemu-system-x86_64 dracut mksquashfs rsync python3 ansible-playbook dnsmasq nginx openssl; do
        command -v "$tool" > /dev/null || skip "$tool is not installed (make setup-test installs it)"
    done
    [ -r "$OVMF" ] || skip "no OVMF firmware at $OVMF"
    [ -r /usr/lib/ipxe/qemu/efi-virtio.rom ] || skip "no iPXE ROM for virtio-net (ipxe-qemu)"
    [ -r /usr/lib/ipxe/ipxe.efi ] || skip "no iPXE binaries in /usr/lib/ipxe (ipxe)"
    [ -d /usr/lib/dracut/modules.d/90livenet ] || skip "no livenet dracut module (dracut-live)"
    [ -d /usr/lib/dracut/modules.d/35network-legacy ] || skip "no network-legacy dracut module (dracut-network)"
    compgen -G '/boot/vmlinuz-*' > /dev/null || skip "no kernel in /boot (linux-image-amd64)"
}

stop_all() {
    local pidfile pid
    for pidfile in "$WORK"/*.pid; do
        [ -e "$pidfile" ] || continue
        kill "$(cat "$pidfile")" 2> /dev/null || true
        rm -f "$pidfile"
    done
    [ -z "$HTTP_PID" ] || kill "$HTTP_PID" 2> /dev/null || true
    if ip netns list 2> /dev/null | grep -q "^$NS\b"; then
        # dnsmasq, nginx and QEMU started inside the namespace: all ours
        for pid in $(ip netns pids "$NS"); do kill "$pid" 2> /dev/null || true; done
        sleep 1
        ip netns delete "$NS" 2> /dev/null || true
    fi
    [ -z "$SERVE" ] || rm -rf "$SERVE"
}
trap stop_all EXIT

# make_network: the namespace, its bridge and a tap device per boot slot; prints why when impossible.
make_network() {
    [ "$(id -u)" = 0 ] || { echo "not root: no network namespace or tap device"; return 1; }
    command -v ip > /dev/null || { echo "no ip command (iproute2)"; return 1; }
    [ -c /dev/net/tun ] || { echo "no /dev/net/tun"; return 1; }
    ip netns add "$NS" 2> "$WORK/netns.err" || { echo "cannot make a network namespace: $(cat "$WORK/netns.err")"; return 1; }
    {
        ip -n "$NS" link set lo up
        ip -n "$NS" link add rfbr0 type bridge
        ip -n "$NS" addr add "$SERVER/24" dev rfbr0
        ip -n "$NS" addr add fd77::1/64 dev rfbr0 nodad
        ip -n "$NS" link set rfbr0 up
        local tap
        for tap in rftap0 rftap1; do
            ip -n "$NS" tuntap add dev "$tap" mode tap
            ip -n "$NS" link set "$tap" master rfbr0
            ip -n "$NS" link set "$tap" up
        done
    } 2> "$WORK/netns.err" || { echo "cannot make a bridge and tap devices: $(cat "$WORK/netns.err")"; return 1; }
}

# start_services: the role's dnsmasq and nginx inside the namespace, with the files the role wrote.
start_services() {
    ip netns exec "$NS" dnsmasq --keep-in-foreground --conf-file="$WORK/dnsmasq/rescuefleet-pxe.conf" \
        --leasefile-ro --pid-file= --log-facility=- > "$WORK/dnsmasq.log" 2>&1 &
    echo $! > "$WORK/dnsmasq.pid"
    ip netns exec "$NS" nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' > "$WORK/nginx.out" 2>&1 &
    echo $! > "$WORK/nginx.pid"
    # the network's IPv6 router (not the role's): router advertisements only
    ip netns exec "$NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --interface=rfbr0 --bind-dynamic \
        --enable-ra --dhcp-range=::,constructor:rfbr0,ra-only --leasefile-ro --pid-file= --log-facility=- \
        > "$WORK/router.log" 2>&1 &
    echo $! > "$WORK/router.pid"
    local code=
    for _ in $(seq 50); do
        code=$(ip netns exec "$NS" curl -s -o /dev/null -w '%{http_code}' "http://$SERVER/boot.ipxe" || true)
        [ "$code" = 200 ] && grep -q 'DHCP, IP range' "$WORK/dnsmasq.log" && break
        sleep 0.2
    done
    [ "$code" = 200 ] || fail "nginx does not serve boot.ipxe (HTTP $code; see $WORK/nginx/error.log)"
    grep -q 'DHCP, IP range' "$WORK/dnsmasq.log" || fail "dnsmasq did not start (see $WORK/dnsmasq.log)"
}

# The main configuration nginx runs with here: the role's site from pxe_server_nginx_conf_dir, the
# pid file and logs in the work directory, so that nothing of the host's nginx is touched. On the tap
# network, a server of the test's own beside it: the same tree over HTTPS with a self-signed certificate.
write_nginx_conf() {
    local user=nobody tls=
    id www-data > /dev/null 2>&1 && user=www-data
    mkdir -p "$WORK/nginx/conf.d"
    if [ "$MODE" = tap ]; then
        mkdir -p "$WORK/tls"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$SERVER" \
            -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" > "$WORK/tls/openssl.log" 2>&1 \
            || fail "openssl could not make the test's self-signed certificate (see $WORK/tls/openssl.log)"
        tls="server { listen $SERVER:443 ssl; ssl_certificate $WORK/tls/cert.pem; ssl_certificate_key $WORK/tls/key.pem; root $SERVE/http; }"
    fi
    cat > "$WORK/nginx/nginx.conf" << EOF
user $user;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $WORK/nginx/access.log;
    include $WORK/nginx/conf.d/*.conf;
    $tls
}
EOF
}

# Fallback: a Python HTTP server on 127.0.0.1, reached through QEMU's guestfwd.
start_http() {
    local port=
    python3 -u -m http.server --bind 127.0.0.1 --directory "$SERVE/http" 0 > "$WORK/http.log" 2>&1 &
    HTTP_PID=$!
    for _ in $(seq 50); do
        port=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\).*/\1/p' "$WORK/http.log")
        [ -n "$port" ] && break
        sleep 0.2
    done
    [ -n "$port" ] || fail "the HTTP server did not start (see $WORK/http.log)"
    HTTP_PORT=$port
}

# boot NAME MAC bios|uefi|uefi-ipxe SLOT: network-boot one client in the background, serial console to
# $WORK/NAME.log. bios and uefi-ipxe boot from QEMU's iPXE option ROM, uefi from the firmware's own PXE.
boot() {
    local name=$1 mac=$2 firmware=$3 slot=$4 args nic netdev
    args=(-accel tcg -m 1024 -smp 1 -display none -monitor none -no-reboot -serial "file:$WORK/$name.log" -boot n)
    if [ "$MODE" = tap ]; then
        netdev="tap,id=n0,ifname=rftap$slot,script=no,downscript=no"
    else
        netdev="user,id=n0,restrict=on,tftp=$SERVE/http,bootfile=boot.ipxe"
        netdev+=",guestfwd=tcp:10.0.2.100:80-cmd:python3 $ROOT/tests/netboot/relay.py $HTTP_PORT"
    fi
    nic="virtio-net-pci,netdev=n0,mac=$mac"
    if [ "$firmware" != bios ]; then
        # the firmware's own PXE (no option ROM) loads ipxe.efi from dnsmasq's TFTP; QEMU's user network
        # hands out boot.ipxe, which only iPXE can run
        if [ "$firmware" = uefi ] && [ "$MODE" = tap ]; then nic+=",romfile="; else nic+=",romfile=efi-virtio.rom"; fi
        args+=(-M q35 -bios "$OVMF")
    else
        # SeaBIOS copies the text console (iPXE's messages) to the serial port
        args+=(-fw_cfg "name=etc/sercon-port,file=$WORK/sercon-port")
    fi
    args+=(-netdev "$netdev" -device "$nic")
    : > "$WORK/$name.log"
    if [ "$MODE" = tap ]; then
        ip netns exec "$NS" qemu-system-x86_64 "${args[@]}" > "$WORK/$name.qemu.out" 2>&1 &
    else
        qemu-system-x86_64 "${args[@]}" > "$WORK/$name.qemu.out" 2>&1 &
    fi
    echo $! > "$WORK/$name.pid"
    date +%s > "$WORK/$name.start"
}

check_common() {  # every boot: the live root over HTTP, a writable root, its own file or the menu
    local name=$1 client=$2
    check "$name" "end marker" -x 'RFTEST: end'
    if [ -n "$client" ]; then
        # the client's name comes from its pxe_kernel_args, on the command line of its own file
        check "$name" "booted its own boot file (rftest.client=$client)" -x "RFTEST: client=$client"
    else
        check_not "$name" "booted no client's boot file" -F 'RFTEST: client='
    fi
    check "$name" "live root fetched over HTTP by livenet" -F "dracut: fetching ${URL}LiveOS/squashfs.img"
    check "$name" "base file of the live root" -x 'RFTEST: base=base'
    check "$name" "root writable" -x 'RFTEST: writable=yes'
}

check_client_a() {
    local name=$1
    check_common "$name" client-a
    check "$name" "10-xray.srm fetched with a matching sha256" -E "loadsrm: fetched 10-xray\.srm from ${URL//./\\.}srm/10-xray\.srm \(sha256 [0-9a-f]{64}\)"
    check "$name" "20-yankee.srm fetched with a matching sha256" -E 'loadsrm: fetched 20-yankee\.srm from .* \(sha256 [0-9a-f]{64}\)'
    check "$name" "file of module X" -x 'RFTEST: x=x'
    check "$name" "file of module Y" -x 'RFTEST: y=y'
    check "$name" "no file of module Z" -x 'RFTEST: z=absent'
    check "$name" "Y overrides a file of the live root" -x 'RFTEST: shared=y'
    check "$name" "X wins over Y where they overlap (first name wins)" -x 'RFTEST: overlap=x'
    check_not "$name" "no module reported as failed" -F 'loadsrm: ERROR'
    if [ -n "$TLS_URL" ]; then
        check "$name" "rd.noverifyssl on the kernel command line" -E 'Command line: .* rd\.noverifyssl( |$)'
        check "$name" "40-tls.srm fetched over HTTPS (self-signed certificate, rd.noverifyssl) with a matching sha256" \
            -E "loadsrm: fetched 40-tls\.srm from ${TLS_URL//./\\.}extra/40-tls\.srm \(sha256 [0-9a-f]{64}\)"
        check "$name" "file of the HTTPS module" -x 'RFTEST: tls=tls'
        check "$name" "layers in order X, Y, TLS, live root" -F \
            'lowerdir=/run/loadsrm/layer1:/run/loadsrm/layer2:/run/loadsrm/layer3:/run/rootfsbase,upperdir=/run/overlayfs'
    else
        check "$name" "layers in order X, Y, live root" -F \
            'lowerdir=/run/loadsrm/layer1:/run/loadsrm/layer2:/run/rootfsbase,upperdir=/run/overlayfs'
    fi
}

# check_chain NAME MAC-HEX: the client ran boot.ipxe from the server, then its own file or the menu.
check_chain() {
    local name=$1 hex=$2 own=$3
    check "$name" "iPXE told to run ${URL}boot.ipxe by the role's dnsmasq" -F "Filename: ${URL}boot.ipxe"
    # iPXE prints a relative name as the script gives it; boot.ipxe was fetched over HTTP, so are they
    if [ "$own" = own ]; then
        check "$name" "chained its own MAC-$hex.ipxe, relative to boot.ipxe" -F "MAC-$hex.ipxe... ok"
    else
        check "$name" "found no file of its own" -F "MAC-$hex.ipxe... No such file"
    fi
}

main() {
    local started outcome name reason
    started=$(date +%s)
    prepare
    SERVE=$(mktemp -d "${TMPDIR:-/tmp}/rescuefleet-netboot.XXXXXX")
    chmod 0755 "$SERVE"
    printf '\xf8\x03' > "$WORK/sercon-port"   # SeaBIOS: serial console at 0x3f8
    rm -f "$WORK"/*.log "$WORK"/*.log.txt "$WORK/nginx"/*.log

    if [ "$MODE" = tap ] && reason=$(make_network); then
        URL="http://$SERVER/"
    else
        [ "$MODE" = tap ] || reason="NETBOOT_NETWORK=$MODE"
        MODE=user
        URL="http://10.0.2.100/"
        echo "   no tap network ($reason): QEMU's user network instead"
    fi

    echo "== the PXE server playbook of the README, with tests/netboot/inventory.yml"
    python3 tests/newcomer/readme_script.py --save netboot README.md "$WORK/readme" > /dev/null \
        || fail "README.md has no PXE server playbook tagged netboot"
    write_nginx_conf
    local vars="netboot_work=$WORK netboot_serve=$SERVE netboot_url=$URL" in_ns=()
    ansible-playbook -i localhost, tests/netboot/netboot-root.yml -e "$vars" > "$WORK/root.log" 2>&1 \
        || { tail -30 "$WORK/root.log"; fail "the test's live root was not built (see $WORK/root.log)"; }
    TLS_URL=
    if [ "$MODE" = tap ]; then
        TLS_URL="https://$SERVER/"
        vars+=" netboot_tls_url=$TLS_URL netboot_tls_sha256=$(cat "$WORK/40-tls.sha256")"
    fi
    # The PXE server is the namespace: nginx -t checks that the site's address is there.
    if [ "$MODE" = tap ]; then
        in_ns=(ip netns exec "$NS")
        vars+=" netboot_http_address=$SERVER"
    else
        vars+=" netboot_http_address=127.0.0.1"
    fi
    "${in_ns[@]}" ansible-playbook -i tests/netboot/inventory.yml "$WORK/readme/pxe-live.yml" -e "$vars" \
        > "$WORK/playbook.log" 2>&1 \
        || { tail -40 "$WORK/playbook.log"; fail "the README's PXE server playbook failed (see $WORK/playbook.log)"; }
    grep -A1 '^PLAY RECAP' "$WORK/playbook.log" | tail -1
    echo "   tree and services' files made in $(($(date +%s) - started)) s"

    if [ "$MODE" = tap ]; then
        start_services
        echo "== booting through the role's dnsmasq and nginx in namespace $NS (QEMU TCG, at most $TIMEOUT s each, two at once)"
    else
        start_http
        echo "== booting through QEMU's user network (HTTP on 127.0.0.1:$HTTP_PORT, at most $TIMEOUT s each, two at once)"
    fi
    local -a pairs=("client-a 52:54:00:15:00:0a bios" "client-b 52:54:00:15:00:0b uefi"
                    "plain 52:54:00:15:00:ff bios" "client-a-uefi 52:54:00:15:00:0a uefi-ipxe")
    local i slot spec
    for i in 0 2; do
        slot=0
        for spec in "${pairs[i]}" "${pairs[i + 1]}"; do
            # shellcheck disable=SC2086  # NAME MAC FIRMWARE, three words on purpose
            boot $spec $slot
            slot=$((slot + 1))
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
        "loadsrm: ERROR: sha256 of ${URL//./\\.}extra/25-wrongsum\.srm is [0-9a-f]{64}, not [0-9a-f]{64} as the boot entry says, ignoring"
    check client-b "module with a wrong sha256 skipped" -x 'RFTEST: wrongsum=absent'
    check client-b "layers: Z only, over the live root (a failed fetch takes no layer)" -F \
        'lowerdir=/run/loadsrm/layer1:/run/rootfsbase,upperdir=/run/overlayfs'
    if [ -n "$TLS_URL" ]; then
        check_not client-b "no rd.noverifyssl on the kernel command line" -F 'rd.noverifyssl'
        check client-b "the self-signed certificate refused without rd.noverifyssl (curl's error 60, through fetch_url)" -E \
            "loadsrm: ERROR: failed to download ${TLS_URL//./\\.}extra/40-tls\.srm \(fetch_url exit status 60\), ignoring: curl: \(60\) SSL certificate problem"
        check client-b "the HTTPS module skipped" -x 'RFTEST: tls=absent'
    fi

    check_common plain ""
    check_not plain "no module argument on the kernel command line" -E 'Command line: .*rd\.loadsrm'
    check plain "the default menu's entry, with the MAC iPXE expanded" -E 'Command line: .* BOOTIF=01-52-54-00-15-00-ff'
    for name in x y z wrongsum tls; do check plain "no file of module $name" -x "RFTEST: $name=absent"; done
    check plain "the live root's files" -x 'RFTEST: overlap=base'
    check plain "root is the plain live overlay" -F 'lowerdir=/run/rootfsbase,upperdir=/run/overlayfs'
    check_not plain "no module touched" -F 'loadsrm:'

    check_client_a client-a-uefi
    check client-a-uefi "booted under UEFI firmware" -E 'efi: EFI v[0-9.]+ by EDK II'

    # the files booted are the ones pxe_hosts wrote (its marker), nothing written by this test
    for name in MAC-52540015000a.ipxe MAC-52540015000b.ipxe boot.ipxe; do
        grep -q 'Managed by rescuefleet.media.pxe_hosts' "$SERVE/http/$name" \
            || { echo "  FAIL $name is not a file pxe_hosts wrote"; failures=$((failures + 1)); }
    done

    if [ "$MODE" = tap ]; then
        echo "== checking the chain through the role's services"
        check_chain client-a 52540015000a own
        check_chain client-a-uefi 52540015000a own
        check_chain client-b 52540015000b own
        check_chain plain 5254001500ff menu
        check plain "the default menu" -F 'Live system (HTTP, no modules)'
        check client-b "UEFI firmware told ipxe.efi by the role's dnsmasq" -F 'NBP filename is ipxe.efi'
        tr -d '\r' < "$WORK/dnsmasq.log" > "$WORK/dnsmasq.log.txt"
        check dnsmasq "the role's dnsmasq leased addresses to the clients" -F 'DHCPACK(rfbr0) 10.77.0.'
        check dnsmasq "the role's dnsmasq sent ipxe.efi by TFTP" -F "sent $SERVE/http/ipxe.efi to 10.77.0."
        cp "$WORK/nginx/access.log" "$WORK/nginx.log.txt"
        check nginx "the role's nginx served client-a's own file" -E '"GET /MAC-52540015000a\.ipxe HTTP/1\.1" 200'
        check nginx "the role's nginx served the modules" -E '"GET /srm/10-xray\.srm HTTP/1\.1" 200'
        check nginx "no file of its own for the machine not in inventory" -E '"GET /MAC-5254001500ff\.ipxe HTTP/1\.1" 404'
        check nginx "the test's HTTPS server served the module to client-a" -E '"GET /extra/40-tls\.srm HTTP/1\.1" 200'
    fi

    echo "   netboot stage took $(($(date +%s) - started)) s"
    ((failures == 0)) || fail "$failures check(s) failed; serial logs in $WORK/*.log.txt"
    if [ "$MODE" = user ]; then
        skip "no tap network ($reason): the collection's files booted through QEMU's user network, but the role's dnsmasq and nginx served nothing"
    fi
    echo "netboot tests passed"
}

main "$@"
