/**
 * `docker-worker completion <shell>` prints the script to source; the hidden `docker-worker __complete <shell> -- ...`
 * is what that script runs on each Tab. Nothing here loads more than commander: a Tab must answer at once.
 */
import { Argument, type Command } from 'commander';
import { joinBashWords } from './bash-words.js';
import { completionFor, type Completion } from './command-tree-completion.js';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from './completion-scripts.js';

const oneLine = (text: string): string => text.replace(/\s+/g, ' ');

/** Bash inserts each line as it is, in place of the part of the word it splits off (after an = or :). */
function bashAnswer(completion: Completion, current: string, replaced: string): string[] {
  const kept = current.length - replaced.length;
  if (completion.kind === 'words') {
    return ['words', ...completion.candidates.filter(({ value }) => value.startsWith(current)).map(({ value }) => value.slice(kept))];
  }
  const path = current.slice(completion.prefix);
  return [completion.kind, path, String(Math.max(0, path.length - replaced.length))];
}

/** zsh does its own matching (and its users' matcher styles); `value:description` for _describe, colons escaped. */
function zshAnswer(completion: Completion): string[] {
  if (completion.kind !== 'words') return [completion.kind, String(completion.prefix)];
  return ['words', ...completion.candidates.map(({ value, description }) => `${oneLine(value).replaceAll(':', '\\:')}:${oneLine(description)}`)];
}

export function completionAnswer(program: Command, shell: CompletionShell, words: string[], env: NodeJS.ProcessEnv): string[] {
  if (shell === 'zsh') return zshAnswer(completionFor(program, words));
  // bash passes COMP_WORDS from the program's name on, as it split them.
  const joined = joinBashWords(words, env.COMP_LINE ?? words.join(' '), Number(env.COMP_POINT ?? Number.NaN));
  return bashAnswer(completionFor(program, joined.words), joined.words.at(-1) ?? '', joined.replaced);
}

/** Adds both commands; `completion` is made by the caller (so it gets what every subcommand gets, `--version`). */
export function addCompletionCommands(program: Command, completion: Command): void {
  const shellArgument = () => new Argument('<shell>', 'the shell: bash or zsh').choices(COMPLETION_SHELLS);
  completion
    .description(`print the shell completion script for bash or zsh; load it with: source <(${program.name()} completion bash)`)
    .addArgument(shellArgument())
    .action((shell: CompletionShell) => {
      process.stdout.write(completionScript(shell, program.name()));
    });
  program
    .command('__complete', { hidden: true })
    .description('answer one completion request of the completion script')
    .addArgument(shellArgument())
    .argument('[words...]', 'the words of the command line up to the cursor, after --')
    .action((shell: CompletionShell, words: string[]) => {
      const answer = completionAnswer(program, shell, words, process.env);
      process.stdout.write(answer.map((line) => `${line}\n`).join(''));
    });
}
