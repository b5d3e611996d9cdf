"""The shell hooks `copilot init bash|zsh|fish` prints, for the rc file to `eval`.

Each hook reports every command the user runs (command line, exit status, cwd,
duration, tmux pane) to the copilot serving the workspace the command ran in.
At each prompt it walks up from `$PWD` testing for a workspace link with `[ -S ]`
(see `rendezvous`): only builtins, no process, so with no copilot running it
costs microseconds. Only when a copilot listens does it start the tiny reporter
(`python -I -S shell_report.py`) in the background, so the prompt never waits.

Privacy follows the shell's own rules: bash reports what it put in its history
(a command hidden by `ignorespace` is not sent), zsh honours `hist_ignore_space`,
fish skips commands that start with a space as its history does.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

SHELLS = ("bash", "zsh", "fish")

_REPORTER = Path(__file__).with_name("shell_report.py")

_BASH = r"""# copilot shell hook (bash >= 5.1). Install: eval "$(copilot init bash)" in ~/.bashrc
if [[ $- == *i* && -z ${__copilot_hooked-} ]] &&
  (( BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1) )); then
__copilot_hooked=1
__copilot_py=@PY@
__copilot_rep=@REP@
if [[ -n ${COPILOT_RUNTIME_DIR-} ]]; then __copilot_dir=$COPILOT_RUNTIME_DIR
elif [[ -n ${XDG_RUNTIME_DIR-} ]]; then __copilot_dir=$XDG_RUNTIME_DIR/copilot
else __copilot_dir=/tmp/copilot-$UID; fi
__copilot_armed= __copilot_first= __copilot_start= __copilot_histno=
__copilot_preexec() {
  [[ -n $__copilot_armed && $BASH_COMMAND != __copilot_* ]] || return 0
  __copilot_armed= __copilot_first=$BASH_COMMAND __copilot_start=$EPOCHREALTIME
}
__copilot_precmd() {
  local st=$? end=$EPOCHREALTIME first=$__copilot_first new= d=$PWD s= line
  [[ -n $__copilot_histno && $HISTCMD != "$__copilot_histno" ]] && new=1
  __copilot_armed= __copilot_first= __copilot_histno=$HISTCMD
  [[ ( -n $first || -n $new ) && -d $__copilot_dir ]] || return 0
  while [[ -n $d ]]; do
    s=$__copilot_dir/${d//\//%}.ws
    [[ -S $s ]] && break
    s= d=${d%/*}
  done
  [[ -n $s ]] || return 0
  line=$(HISTTIMEFORMAT= builtin history 1)
  [[ -n $new || ( -n $first && $line == *"$first"* ) ]] || return 0
  ("$__copilot_py" -I -S "$__copilot_rep" "$s" bash "$st" "$__copilot_start" "$end" "" \
    "$PWD" "${TMUX_PANE-}" "${TMUX-}" "$line" >/dev/null 2>&1 &)
}
__copilot_arm() { __copilot_armed=1; }
trap '__copilot_preexec' DEBUG
PROMPT_COMMAND=(__copilot_precmd "${PROMPT_COMMAND[@]}" __copilot_arm)
fi
"""

_ZSH = r"""# copilot shell hook (zsh). Install: eval "$(copilot init zsh)" in ~/.zshrc
if [[ -o interactive ]] && (( ! ${+__copilot_hooked} )); then
typeset -g __copilot_hooked=1
typeset -g __copilot_py=@PY@
typeset -g __copilot_rep=@REP@
if [[ -n ${COPILOT_RUNTIME_DIR-} ]]; then typeset -g __copilot_dir=$COPILOT_RUNTIME_DIR
elif [[ -n ${XDG_RUNTIME_DIR-} ]]; then typeset -g __copilot_dir=$XDG_RUNTIME_DIR/copilot
else typeset -g __copilot_dir=/tmp/copilot-$UID; fi
zmodload zsh/datetime 2>/dev/null
typeset -g __copilot_cmd= __copilot_start=
__copilot_preexec() {
  if [[ -o hist_ignore_space && $1 == ' '* ]]; then __copilot_cmd=; return 0; fi
  __copilot_cmd=$1 __copilot_start=$EPOCHREALTIME
}
__copilot_precmd() {
  local st=$? end=$EPOCHREALTIME cmd=$__copilot_cmd d=$PWD s=
  __copilot_cmd=
  [[ -n $cmd && -d $__copilot_dir ]] || return 0
  while [[ -n $d ]]; do
    s=$__copilot_dir/${d//\//%}.ws
    [[ -S $s ]] && break
    s= d=${d%/*}
  done
  [[ -n $s ]] || return 0
  "$__copilot_py" -I -S "$__copilot_rep" "$s" zsh "$st" "$__copilot_start" "$end" "" \
    "$PWD" "${TMUX_PANE-}" "${TMUX-}" "$cmd" >/dev/null 2>&1 &!
}
typeset -ga preexec_functions precmd_functions
preexec_functions+=(__copilot_preexec)
precmd_functions=(__copilot_precmd $precmd_functions)
fi
"""

_FISH = r"""# copilot shell hook (fish). Install: copilot init fish | source  in config.fish
if status is-interactive; and not set -q __copilot_hooked
set -g __copilot_hooked 1
set -g __copilot_py @PY@
set -g __copilot_rep @REP@
if test -n "$COPILOT_RUNTIME_DIR"
    set -g __copilot_dir $COPILOT_RUNTIME_DIR
else if test -n "$XDG_RUNTIME_DIR"
    set -g __copilot_dir $XDG_RUNTIME_DIR/copilot
else
    set -g __copilot_dir /tmp/copilot-@UID@
end
function __copilot_postexec --on-event fish_postexec
    set -l st $status
    set -l cmd $argv[1]
    test -n "$cmd"; or return 0
    string match -q -- ' *' $cmd; and return 0
    test -d $__copilot_dir; or return 0
    set -l d $PWD
    set -l s
    while test -n "$d"
        set s $__copilot_dir/(string replace -a / % -- $d).ws
        test -S $s; and break
        set s
        set d (string replace -r '/[^/]*$' '' -- $d)
    end
    test -n "$s"; or return 0
    command $__copilot_py -I -S $__copilot_rep $s fish $st "" "" "$CMD_DURATION" \
        $PWD "$TMUX_PANE" "$TMUX" $cmd >/dev/null 2>&1 &
    disown 2>/dev/null
end
end
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def render_hook(shell: str, python: str | None = None) -> str:
    """The hook source for `shell` (bash, zsh or fish); raises ValueError for others.

    `python` is the interpreter the hook runs the reporter with; it defaults to
    the one running copilot, so the hook works without copilot on PATH.
    """
    python = python or sys.executable
    if shell == "bash":
        template, quote = _BASH, shlex.quote
    elif shell == "zsh":
        template, quote = _ZSH, shlex.quote
    elif shell == "fish":
        template, quote = _FISH, _fish_quote
    else:
        raise ValueError(f"unsupported shell {shell!r}; choose one of {', '.join(SHELLS)}")
    return (
        template.replace("@PY@", quote(python))
        .replace("@REP@", quote(str(_REPORTER)))
        .replace("@UID@", str(os.getuid()))
    )
