import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const bin = resolve(here, '../dist/bin/worker.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function worker(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('worker run (the real bin, embedded queue, real Docker)', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-cli-test-'));
    env = { DW_WORK_DIR: dir, DW_WORKER_ID: 'cli-test' };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exit 0 for a completed task, with its log on stdout and the result line', async () => {
    const r = await worker(['run', join(repo, 'examples/hello-world.yml')], env);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\] Task ID: \S+\n/);
    expect(r.stdout).toContain('Hello, world, from task ');
    expect(r.stdout).toMatch(/Successful task run with exit code: 0/);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^Task \S+ completed$/);
  });

  it('exit 1 for a failed task', async () => {
    const r = await worker(['run', join(repo, 'examples/failing-exit-code.yml')], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('about to fail');
    expect(r.stdout).toContain('Unsuccessful task run with exit code: 3');
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^Task \S+ failed$/);
  });

  it('exit 2 for an exception, with the reason: a schema error and an unknown feature both reported', async () => {
    const file = join(dir, 'bad.yml');
    await writeFile(file, 'image: dw-test/busybox:latest\nmaxRunTime: hello\nfeatures:\n  bogusFeature: true\n');
    const r = await worker(['run', file], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('payload.maxRunTime');
    expect(r.stdout).toContain('payload.features.bogusFeature is not a feature this worker offers');
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^Task \S+ exception \(malformed-payload\)$/);
  });

  it('env variables example shows payload.env and the worker variables', async () => {
    const r = await worker(['run', join(repo, 'examples/env-variables.yml')], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Hello from payload.env (opt build)');
    expect(r.stdout).toMatch(/TASKCLUSTER_ROOT_URL=http:\/\/127\.0\.0\.1:\d+/);
  });

  it('--artifacts-dir saves the run\'s artifacts by name', async () => {
    const out = join(dir, 'artifacts');
    const r = await worker(['run', '--artifacts-dir', out, join(repo, 'examples/hello-world.yml')], env);
    expect(r.code).toBe(0);
    const saved = await readFile(join(out, 'public/logs/live_backing.log'), 'utf8');
    expect(saved).toContain('Hello, world, from task ');
  });

  it('exit 3 for a config key that does not exist, naming the key', async () => {
    const config = join(dir, 'config.yml');
    await writeFile(config, 'capacity: 1\ntaskQueue:\n  pollIntervall: 5\n');
    const r = await worker(['run', '--config', config, join(repo, 'examples/hello-world.yml')], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('pollIntervall');
  });

  it('exit 3 with a hint when no Docker engine answers', async () => {
    const r = await worker(['run', join(repo, 'examples/hello-world.yml')], { ...env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/docker/i);
  });

  it('worker start: exit 3 when a feature refuses this host, leaving no server behind to hang on', async () => {
    const config = join(dir, 'bad-key.yml');
    await writeFile(config, `features:\n  chainOfTrust:\n    ed25519SigningKeyLocation: ${join(dir, 'no-such-key')}\n`);
    const r = await worker(['start', '--config', config], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('features.chainOfTrust.ed25519SigningKeyLocation');
  });

  it('worker start: exit 3 for a misspelt chain-of-trust key, naming it (not a worker silently signing nothing)', async () => {
    const config = join(dir, 'misspelt-key.yml');
    await writeFile(config, `features:\n  chainOfTrust:\n    ed25519SigningKeyLocaton: ${join(dir, 'cot.key')}\n`);
    const r = await worker(['start', '--config', config], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('features.chainOfTrust.ed25519SigningKeyLocaton is not a known key (did you mean "ed25519SigningKeyLocation"?)');
  });

  it('worker start: exit 3 for a feature section of a feature this worker does not have, and for a bad live log setting', async () => {
    const config = join(dir, 'unknown-feature.yml');
    await writeFile(config, 'features:\n  dockerSave:\n    enabled: true\n  localLiveLog:\n    port: 99999\n');
    const r = await worker(['start', '--config', config], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('features.dockerSave is not a feature of this worker');
    expect(r.stderr).toContain('features.localLiveLog.port must be at most 65535 (got 99999)');
  });

  it('exit 3 for usage errors and a missing file', async () => {
    expect((await worker(['run'], env)).code).toBe(3);
    const missing = await worker(['run', join(dir, 'nope.yml')], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.yml');
  });

  it('--help works on every command', async () => {
    for (const args of [['--help'], ['run', '--help'], ['start', '--help'], ['submit', '--help']]) {
      const r = await worker(args, env);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: docker-worker');
    }
  });
});
