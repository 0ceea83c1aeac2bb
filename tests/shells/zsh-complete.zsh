# Prints the matches zsh's completion system offers for a command line, one per line.
#   zsh -f zsh-complete.zsh COMPLETION_SCRIPT 'pullcheck --select '
# Runs an interactive zsh in a pseudo-terminal (zpty), loads compinit and the completion script
# (installed as `_pullcheck` in a private fpath directory, as packagers install it), types the
# line and a Tab, and captures every match that the completion functions hand to `compadd`.
# Exit status: 0 with the matches, 3 when the zpty module is missing, 4 when zsh never answered.
zmodload zsh/zpty || exit 3
emulate -L zsh
local script=$1 line=$2
local dir=${TMPDIR:-/tmp}/pullcheck-zsh-complete.$$
mkdir -p $dir/fpath || exit 4
cp $script $dir/fpath/_pullcheck || exit 4
trap 'rm -rf $dir' EXIT

cat >$dir/init.zsh <<INIT
PROMPT=''
RPROMPT=''
fpath=($dir/fpath \$fpath)
autoload -U compinit
compinit -u -d $dir/zcompdump
# Never run the line: Enter does nothing, Tab completes.
bindkey '^M' undefined
bindkey '^J' undefined
bindkey '^I' complete-word
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
# Every call that adds matches prints them; calls that only query (-O, -A, -D) pass through.
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "\$@"
    return
  fi
  local -a __hits
  builtin compadd -A __hits "\$@"
  local h
  for h in \$__hits; do print -r -- "MATCH:\$h"; done
  builtin compadd "\$@"
}
_pullcheck_test_done() { print -r -- 'COMPLETION-DONE'; exit 0 }
comppostfuncs=(_pullcheck_test_done)
print -r -- 'INIT-DONE'
INIT

zpty z zsh -f -i || exit 4
zpty -w z "source $dir/init.zsh"
local out ready=0 tries=0
while (( tries++ < 200 )); do
  if zpty -rt z out; then
    [[ $out == *INIT-DONE* && $out != *print* ]] && { ready=1; break }
  else
    sleep 0.05
  fi
done
(( ready )) || { print -u2 'zsh did not start'; exit 4 }
zpty -w -n z "$line"$'\t'
local done=0
tries=0
while (( tries++ < 400 )); do
  if zpty -rt z out; then
    out=${out//[$'\r\n']/}
    if [[ $out == *COMPLETION-DONE* ]]; then done=1; break; fi
    # The first match may follow the echo of the typed line on the same terminal line.
    [[ $out == *MATCH:* ]] && print -r -- ${out##*MATCH:}
  else
    sleep 0.05
  fi
done
zpty -d z
(( done )) || { print -u2 'no completion answer from zsh'; exit 4 }
