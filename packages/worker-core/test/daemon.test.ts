import { spawn, type ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const bin = resolve(here, '../dist/bin/worker.js');

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

describe('worker start on the embedded queue, worker submit against it', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let daemon: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-daemon-test-'));
    env = { ...process.env, DW_WORK_DIR: dir, DW_WORKER_ID: 'daemon-test', DW_CAPACITY: '2' };
  });
  afterAll(async () => {
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('serves submitted tasks and stops on SIGINT', async () => {
    daemon = spawn(process.execPath, [bin, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    daemon.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    daemon.stderr!.resume();
    const exited = exitOf(daemon);
    while (!out.includes('Submit tasks with')) {
      if (daemon.exitCode !== null) throw new Error(`worker start exited early: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toMatch(/Embedded queue: http:\/\/127\.0\.0\.1:\d+/);
    expect((await stat(join(dir, 'embedded-queue.json'))).mode & 0o777).toBe(0o600);

    const submitted = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile(process.execPath, [bin, 'submit', '--wait', join(repo, 'examples/hello-world.yml')], { env }, (err, stdout) => {
        done({ code: err ? Number(err.code) : 0, stdout });
      });
    });
    expect(submitted.stdout).toContain('Submitted task');
    expect(submitted.stdout).toContain('Hello, world, from task');
    expect(submitted.stdout.trim().split('\n').pop()).toMatch(/^Task \S+ completed$/);
    expect(submitted.code).toBe(0);

    daemon.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(stat(join(dir, 'embedded-queue.json'))).rejects.toThrow();
  });

  it('starts with features.localLiveLog.enabled: false, and counts the roles of embeddedQueue.roles', async () => {
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'features:',
        '  localLiveLog:',
        '    enabled: false',
        'cache:',
        `  volumeCachePath: ${join(dir, 'caches')}`,
        'embeddedQueue:',
        '  roles:',
        '    "project:ci":',
        '      - "docker-worker:cache:ci-*"',
        '',
      ].join('\n'),
    );
    const task = join(dir, 'cached.yml');
    await writeFile(
      task,
      'scopes: ["assume:project:ci"]\npayload:\n  image: dw-test/busybox:latest\n  command: ["sh", "-c", "touch /cache/x"]\n  maxRunTime: 60\n  cache:\n    ci-build: /cache\n',
    );
    const withConfig = { ...env, DW_WORK_DIR: join(dir, 'roles') };
    daemon = spawn(process.execPath, [bin, 'start', '--config', config], { env: withConfig, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    daemon.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    daemon.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = exitOf(daemon);
    while (!out.includes('Submit tasks with')) {
      if (daemon.exitCode !== null) throw new Error(`worker start exited early (${daemon.exitCode}): ${out}${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const submitted = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile(process.execPath, [bin, 'submit', '--config', config, '--wait', task], { env: withConfig }, (error, stdout) => {
        done({ code: error ? Number(error.code) : 0, stdout });
      });
    });
    expect(submitted.stdout.trim().split('\n').pop()).toMatch(/^Task \S+ completed$/);
    expect(submitted.code).toBe(0);
    // The task had a cache, so the worker polled purge-cache, with its own client's scopes.
    expect(err).not.toContain('purge-cache poll failed');
    daemon.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('submit without a running worker says how to start one', async () => {
    const result = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(process.execPath, [bin, 'submit', join(repo, 'examples/hello-world.yml')], { env }, (err, _stdout, stderr) => {
        done({ code: err ? Number(err.code) : 0, stderr });
      });
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('docker-worker start');
  });
});
