/**
 * The scripts `docker-worker completion bash|zsh` prints. They hold no command names: on each Tab they ask the
 * command itself (`docker-worker __complete <shell> -- <words>`), which answers from its commander tree, so the
 * scripts never go stale. The answer's first line says what follows: `words` (candidates, one a line), or `files` /
 * `dirs` and then how many leading characters of the current word to keep out of the path (`--config=`), for the
 * shell's own path completion, which quotes names and marks directories as a user expects.
 */
export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

const bashFunctionName = (program: string): string => `_${program.replace(/\W/g, '_')}_complete`;

function bashScript(program: string): string {
  const fn = bashFunctionName(program);
  return `# bash completion for ${program}. Load it in this shell, or from ~/.bashrc:
#   source <(${program} completion bash)
${fn}() {
  local -a answer
  local line
  while IFS= read -r line; do answer+=("$line"); done < <(
    COMP_LINE="$COMP_LINE" COMP_POINT="$COMP_POINT" ${program} __complete bash -- "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null
  )
  COMPREPLY=()
  case "\${answer[0]-}" in
    words) COMPREPLY=("\${answer[@]:1}") ;;
    files | dirs)
      # answer[1] is the path typed so far, answer[2] how much of each match bash is not to insert (before an = or :).
      compopt -o filenames 2>/dev/null
      local type=-f
      [ "\${answer[0]}" = dirs ] && type=-d
      while IFS= read -r line; do COMPREPLY+=("\${line:\${answer[2]:-0}}"); done < <(compgen "$type" -- "\${answer[1]-}")
      ;;
  esac
}
complete -F ${fn} ${program}
`;
}

function zshScript(program: string): string {
  const fn = `_${program}`;
  return `#compdef ${program}
# zsh completion for ${program}. Load it in this shell after compinit, or from ~/.zshrc:
#   source <(${program} completion zsh)
# or save it as ${fn} in a directory on $fpath, before compinit runs.
${fn}() {
  local -a answer candidates
  answer=("\${(@f)$(${program} __complete zsh -- "\${(@)words[2,CURRENT-1]}" "$PREFIX" 2>/dev/null)}") || return 1
  case "\${answer[1]}" in
    words)
      candidates=("\${(@)answer[2,-1]}")
      _describe -t values '${program}' candidates
      ;;
    files) compset -p "\${answer[2]:-0}"; _files ;;
    dirs) compset -p "\${answer[2]:-0}"; _files -/ ;;
    *) return 1 ;;
  esac
}
if [[ "\${funcstack[1]-}" == ${fn} ]]; then
  # Autoloaded from $fpath: this file's body is the function's first call.
  ${fn} "$@"
else
  compdef ${fn} ${program}
fi
`;
}

export function completionScript(shell: CompletionShell, program: string): string {
  return shell === 'bash' ? bashScript(program) : zshScript(program);
}
