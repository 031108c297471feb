#!/usr/bin/env bash
# srm_load proven on a booted live system (issue 25; docs/systemrescue.md section 4a). A QEMU guest
# (TCG, user networking with restrict=on, SSH forwarded from a loopback port chosen at run time)
# boots the medium tests/boot/late-load-medium.yml makes: a dracut live system with systemd, sshd
# and Python standing in for SystemRescue (/run/archiso/bootmnt, an overlay root, /tmp on a tmpfs,
# an enabled firewall the operator stopped, a key appended by the boot). ansible-playbook then runs
# rescuefleet.media.srm_load over real SSH (tests/boot/late-load.yml), twice, and new SSH
# connections show:
#   - the enabled-but-stopped firewall stays stopped, and a new SSH connection succeeds;
#   - the key the boot added survives (and the module's own key works too), the hosts line too;
#   - the module's files are in place, its unit was started, its sparse file is still sparse;
#   - the module sent from the controller waited in /tmp, not in ~/.ansible/tmp (the copy-on-write
#     space holds no /root/.ansible), and the module on the read-only medium loaded where it lies;
#   - the second run changes nothing (changed=0);
#   - control: what the old srm_load did, `systemctl start multi-user.target`, starts the firewall
#     again and a new SSH connection then fails.
#
# Its packages come from `scripts/bootstrap.sh test` (bindep.txt). A missing tool makes it print
# "late-load test SKIPPED: <reason>" and exit 77.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${LATE_WORKDIR:-$ROOT/build/late-load}
TIMEOUT=${BOOT_TIMEOUT:-180}
[ -d "$ROOT/.venv/bin" ] && export PATH="$ROOT/.venv/bin:$PATH"
[ -d "$ROOT/.venv/collections" ] && export ANSIBLE_COLLECTIONS_PATH="$ROOT/.venv/collections"
export ANSIBLE_NOCOLOR=1 ANSIBLE_PIPELINING=1

STAGE="late-load test"
# shellcheck source=tests/boot/qemu-lib.sh
. "$ROOT/tests/boot/qemu-lib.sh"
FAILURE='Kernel panic|emergency mode|dracut: FATAL|Failed to start.*Switch Root|RFTEST: operator stopped the firewall: active'

