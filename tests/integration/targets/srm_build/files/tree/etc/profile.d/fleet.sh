# shellcheck shell=sh
export FLEET=1
