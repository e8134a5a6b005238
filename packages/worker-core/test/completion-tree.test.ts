/**
 * Completion read from a commander tree: a program built here, the way cli.ts builds the real one, completes its
 * commands, options, fixed values and path arguments with no completion code of its own.
 */
import { Argument, Command, Option } from 'commander';
import { joinBashWords } from '../src/completion/bash-words.js';
import { completionAnswer } from '../src/completion/completion-commands.js';
import { completionFor, type Completion } from '../src/completion/command-tree-completion.js';

function program(): Command {
  const root = new Command().name('tool').version('1.0.0');
  root
    .command('paint')
    .description('paint a file')
    .argument('<file>', 'what to paint')
    .addOption(new Option('--colour <name>', 'the colour').choices(['red', 'green', 'blue']))
    .option('--out-dir <dir>', 'where to put it')
    .option('--brush <size>', 'brush size')
    .option('-q, --quiet', 'say nothing');
  root.command('mix').addArgument(new Argument('<base>', 'the base').choices(['oil', 'water'])).argument('[more...]', 'more');
  root.command('secret', { hidden: true });
  return root;
}

const values = (completion: Completion): string[] => (completion.kind === 'words' ? completion.candidates.map((c) => c.value) : [completion.kind]);

describe('completion from the commander tree', () => {
  it('offers the visible subcommands (and help), not the hidden ones', () => {
    expect(values(completionFor(program(), ['']))).toEqual(['paint', 'mix', 'help']);
  });

  it("offers a command's options, short and long, with their descriptions", () => {
    const completion = completionFor(program(), ['paint', '--']);
    expect(values(completion)).toEqual(['--colour', '--out-dir', '--brush', '--quiet', '-q', '--help', '-h']);
    expect(completion.kind === 'words' && completion.candidates.find((c) => c.value === '--quiet')?.description).toBe('say nothing');
  });

  it("offers an option's fixed values, after a space or after =", () => {
    expect(values(completionFor(program(), ['paint', '--colour', '']))).toEqual(['red', 'green', 'blue']);
    expect(values(completionFor(program(), ['paint', '--colour=g']))).toEqual(['--colour=red', '--colour=green', '--colour=blue']);
  });

  it('offers the commands help can tell about', () => {
    expect(values(completionFor(program(), ['help', '']))).toEqual(['paint', 'mix']);
    expect(values(completionFor(program(), ['help', 'paint', '']))).toEqual([]);
  });

  it("offers an argument's fixed values", () => {
    expect(values(completionFor(program(), ['mix', '']))).toEqual(['oil', 'water']);
  });

  it('asks the shell for files where a <file> goes, for directories where a <dir> goes, and for nothing where a value is free', () => {
    expect(completionFor(program(), ['paint', ''])).toEqual({ kind: 'files', prefix: 0 });
    expect(completionFor(program(), ['paint', '--out-dir', 'sub'])).toEqual({ kind: 'dirs', prefix: 0 });
    expect(completionFor(program(), ['paint', '--out-dir=sub'])).toEqual({ kind: 'dirs', prefix: '--out-dir='.length });
    expect(values(completionFor(program(), ['paint', '--brush', '']))).toEqual([]);
  });

  it('skips option values and flags when counting arguments', () => {
    expect(completionFor(program(), ['paint', '--brush', '3', '-q', ''])).toEqual({ kind: 'files', prefix: 0 });
    // The file is given: nothing more goes there.
    expect(values(completionFor(program(), ['paint', '--brush', '3', 'a.txt', '']))).toEqual([]);
    // After --, a word starting with - is an argument.
    expect(completionFor(program(), ['paint', '--', '-odd-name'])).toEqual({ kind: 'files', prefix: 0 });
  });
});

describe("bash's split words", () => {
  it('joins what was typed touching (= and :) back into one word, and says which part bash replaces', () => {
    const line = 'tool paint --brush=3 --out-dir /a:/b x';
    expect(joinBashWords(['tool', 'paint', '--brush', '=', '3', '--out-dir', '/a', ':', '/b', 'x'], line, line.length)).toEqual({
      words: ['paint', '--brush=3', '--out-dir', '/a:/b', 'x'],
      replaced: 'x',
    });
    expect(joinBashWords(['tool', 'paint', '--colour', '='], 'tool paint --colour=', 20)).toEqual({ words: ['paint', '--colour='], replaced: '' });
    expect(joinBashWords(['tool', 'paint', ''], 'tool paint ', 11)).toEqual({ words: ['paint', ''], replaced: '' });
  });

  it('completes the word only up to the cursor', () => {
    const line = 'tool pa --quiet';
    expect(joinBashWords(['tool', 'pa'], line, 'tool p'.length)).toEqual({ words: ['p'], replaced: 'p' });
  });

  it('answers bash with only the part after = (what bash replaces), filtered by what is typed', () => {
    const line = 'tool paint --colour=g';
    const answer = completionAnswer(program(), 'bash', ['tool', 'paint', '--colour', '=', 'g'], { COMP_LINE: line, COMP_POINT: String(line.length) });
    expect(answer).toEqual(['words', 'green']);
  });

  it('answers zsh with value:description lines, colons in values escaped', () => {
    const root = new Command().name('tool');
    root.command('run').addArgument(new Argument('<target>').choices(['a:b']));
    expect(completionAnswer(root, 'zsh', ['run', ''], {})).toEqual(['words', 'a\\:b:']);
  });
});
