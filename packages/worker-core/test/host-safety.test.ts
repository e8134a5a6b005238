/**
 * Several workers on one host (the real bin, real Docker, the embedded queue): none removes
 * another live one's containers, a work directory has one live worker, and what a killed
 * worker left (containers, run directories, a `worker run`'s area) goes at the next start.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Harness, TEST_IMAGE } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const bin = resolve(here, '../dist/bin/worker.js');
const exec = promisify(execFile);

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function worker(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const exists = (path: string) => access(path).then(() => true, () => false);

describe('workers on one host', () => {
  const h = new Harness();
  let n = 0;
  const procs: Proc[] = [];
  const spawnWorker = (args: string[], env: Record<string, string>): Proc => {
    const proc = worker(args, env);
    procs.push(proc);
    return proc;
  };
  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    for (const { child } of procs) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Whatever a failed test left: only this suite's containers (its harness's worker group).
    const left = await h.containers();
    if (left.length > 0) await exec('docker', ['rm', '-f', ...left]);
    await h.stop();
  });

  async function taskFile(name: string, script: string): Promise<string> {
    const file = join(h.dir, `${name}.yml`);
    await writeFile(file, `image: ${TEST_IMAGE}\ncommand: [sh, -c, ${JSON.stringify(script)}]\nmaxRunTime: 900\n`);
    return file;
  }

  /** `worker run`s in one work directory, in this harness's worker group. */
  function runEnv(workDir: string): Record<string, string> {
    return { DW_WORK_DIR: workDir, DW_WORKER_GROUP: h.workerGroup, DW_CACHE__VOLUME_CACHE_PATH: join(h.dir, 'caches') };
  }

  async function bothRunsComplete(extraArgs: string[]): Promise<Proc[]> {
    const workDir = join(h.dir, `runs-${n++}`);
    const first = spawnWorker(['run', ...extraArgs, await taskFile(`first-${n}`, 'echo first started; sleep 8; echo first finished')], runEnv(workDir));
    await h.until('the first run\'s container', async () => (await h.containers()).length === 1, 60_000);
    const second = spawnWorker(['run', ...extraArgs, await taskFile(`second-${n}`, 'echo second started; sleep 1; echo second finished')], runEnv(workDir));
    const codes = await Promise.all([first.exited, second.exited]);
    expect({ codes, first: first.stdout(), second: second.stdout() }).toMatchObject({
      codes: [0, 0],
      first: expect.stringContaining('first finished'),
      second: expect.stringContaining('second finished'),
    });
    expect(first.stdout()).toMatch(/Successful task run with exit code: 0/);
    // Each run worked in its own area, and removed it at the end.
    expect(await readdir(join(workDir, 'worker-run'))).toEqual([]);
    return [first, second];
  }

  it('two worker runs at once both complete, each a worker of its own', async () => {
    const [first, second] = await bothRunsComplete([]);
    const idOf = (proc: Proc) => /Worker ID: (\S+)/.exec(proc.stdout())?.[1];
    expect(idOf(first!)).toMatch(/^local-run-[0-9a-f]{10}$/);
    expect(idOf(second!)).toMatch(/^local-run-[0-9a-f]{10}$/);
    expect(idOf(first!)).not.toBe(idOf(second!));
  });

  it('two worker runs with the same --worker-id: the second does not take the first one\'s container for a leftover', async () => {
    const [first] = await bothRunsComplete(['--worker-id', 'same-on-both']);
    expect(first!.stdout()).toContain('Worker ID: same-on-both');
  });

  it('a second worker start on the same workDir exits 3 naming it and the holder, and the first serves on', async () => {
    const workDir = join(h.dir, `start-${n++}`);
    const env = { DW_WORK_DIR: workDir, DW_WORKER_GROUP: h.workerGroup, DW_WORKER_ID: 'held' };
    const first = spawnWorker(['start'], env);
    await h.until('first worker serving', () => first.stdout().includes('Submit tasks with'), 60_000);
    const connection = await readFile(join(workDir, 'embedded-queue.json'), 'utf8');

    const second = spawnWorker(['start'], { ...env, DW_WORKER_ID: 'intruder' });
    expect(await second.exited).toBe(3);
    expect(second.stderr()).toContain(`worker: workDir ${workDir} is in use by another live worker (worker start held, pid ${first.child.pid})`);
    expect(second.stdout()).not.toContain('Embedded queue');
    expect(await readFile(join(workDir, 'embedded-queue.json'), 'utf8')).toBe(connection);

    const submitted = await exec(process.execPath, [bin, 'submit', '--wait', join(repo, 'examples/hello-world.yml')], { env: { ...process.env, ...env } });
    expect(submitted.stdout.trim().split('\n').pop()).toMatch(/^Task \S+ completed$/);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
  });

  /** `worker start` serving the harness's queue as worker `workerId`, working in `workDir`. */
  function daemon(workerId: string, workDir: string): Proc {
    return spawnWorker(['start'], { ...h.daemonEnv(), DW_WORKER_ID: workerId, DW_WORK_DIR: workDir });
  }

  async function sleeper(seconds: number): Promise<string> {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', `echo sleeping; sleep ${seconds}; echo woke`], maxRunTime: 900 });
    await h.waitRunning(taskId);
    await h.until('container started', async () => (await h.containers()).length === 1, 60_000);
    return taskId;
  }

  it('a worker start beside a live worker of the same identity keeps that one\'s container', async () => {
    const first = daemon('twin', join(h.dir, `twin-a-${n}`));
    const taskId = await sleeper(6);
    const second = daemon('twin', join(h.dir, `twin-b-${n++}`));
    await h.until('second worker started', () => second.stderr().includes('kept containers of a live worker with this identity'), 60_000);
    expect((await h.waitResolved(taskId)).runs[0]).toMatchObject({ state: 'completed' });
    expect(await h.backingLog(taskId)).toContain('woke');
    await h.until('the second worker started', () => / start capacity=/.test(second.stderr()), 30_000);
    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
  });

  it('after a kill -9 the next start removes the leftover container and run directory', async () => {
    const workDir = join(h.dir, `crashed-${n++}`);
    const first = daemon('crashy', workDir);
    const taskId = await sleeper(600);
    const runDir = join(workDir, 'runs', `${taskId}-0`);
    await h.until('run directory', () => exists(join(runDir, 'task.log')));
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await h.containers()).length).toBe(1);
    expect(await exists(runDir)).toBe(true);

    const second = daemon('crashy', workDir);
    await h.until('leftovers removed', async () => (await h.containers()).length === 0 && !(await exists(runDir)), 30_000);
    await h.until('old run resolved', async () => (await h.client.status(taskId)).runs[0]!.state === 'exception', 30_000);
    expect((await h.client.status(taskId)).runs[0]!.reasonResolved).toBe('worker-shutdown');
    expect(second.stderr()).toContain('removed leftover run directories');
    // The leftovers go during start-up; the signal comes once it has started.
    await h.until('the second worker started', () => / start capacity=/.test(second.stderr()), 30_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('after a kill -9 the next start removes the network of a run with the taskcluster proxy', async () => {
    const networks = async (taskId: string) =>
      (await exec('docker', ['network', 'ls', '-q', '--filter', `label=org.taskcluster.docker-worker.task-id=${taskId}`])).stdout.split('\n').filter(Boolean);
    const workDir = join(h.dir, `crashed-${n++}`);
    const first = daemon('crashy-proxy', workDir);
    const taskId = await h.createTask(
      { image: TEST_IMAGE, command: ['sh', '-c', 'sleep 600'], maxRunTime: 900, features: { taskclusterProxy: true } },
      { scopes: ['docker-worker:feature:taskclusterProxy'] },
    );
    await h.until('container started', async () => (await h.containers()).length === 1, 60_000);
    expect(await networks(taskId)).toHaveLength(1);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await networks(taskId)).toHaveLength(1);

    const second = daemon('crashy-proxy', workDir);
    await h.until('leftover network removed', async () => (await h.containers()).length === 0 && (await networks(taskId)).length === 0, 30_000);
    await h.until('the second worker started', () => / start capacity=/.test(second.stderr()), 30_000);
    expect(second.stderr()).toContain('removed leftover networks');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('after a kill -9 of a worker run the next worker run removes its container and its area', async () => {
    const workDir = join(h.dir, `crashed-run-${n++}`);
    const killed = spawnWorker(['run', await taskFile('long', 'sleep 600')], runEnv(workDir));
    await h.until('the run\'s container', async () => (await h.containers()).length === 1, 60_000);
    const [area] = await readdir(join(workDir, 'worker-run'));
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect((await h.containers()).length).toBe(1);

    const next = spawnWorker(['run', join(repo, 'examples/hello-world.yml')], runEnv(workDir));
    expect(await next.exited).toBe(0);
    expect(await h.containers()).toEqual([]);
    expect(await readdir(join(workDir, 'worker-run'))).not.toContain(area);
  });
});
