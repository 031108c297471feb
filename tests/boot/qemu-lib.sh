# Shared by tests/boot/run-boot-tests.sh and tests/netboot/run-netboot-tests.sh (sourced): skipping
# and failing a stage, waiting for a QEMU boot to end and checking
# its serial log. The packages come from `scripts/bootstrap.sh test` (bindep.txt, profile test), which
# `make test` runs before the first stage; a stage never installs anything itself.
# The caller sets STAGE (its name in messages), WORK, TIMEOUT and FAILURE
# (an extended regular expression of serial log lines that mean the boot will not reach its end).
# shellcheck shell=bash

# skip REASON: the stage cannot run here. Exit status 77 (automake's "skipped"), which scripts/test.sh
# reports as SKIPPED with the reason (from $RESCUEFLEET_SKIP_FILE) and, under CI=true, as a failure.
# Never exit 0: a stage that proved nothing must not read as passed.
skip() {
    echo "$STAGE SKIPPED: $*"
    [ -z "${RESCUEFLEET_SKIP_FILE:-}" ] || printf '%s\n' "$*" > "$RESCUEFLEET_SKIP_FILE"
    exit 77
}

fail() {
    echo "$STAGE FAILED: $*" >&2
    exit 1
}

# wait_boot NAME: until the end marker, a failure or the timeout; stops QEMU. Prints the outcome.
wait_boot() {
    # Two locals: in one, $name in log= would still be the caller's variable.
    local name=$1
    local log=$WORK/$name.log pid start now outcome=timeout
    pid=$(cat "$WORK/$name.pid")
    start=$(cat "$WORK/$name.start")
    while :; do
        now=$(date +%s)
        if grep -qa '^RFTEST: end' "$log"; then
            outcome=end
            break
        fi
        if grep -qaE "$FAILURE" "$log"; then
            outcome=failure
            break
        fi
        if ! kill -0 "$pid" 2> /dev/null; then
            outcome=exited
            break
        fi
        ((now - start < TIMEOUT)) || break
        sleep 1
    done
    # The test root powers off after its end marker; give it a moment, then stop QEMU in any case.
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2> /dev/null || break; sleep 1; done
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    rm -f "$WORK/$name.pid"
    tr -d '\r' < "$log" > "$log.txt"
    echo "$outcome $(($(date +%s) - start))"
}

# prepare: the work directory, then the caller's check_tools (which skips the stage when a tool is missing).
prepare() {
    mkdir -p "$WORK"
    check_tools
}

# run_playbook LOG PLAYBOOK VAR WHAT: run the playbook that makes what the stage boots, with VAR=$WORK;
# on failure show the end of its log and fail the stage.
run_playbook() {
    local log=$WORK/$1 playbook=$2 var=$3 what=$4
    ansible-playbook -i localhost, "$playbook" -e "$var=$WORK" > "$log" 2>&1 \
        || { tail -40 "$log"; fail "the playbook that makes $what failed (see $log)"; }
    grep -A1 '^PLAY RECAP' "$log" | tail -1
}

failures=0
check() {  # check NAME DESCRIPTION grep-args...
    local name=$1 what=$2
    shift 2
    if grep -qa "$@" "$WORK/$name.log.txt"; then
        echo "  ok   $name: $what"
    else
        echo "  FAIL $name: $what"
        failures=$((failures + 1))
    fi
}
check_not() {
    local name=$1 what=$2
    shift 2
    if grep -qa "$@" "$WORK/$name.log.txt"; then
        echo "  FAIL $name: $what"
        failures=$((failures + 1))
    else
        echo "  ok   $name: $what"
    fi
}
