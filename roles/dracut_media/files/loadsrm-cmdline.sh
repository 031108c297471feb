#!/bin/sh
# loadsrm (rescuefleet.media), cmdline hook: with rd.loadsrm.url=, ask for the network and wait for the modules.
# The functions and what they do: /lib/loadsrm-lib.sh. Sourced by the init: no exit.
type loadsrm_need_net > /dev/null 2>&1 || . /lib/loadsrm-lib.sh
loadsrm_need_net
