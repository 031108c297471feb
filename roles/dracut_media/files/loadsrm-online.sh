#!/bin/sh
# loadsrm (rescuefleet.media), initqueue/online hook: fetch the rd.loadsrm.url= modules once the network is up.
# The functions and what they do: /lib/loadsrm-lib.sh. Sourced by the init: no exit.
type loadsrm_fetch_all > /dev/null 2>&1 || . /lib/loadsrm-lib.sh
loadsrm_fetch_all
