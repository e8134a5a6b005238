import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const bins = {
  worker: resolve(here, '../dist/bin/worker.js'),
  'dw-deploy': resolve(repo, 'packages/deploy-cli/dist/bin/dw-deploy.js'),
  'dw-schema': resolve(repo, 'packages/schema/dist/bin/dw-schema.js'),
};

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((done) => {
    execFile(file, args, { env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** A bin with its stdout into `reader` (a shell command), exiting with the bin's own status. */
function piped(bin: keyof typeof bins, args: string[], reader: string, env: Record<string, string> = {}): Promise<Result> {
  const script = `"$0" "$@" | ${reader}; exit "\${PIPESTATUS[0]}"`;
  return exec('bash', ['-c', script, process.execPath, bins[bin], ...args], { ...process.env, ...env });
}

describe('the CLIs refuse bad setups before claiming, and end quietly when stdout closes', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-cli-input-'));
    env = { DW_WORK_DIR: join(dir, 'work'), DW_WORKER_ID: 'cli-input' };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const worker = (args: string[], extra: Record<string, string> = {}) => exec(process.execPath, [bins.worker, ...args], { ...process.env, ...env, ...extra });
  const hello = () => join(repo, 'examples/hello-world.yml');

  it.each([['run'], ['start']])('worker %s with capacity 0: exit 3 naming capacity, instead of waiting for ever', async (command) => {
    const config = join(dir, 'capacity-0.yml');
    await writeFile(config, 'capacity: 0\n');
    const r = await worker(command === 'run' ? ['run', '--config', config, hello()] : ['start', '--config', config]);
    expect([r.code, r.stderr]).toEqual([3, expect.stringContaining('capacity must be at least 1 (got 0)')]);
  });

  it.each([['run'], ['start']])('worker %s with workDir a file: exit 3 naming workDir, before any task is claimed', async (command) => {
    const file = join(dir, `work-dir-file-${command}`);
    await writeFile(file, 'not a directory\n');
    const r = await worker(command === 'run' ? ['run', hello()] : ['start'], { DW_WORK_DIR: file });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`worker: workDir ${file} cannot be used: it (or a directory above it) is a file, not a directory\n`);
  });

  it('worker run with a NUL byte in a scope: exit 3 naming the scope, no stack trace', async () => {
    const file = join(dir, 'nul-scope.json');
    await writeFile(file, JSON.stringify({ scopes: ['docker-worker:cache:x\u0000'], payload: { image: 'dw-test/busybox:latest', command: ['true'], maxRunTime: 60 } }));
    const r = await worker(['run', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('scopes[0] ("docker-worker:cache:x\\u0000") may hold only printable ASCII characters');
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it('worker run without DOCKER_HOST names the socket it tried, not http://undefined', async () => {
    // docker-modem's default takes ~/.docker/run/docker.sock when it exists; a plain file there answers nothing.
    const home = join(dir, 'home');
    await mkdir(join(home, '.docker', 'run'), { recursive: true });
    await writeFile(join(home, '.docker', 'run', 'docker.sock'), '');
    const { DOCKER_HOST: _unset, ...inherited } = process.env;
    const r = await exec(process.execPath, [bins.worker, 'run', hello()], { ...inherited, ...env, HOME: home });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`The Docker engine is not reachable at unix://${join(home, '.docker', 'run', 'docker.sock')} (`);
  });

  it('worker run | head: the task still runs to its end and the exit status is its own, with no EPIPE', async () => {
    const file = join(dir, 'long.yml');
    // Far more than a pipe holds, and a file written after the output, to show the task was not cut short.
    await writeFile(file, 'image: dw-test/busybox:latest\nmaxRunTime: 60\ncommand: ["sh", "-c", "seq 1 300000; echo written > /done"]\nartifacts:\n  public/done.txt: {type: file, path: /done}\n');
    const out = join(dir, 'artifacts');
    const r = await piped('worker', ['run', '--artifacts-dir', out, file], 'head -c 100 >/dev/null', env);
    expect(r.stderr).not.toMatch(/EPIPE|unexpected error/);
    expect(r.code).toBe(0);
    expect(await readdir(join(out, 'public'))).toContain('done.txt');
  }, 120_000);

  it.each<[keyof typeof bins, string[]]>([
    ['dw-deploy', ['variables']],
    ['dw-schema', ['print', 'payload']],
  ])('%s with a reader that closes at once: exit 0, no EPIPE', async (bin, args) => {
    // `true` exits without reading, before node has started: every write meets a closed pipe.
    const r = await piped(bin, args, 'true');
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.code).toBe(0);
  });
});
