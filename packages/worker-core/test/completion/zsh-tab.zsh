#!/usr/bin/env zsh
# Presses Tab in a real interactive zsh and prints what its completion system offered, one match a line.
#   zsh -f zsh-tab.zsh [--fpath DIR] 'docker-worker ru'
# An interactive zsh runs in a pseudo-terminal (the zsh/zpty module), with no start-up files. It loads compinit and
# `docker-worker completion zsh` as a user's .zshrc would (or, with --fpath, finds the saved script as _docker-worker
# in DIR on $fpath), is sent the line and a Tab, and completes through the generated function. compadd, which every
# completion function ends in, is wrapped to note the matches it adds.
emulate -L zsh
zmodload zsh/zpty || exit 2
local fpath_dir
if [[ $1 == --fpath ]]; then fpath_dir=$2; shift 2; fi
(( $# == 1 )) || { print -u2 "usage: zsh -f zsh-tab.zsh [--fpath DIR] 'command line to complete'"; exit 2 }

local matches=$(mktemp) screen
trap 'rm -f -- $matches; zpty -d tab 2>/dev/null' EXIT
zpty tab TERM=xterm zsh -f -i || exit 2
zpty -w tab "PS1='' RPS1='' DW_MATCHES=${(q)matches}"
[[ -n $fpath_dir ]] && zpty -w tab "fpath=(${(q)fpath_dir} \$fpath)"
zpty -w tab 'autoload -Uz compinit && compinit -u -D'
# (Markers are printed split by quotes, so the terminal's echo of these lines does not match them.)
[[ -z $fpath_dir ]] && zpty -w tab 'source <(docker-worker completion zsh) || print DW-NO-""SCRIPT'
# Matches are noted only from the calls that add them (not the -O/-A/-D ones that just filter candidates).
zpty -w tab 'compadd() { if (( ! ${@[(I)-[OAD]]} )); then local -a m; builtin compadd -O m "$@"; (( $#m )) && print -rl -- $m >>$DW_MATCHES; fi; builtin compadd "$@"; }'
# After the completion (whatever it found), say so on the terminal.
zpty -w tab 'dw-done() { print -n "DW-TAB-""DONE" >/dev/tty }; comppostfuncs=(dw-done)'
zpty -n -w tab "$1"$'\t'
zpty -r tab screen '*DW-TAB-DONE*' || exit 2
[[ $screen == *DW-NO-SCRIPT* ]] && { print -u2 'zsh-tab: `docker-worker completion zsh` failed'; exit 2 }
cat -- $matches
