# shellcheck shell=sh
# rescuefleet defaults for interactive shells
export HISTSIZE=10000
alias ll="ls -la"
