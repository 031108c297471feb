#!/bin/sh
# loadsrm (rescuefleet.media), pre-mount hook: stack the modules as lower layers of the root and mount it.
# The functions and what they do: /lib/loadsrm-lib.sh. Sourced by the init: no exit.
type loadsrm_mount > /dev/null 2>&1 || . /lib/loadsrm-lib.sh
loadsrm_mount
