/**
 * Shell completion through the installed command (scripts/install-command.sh into a temporary PATH directory), in the
 * real shells: bash sources `docker-worker completion bash` and runs the function it registered, with COMP_WORDS,
 * COMP_CWORD, COMP_LINE and COMP_POINT set as bash sets them on a Tab; zsh gets a Tab typed into an interactive zsh
 * in a pseudo-terminal (test/completion/zsh-tab.zsh), so compinit, the generated function and zsh's own _describe
 * and _files all run.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCommand, type CommandResult as Result } from './installed-command.js';

const here = dirname(fileURLToPath(import.meta.url));

function exec(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((done) => {
    execFile(file, args, { ...options, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** Sources the script, finds the function `complete -p` says it registered, calls it, prints COMPREPLY. */
const BASH_TAB = `
source <(docker-worker completion bash) || exit 90
[[ $(complete -p docker-worker) =~ -F\\ ([^ ]+) ]] || exit 91
COMP_LINE=$1 COMP_POINT=\${#1}
shift
COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
"\${BASH_REMATCH[1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`;

describe('docker-worker completion: bash and zsh complete through the installed command', () => {
  let dir: string;
  let cwd: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-completion-'));
    await installCommand(join(dir, 'bin'));
    env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
    // The directory the user presses Tab in: a task file, another file, a directory.
    cwd = join(dir, 'checkout');
    await mkdir(join(cwd, 'saved'), { recursive: true });
    await writeFile(join(cwd, 'hello-task.yml'), 'image: dw-test/busybox:latest\ncommand: [true]\nmaxRunTime: 30\n');
    await writeFile(join(cwd, 'notes.txt'), 'not a task\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** `pieces` are the words as bash splits the line (at spaces, `=` and `:`), the last one the word being completed. */
  async function bashTab(line: string, pieces: string[] = [...line.split(' ')]): Promise<string[]> {
    const r = await exec('bash', ['--norc', '--noprofile', '-c', BASH_TAB, 'bash', line, ...pieces], { cwd, env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return r.stdout.split('\n').filter(Boolean);
  }

  async function zshTab(line: string, fpath?: string): Promise<string[]> {
    const r = await exec('zsh', ['-f', join(here, 'completion/zsh-tab.zsh'), ...(fpath ? ['--fpath', fpath] : []), line], { cwd, env });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    return [...new Set(r.stdout.split('\n').filter(Boolean))];
  }

  const SUBCOMMANDS = ['run', 'validate', 'start', 'submit', 'status', 'log', 'artifacts', 'cancel', 'rerun', 'completion'];

  describe('bash', () => {
    it('completes subcommand names, and not the hidden one the script itself calls', async () => {
      const all = await bashTab('docker-worker ');
      expect(all).toEqual(expect.arrayContaining(SUBCOMMANDS));
      expect(all).not.toContain('__complete');
      expect(await bashTab('docker-worker ru')).toEqual(['run']);
      expect(await bashTab('docker-worker va')).toEqual(['validate']);
      expect(await bashTab('docker-worker help st')).toEqual(['start', 'status']);
    });

    it('completes the options of run', async () => {
      expect(await bashTab('docker-worker run --se')).toEqual(['--secret', '--secret-file']);
      expect(await bashTab('docker-worker run --')).toEqual(expect.arrayContaining(['--env', '--env-file', '--mount', '--task', '--json', '--help', '--version']));
    });

    it('completes file names in the current directory for the task file, and directories for a <dir> option', async () => {
      expect(await bashTab('docker-worker run hel')).toEqual(['hello-task.yml']);
      expect((await bashTab('docker-worker validate ')).sort()).toEqual(['hello-task.yml', 'notes.txt', 'saved']);
      expect(await bashTab('docker-worker run --artifacts-dir ')).toEqual(['saved']);
    });

    it('counts K=V and HOST:CONTAINER values as the one word they are, though bash splits them at = and :', async () => {
      const line = 'docker-worker run --env A=b --mount /src:/w hel';
      expect(await bashTab(line, ['docker-worker', 'run', '--env', 'A', '=', 'b', '--mount', '/src', ':', '/w', 'hel'])).toEqual(['hello-task.yml']);
      // --env-file=<Tab>: bash replaces only what follows the =.
      expect(await bashTab('docker-worker run --env-file=no', ['docker-worker', 'run', '--env-file', '=', 'no'])).toEqual(['notes.txt']);
    });

    it('completes fixed values, and offers nothing (not file names) where a task id goes', async () => {
      expect(await bashTab('docker-worker completion ')).toEqual(['bash', 'zsh']);
      expect(await bashTab('docker-worker status ')).toEqual([]);
    });
  });

  describe('zsh', () => {
    it('completes subcommand names', async () => {
      const all = await zshTab('docker-worker ');
      expect(all).toEqual(expect.arrayContaining(SUBCOMMANDS));
      expect(all).not.toContain('__complete');
      expect(await zshTab('docker-worker ru')).toEqual(['run']);
    });

    it('completes the options of run', async () => {
      expect(await zshTab('docker-worker run --se')).toEqual(['--secret', '--secret-file']);
    });

    it('completes file names in the current directory for the task file, after --env-file= too', async () => {
      expect(await zshTab('docker-worker run hel')).toEqual(['hello-task.yml']);
      expect((await zshTab('docker-worker run ')).sort()).toEqual(['hello-task.yml', 'notes.txt', 'saved']);
      expect(await zshTab('docker-worker run --env-file=no')).toEqual(['notes.txt']);
      expect(await zshTab('docker-worker run --artifacts-dir ')).toEqual(['saved']);
    });

    it('completes fixed values', async () => {
      expect(await zshTab('docker-worker completion ')).toEqual(['bash', 'zsh']);
    });

    it('works saved as _docker-worker on $fpath, and the harness sees nothing with no completion loaded', async () => {
      const fpath = join(dir, 'zsh-functions');
      await mkdir(fpath, { recursive: true });
      const script = await exec('docker-worker', ['completion', 'zsh'], { env });
      expect(script.code).toBe(0);
      await writeFile(join(fpath, '_docker-worker'), script.stdout);
      expect(await zshTab('docker-worker ru', fpath)).toEqual(['run']);
      expect(await zshTab('docker-worker ru', join(dir, 'no-such-dir'))).toEqual([]);
    });
  });

  it('a shell it has no script for: exit 3, the error naming the argument and the shells it has', async () => {
    const r = await exec('docker-worker', ['completion', 'fish'], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("error: command-argument value 'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.");
  });

  it('a Tab loads the command tree only: not dockerode, the schemas or the embedded queue', async () => {
    // A module hook notes every module the completion request loads, written before the module is (the loading
    // thread waits for the hook), so none is missed when the process exits.
    const notes = join(dir, 'loaded.txt');
    await writeFile(
      join(dir, 'note-loads.mjs'),
      "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(process.env.DW_LOADED_NOTES, `${url}\\n`); return next(url, context); }\n",
    );
    await writeFile(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister('./note-loads.mjs', import.meta.url);\n");
    const line = 'docker-worker run --';
    const r = await exec(process.execPath, ['--import', join(dir, 'register.mjs'), join(here, '../dist/bin/worker.js'), '__complete', 'bash', '--', ...line.split(' ')], {
      env: { ...env, COMP_LINE: line, COMP_POINT: String(line.length), DW_LOADED_NOTES: notes },
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('--env-file\n');
    const loaded = (await readFile(notes, 'utf8')).split('\n').filter(Boolean);
    expect(loaded).toEqual(expect.arrayContaining([expect.stringContaining('/commander/'), expect.stringContaining('/completion/command-tree-completion.js')]));
    expect(loaded.filter((l) => /dockerode|\/schema\/|local-queue|taskcluster-client|\/commands\//.test(l))).toEqual([]);
  });
});