check_tools() {
    local tool
    for tool in qemu-system-x86_64 dracut mksquashfs xorriso ssh ssh-keygen dpkg ldd ldconfig ansible-playbook; do
        command -v "$tool" > /dev/null || skip "$tool is not installed (make setup-test installs it)"
    done
    compgen -G '/boot/vmlinuz-*' > /dev/null || skip "no kernel in /boot (linux-image-amd64)"
    local package
    for package in systemd systemd-sysv openssh-server python3.11-minimal rsync squashfs-tools iproute2 libnftables1; do
        dpkg-query -W -f='${Status}' "$package" 2> /dev/null | grep -q 'ok installed' \
            || skip "Debian package $package is not installed (make setup-test installs it)"
    done
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# guest_ssh KEY COMMAND...: a new SSH connection (no connection sharing) running COMMAND as root.
# QEMU accepts the TCP connection on the host side at once; a guest that drops the SYN shows as no SSH
# banner, which ConnectTimeout (CONNECT_TIMEOUT seconds) covers.
guest_ssh() {
    local key=$1
    shift
    timeout 60 ssh -F none -i "$key" -p "$PORT" -o IdentitiesOnly=yes -o BatchMode=yes -o ControlMaster=no \
        -o ControlPath=none -o ConnectTimeout="${CONNECT_TIMEOUT:-15}" -o UserKnownHostsFile="$WORK/known_hosts" \
        -o StrictHostKeyChecking=yes root@127.0.0.1 "$@"
}

# What the guest looks like, one "name=value" line each, read over one new SSH connection (NFT_LIST is
# the command that lists the firewall's table).
# shellcheck disable=SC2016  # expanded in the guest
STATE='
echo "firewall=$(systemctl is-enabled rftest-firewall.service) $(systemctl is-active rftest-firewall.service)"
echo "rules=$($NFT_LIST > /dev/null 2>&1 && echo loaded || echo none)"
echo "root=$(sed -n "s|^[^ ]* / \([^ ]*\) .*|\1|p" /proc/mounts | tail -1)"
echo "archiso=$(test -d /run/archiso/bootmnt/late && echo yes)"
echo "tmp=$(sed -n "s|^[^ ]* /tmp \([^ ]*\) .*|\1|p" /proc/mounts)"
echo "keys=$(echo $(sed "s/.* //" /root/.ssh/authorized_keys))"
echo "hosts=$(paste -sd"|" /etc/hosts)"
echo "tool=$(/usr/local/bin/rftest-late 2> /dev/null)"
echo "medium=$(cat /usr/local/share/rftest/medium.txt 2> /dev/null)"
echo "unit=$(systemctl is-active rftest-late.service) $(cat /run/rftest-late.started 2> /dev/null)"
set -- $(stat -c "%s %b %B" /opt/rftest/sparse.img 2> /dev/null || echo 0 0 0)
echo "sparse=$1 $(($2 * $3 <= 262144))"
echo "upper=$(test -d /run/overlayfs/etc && echo $(test -e /run/overlayfs/root/.ansible && echo ansible-tmp-used || echo clean))"
echo "staging=$(ls -A /tmp | grep -E "^(ansible-tmp-|rescuefleet-late-load)" | wc -l)"
echo "bootmnt=$(echo $(ls -A /run/archiso/bootmnt/late))"
'

facts() {  # facts FILE: the state of the guest into FILE
    guest_ssh "$WORK/keys/controller" "NFT_LIST='$NFT_LIST'; $STATE" > "$1" 2>&1 || fail "cannot read the guest's state: $(cat "$1")"
}

# fact FILE NAME EXPECTED DESCRIPTION
fact() {
    local got
    got=$(sed -n "s/^$2=//p" "$1")
    if [ "$got" = "$3" ]; then
        echo "  ok   $4"
    else
        echo "  FAIL $4: expected [$3], got [$got]"
        failures=$((failures + 1))
    fi
}

# check_ok DESCRIPTION COMMAND...: COMMAND succeeds on the controller.
check_ok() {
    local what=$1
    shift
    if "$@"; then
        echo "  ok   $what"
    else
        echo "  FAIL $what"
        failures=$((failures + 1))
    fi
}

playbook() {  # playbook LOG FIRST: the late-load playbook; its recap line and wall time
    local log=$WORK/$1 start
    start=$(date +%s)
    ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=30s -o UserKnownHostsFile=$WORK/known_hosts -o StrictHostKeyChecking=yes" \
        ANSIBLE_CONTROL_PATH_DIR="$WORK/cp" ansible-playbook -vvv -i "$WORK/inventory.yml" tests/boot/late-load.yml \
        -e "late_workdir=$WORK" -e "late_load_first=$2" > "$log" 2>&1 \
        || { grep -E '^(fatal|failed)|FAILED|assertion' "$log" | tail -20; fail "the late-load playbook failed (see $log)"; }
    echo "$(grep -A1 '^PLAY RECAP' "$log" | tail -1) ($(($(date +%s) - start)) s)"
}

main() {
    local started boot_started made outcome
    started=$(date +%s)
    prepare
    rm -rf "$WORK/keys" "$WORK/cp"
    mkdir -p "$WORK/keys" "$WORK/cp"
    local key
    for key in controller module host; do
        ssh-keygen -q -t ed25519 -N '' -C "rftest-$key" -f "$WORK/keys/$key"
    done
    local nft=false
    NFT_LIST='/usr/local/sbin/rftest-nft list table inet rftest_firewall'
    if dpkg-query -W -f='${Status}' nftables 2> /dev/null | grep -q 'ok installed'; then
        nft=true
        NFT_LIST='nft list table inet rftest_firewall'
    fi

    echo "== making the medium (tests/boot/late-load-medium.yml; firewall through $([ "$nft" = true ] && echo /usr/sbin/nft || echo libnftables))"
    ansible-playbook -i localhost, tests/boot/late-load-medium.yml -e "late_workdir=$WORK" -e "late_nft_package=$nft" \
        -e "late_boot_workdir=${BOOT_WORKDIR:-$ROOT/build/boot}" \
        > "$WORK/medium.log" 2>&1 || { tail -40 "$WORK/medium.log"; fail "the playbook that makes the medium failed (see $WORK/medium.log)"; }
    grep -A1 '^PLAY RECAP' "$WORK/medium.log" | tail -1
    made=$(date +%s)
    echo "   medium made in $((made - started)) s"

    PORT=$(free_port)
    echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$WORK/keys/host.pub")" > "$WORK/known_hosts"
    cat > "$WORK/inventory.yml" <<EOF
rescue:
  hosts:
    rftest-late:
      ansible_host: 127.0.0.1
      ansible_port: $PORT
      ansible_user: root
      ansible_ssh_private_key_file: $WORK/keys/controller
      ansible_python_interpreter: /usr/bin/python3
EOF

    echo "== booting (QEMU TCG, SSH on 127.0.0.1:$PORT)"
    local append="root=live:LABEL=RFLATE rd.live.overlay.overlayfs=1 console=ttyS0,115200 rd.retry=20 rd.shell=0"
    append+=" panic=1 systemd.getty_auto=0"
    rm -f "$WORK/late.log"
    : > "$WORK/late.log"
    boot_started=$(date +%s)
    qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -display none -monitor none -no-reboot -snapshot \
        -serial "file:$WORK/late.log" -kernel "$WORK/medium/LiveOS/vmlinuz" -initrd "$WORK/medium/LiveOS/initrd.img" \
        -append "$append" -drive "file=$WORK/late-medium.iso,format=raw,if=virtio,readonly=on" \
        -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-:22" -device virtio-net-pci,netdev=n0 \
        > "$WORK/late.qemu.out" 2>&1 &
    echo $! > "$WORK/late.pid"
    echo "$boot_started" > "$WORK/late.start"
    trap 'kill "$(cat "$WORK/late.pid" 2> /dev/null)" 2> /dev/null || true' EXIT

    # up when the operator has stopped the firewall and SSH answers
    while :; do
        if grep -qaE "$FAILURE" "$WORK/late.log"; then
            outcome=$(wait_boot late)
            fail "the guest did not come up (${outcome% *}); serial log: $WORK/late.log.txt"
        fi
        if grep -qa 'RFTEST: operator stopped the firewall' "$WORK/late.log" && guest_ssh "$WORK/keys/controller" true 2> /dev/null; then
            break
        fi
        kill -0 "$(cat "$WORK/late.pid")" 2> /dev/null || fail "QEMU ended before the guest came up: $(cat "$WORK/late.qemu.out")"
        (($(date +%s) - boot_started < TIMEOUT)) || { wait_boot late > /dev/null; fail "no SSH within $TIMEOUT s; serial log: $WORK/late.log.txt"; }
        sleep 2
    done
    echo "   up after $(($(date +%s) - boot_started)) s"
    grep -a '^RFTEST:' "$WORK/late.log" | tr -d '\r' | sed 's/^/     | /'

    echo "== before loading"
    facts "$WORK/state-before"
    fact "$WORK/state-before" firewall "enabled inactive" "the firewall is enabled but stopped (the operator stopped it)"
    fact "$WORK/state-before" rules none "no firewall rules loaded"
    fact "$WORK/state-before" root overlay "the root is an overlay"
    fact "$WORK/state-before" archiso yes "the boot medium is at /run/archiso/bootmnt (srm_load's live-system check)"
    fact "$WORK/state-before" tmp tmpfs "/tmp is a tmpfs of its own"
    fact "$WORK/state-before" keys rftest-controller "the boot appended the controller's key"
    fact "$WORK/state-before" tool "" "the module's tool is not there yet"

    echo "== srm_load, first run (ansible-playbook over SSH)"
    playbook late-load-1.log true
    echo "== after loading"
    local after=$WORK/state-after
    check_ok "a new SSH connection succeeds" facts "$after"
    fact "$after" firewall "enabled inactive" "the firewall stayed stopped"
    fact "$after" rules none "no firewall rules loaded"
    fact "$after" keys "rftest-module rftest-controller" "the boot's key kept, after the module's key"
    check_ok "the module's key logs in too (a new SSH connection)" guest_ssh "$WORK/keys/module" true
    fact "$after" hosts "127.0.0.1 localhost|10.0.9.9 vault.example.com|10.0.7.1 pxe.example.com" \
        "the boot's hosts line kept, after the module's"
    fact "$after" tool late-loaded "the module's tool is in place"
    fact "$after" medium medium "the module on the read-only medium was loaded"
    fact "$after" unit "active started" "the unit the module enables was started"
    fact "$after" sparse "67108864 1" "the sparse file stayed sparse (64 MiB, at most 256 KiB allocated)"
    fact "$after" upper clean "nothing went through ~/.ansible/tmp in the copy-on-write space"
    fact "$after" staging 0 "no staging directory left in /tmp"
    fact "$after" bootmnt "$(sed -n 's/^bootmnt=//p' "$WORK/state-before")" "nothing created on the medium beside the module"
    check_ok "the controller sent 10-late.srm into /tmp/ansible-tmp-*" \
        grep -qE "PUT .*10-late.srm TO /tmp/ansible-tmp-[^ ]*/10-late.srm" "$WORK/late-load-1.log"

    echo "== srm_load, second run"
    local recap
    recap=$(playbook late-load-2.log false)
    echo "$recap"
    if [[ "$recap" =~ changed=0\  ]] && [[ "$recap" =~ failed=0\  ]]; then
        echo "  ok   the second run is a no-op (changed=0)"
    else
        echo "  FAIL the second run is a no-op (changed=0)"; failures=$((failures + 1))
    fi

    echo "== control: what the old srm_load did (systemctl start multi-user.target)"
    guest_ssh "$WORK/keys/controller" 'systemctl start multi-user.target; systemctl is-active rftest-firewall.service' \
        | sed 's/^/     | firewall: /' || true
    if CONNECT_TIMEOUT=8 guest_ssh "$WORK/keys/controller" true 2> "$WORK/control.err"; then
        echo "  FAIL a new SSH connection is refused once multi-user.target started the firewall again"
        failures=$((failures + 1))
    else
        echo "  ok   a new SSH connection is refused once multi-user.target started the firewall again ($(tail -1 "$WORK/control.err"))"
    fi

    kill "$(cat "$WORK/late.pid")" 2> /dev/null || true
    outcome=$(wait_boot late)
    echo "   QEMU stopped (${outcome% *}); the test took $(($(date +%s) - started)) s (medium $((made - started)) s, boot and checks $(($(date +%s) - made)) s)"
    ((failures == 0)) || fail "$failures check(s) failed; serial log in $WORK/late.log.txt, playbook logs in $WORK/late-load-*.log"
    echo "late-load test passed"
}

main "$@"
