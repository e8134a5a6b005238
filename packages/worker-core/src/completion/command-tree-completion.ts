/**
 * What a Tab should offer, read from commander's own command tree: subcommand names, a command's options, the fixed
 * values of an option or argument (commander's `.choices()`), and file or directory names where the option's value or
 * the argument is named so (`--config <file>`, `--artifacts-dir <dir>`, `<file>`). A new subcommand, option or choice
 * therefore completes without completion code of its own.
 */
import type { Argument, Command, Option } from 'commander';

export interface Candidate {
  value: string;
  description: string;
}

export type Completion =
  /** Whole words for the current word (`--colour=red` after `--colour=`), not yet filtered by what is typed. */
  | { kind: 'words'; candidates: Candidate[] }
  /** Let the shell complete a path; the first `prefix` characters of the current word are not part of it (`--config=`). */
  | { kind: 'files' | 'dirs'; prefix: number };

const NOTHING: Completion = { kind: 'words', candidates: [] };

/** Options the command takes, the help option included (commander lists it apart), hidden ones left out. */
function visibleOptions(command: Command): Option[] {
  return command.createHelp().visibleOptions(command);
}

function findOption(command: Command, flag: string): Option | undefined {
  for (let at: Command | null = command; at; at = at.parent) {
    const found = [...at.options, ...visibleOptions(at)].find((option) => option.long === flag || option.short === flag);
    if (found) return found;
  }
  return undefined;
}

/** Commander's implicit `help` command is listed with the visible ones, not among `commands`. */
function subcommand(command: Command, name: string): Command | undefined {
  return [...command.commands, ...command.createHelp().visibleCommands(command)].find((sub) => sub.name() === name || sub.aliases().includes(name));
}

const takesValue = (option: Option): boolean => option.required || option.optional;

/** `<file>` / `<dir>` in an option's flags or as an argument's name say that a path goes there. */
function pathKind(placeholder: string): 'files' | 'dirs' | undefined {
  if (/\bfile\b/i.test(placeholder)) return 'files';
  if (/\bdir\b/i.test(placeholder)) return 'dirs';
  return undefined;
}

function valueCompletion(choices: readonly string[] | undefined, placeholder: string, typed: string): Completion {
  if (choices?.length) return { kind: 'words', candidates: choices.map((choice) => ({ value: typed + choice, description: '' })) };
  const kind = pathKind(placeholder);
  return kind ? { kind, prefix: typed.length } : NOTHING;
}

function optionValue(option: Option, typed: string): Completion {
  const placeholder = /[<[]([^>\]]*)[>\]]/.exec(option.flags)?.[1] ?? '';
  return valueCompletion(option.argChoices, placeholder, typed);
}

function optionCandidates(command: Command): Candidate[] {
  return visibleOptions(command).flatMap((option) =>
    [option.long, option.short].filter((flag): flag is string => !!flag).map((flag) => ({ value: flag, description: option.description })),
  );
}

function commandCandidates(command: Command): Candidate[] {
  return command
    .createHelp()
    .visibleCommands(command)
    .map((sub) => ({ value: sub.name(), description: sub.description() }));
}

function argumentAt(command: Command, index: number): Argument | undefined {
  const args = command.registeredArguments;
  if (index < args.length) return args[index];
  const last = args.at(-1);
  return last?.variadic ? last : undefined;
}

/**
 * `words` are the words after the program's name up to the cursor; the last one is the word being completed ('' when
 * the cursor follows a space).
 */
export function completionFor(program: Command, words: readonly string[]): Completion {
  const current = words.at(-1) ?? '';
  let command = program;
  let positionals = 0;
  let optionsEnded = false;
  /** An option whose value is the next word. */
  let pending: Option | undefined;
  /** After commander's implicit `help` (which has no parent): the command it tells about the subcommands of. */
  let helpFor: Command | undefined;
  for (const word of words.slice(0, -1)) {
    if (pending) {
      const optionalSkipped = pending.optional && word.startsWith('-');
      pending = undefined;
      if (!optionalSkipped) continue;
    }
    if (!optionsEnded && word === '--') {
      optionsEnded = true;
    } else if (!optionsEnded && word.startsWith('-') && word !== '-') {
      const option = findOption(command, word);
      if (option && takesValue(option)) pending = option;
    } else {
      const sub = positionals === 0 ? subcommand(command, word) : undefined;
      if (sub) {
        helpFor = command.commands.includes(sub) ? undefined : command;
        command = sub;
        optionsEnded = false;
      } else {
        positionals++;
      }
    }
  }

  if (pending && !(pending.optional && current.startsWith('-'))) return optionValue(pending, '');
  if (!optionsEnded && current.startsWith('-') && current !== '-') {
    const equals = current.indexOf('=');
    if (current.startsWith('--') && equals > 0) {
      const option = findOption(command, current.slice(0, equals));
      return option && takesValue(option) ? optionValue(option, current.slice(0, equals + 1)) : NOTHING;
    }
    return { kind: 'words', candidates: optionCandidates(command) };
  }

  if (helpFor) {
    return { kind: 'words', candidates: positionals === 0 ? commandCandidates(helpFor).filter(({ value }) => value !== 'help') : [] };
  }
  const candidates = positionals === 0 ? commandCandidates(command) : [];
  const argument = argumentAt(command, positionals);
  if (argument) {
    const value = valueCompletion(argument.argChoices, argument.name(), '');
    if (value.kind === 'words') candidates.push(...value.candidates);
    else if (candidates.length === 0) return value;
  }
  return { kind: 'words', candidates };
}
