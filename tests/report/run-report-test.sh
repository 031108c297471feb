#!/usr/bin/env bash
# Copyright (c) rescuefleet.media contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The fleet report as people see it: rendered by headless Chromium, checked from the text of the
# rendered page and from a screenshot. Renders the made-up fleet of inventory.yml (a stick up to
# date, one with drift, one not read, PXE clients); with an argument, also checks that page (the
# report site.yml wrote) for the hosts named after it.
#   run-report-test.sh OUTDIR [REPORT.html HOST...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
shift
mkdir -p "$out"

if ! command -v chromium > /dev/null; then
    echo "report test SKIPPED: chromium is not installed (make setup-test installs it)"
    [ -z "${RESCUEFLEET_SKIP_FILE:-}" ] || echo "chromium is not installed" > "$RESCUEFLEET_SKIP_FILE"
    exit 77
fi

# render FILE NAME: the page's text after layout, and a screenshot
render() {
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1500 \
        --dump-dom "file://$1" > "$out/$2.dom.html" 2> "$out/$2.chromium.log"
    timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1500 \
        --screenshot="$out/$2.png" "file://$1" >> "$out/$2.chromium.log" 2>&1
    python3 - "$out/$2.png" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
width, height = struct.unpack('>II', data[16:24])
assert (width, height) == (1200, 1500), (width, height)
# a blank or error page compresses to a few kB; the report with its tables does not
assert len(data) > 30000, 'screenshot suspiciously small (%d bytes): blank page?' % len(data)
PY
}

fails=0
expect() {  # expect NAME DESCRIPTION grep-args...
    local name=$1 what=$2
    shift 2
    if grep -q "$@" "$out/$name.dom.html"; then echo "  ok   $name: $what"; else echo "  FAIL $name: $what"; fails=$((fails + 1)); fi
}

ansible-playbook -i "$here/inventory.yml" "$here/render.yml" -e "report_dest=$out/made-up.html" > "$out/render.log" 2>&1 \
    || { tail -30 "$out/render.log"; exit 1; }
render "$out/made-up.html" made-up
expect made-up "summary counts" -F '1 up to date'
expect made-up "drift counted" -F '1 with drift'
expect made-up "stick not read counted" -F '1 not read'
expect made-up "stick up to date marked good" -E 'class="host good" id="host-stick-good"'
expect made-up "stick with drift marked bad" -E 'class="host bad" id="host-stick-drift"'
expect made-up "changed sha256 shown as drift in the module's row" -F 'class="badge drift">drift</span></td>'
expect made-up "wanted module absent shown as missing" -F 'class="badge missing">missing'
expect made-up "module unknown to the catalog flagged" -F 'class="badge unknown">unknown'
expect made-up "boot entry that does not load the modules" -F 'class="badge no">no'
expect made-up "PXE clients listed" -F 'id="host-ws02"'

if [ $# -gt 0 ]; then
    page=$1
    shift
    render "$page" site
    for host in "$@"; do
        expect site "host $host on the site report" -F "id=\"host-$host\""
    done
    expect site "site report has no drift" -F '0 with drift'
fi

[ "$fails" = 0 ] || { echo "report test: $fails check(s) failed; pages and screenshots in $out"; exit 1; }
echo "report test: pages and screenshots checked ($out)"
