/**
 * The queue refuses the resolution for good: a task whose scopes make the claim's temporary
 * credentials too long for a Hawk header (every call with them is answered 401). The worker
 * must not claim the run was resolved: its log says so at warn, the claim stays in the claim
 * store for the next start, and `worker run` exits 3 with the reason.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS } from '@docker-worker/worker-contract';
import { Harness, TEST_IMAGE, WORKER_BIN } from '../harness.js';

const LONG_SCOPE = `project:dw-test:${'x'.repeat(5000)}`;

describe('a resolution the queue refuses', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('is reported as not resolved, and the claim is kept for the next start', async () => {
    const workDir = join(h.dir, 'refused');
    const { log } = await h.startWorker({ workDir });
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60 }, { scopes: [LONG_SCOPE] });
    await h.until('the run given up on', () => log.records.some((r) => r.type === 'task not resolved' && r.taskId === taskId), 60_000);
    const record = log.records.find((r) => r.type === 'task not resolved')!;
    expect(record.level).toBe('warn');
    expect(String(record.why)).toMatch(/the queue refused to record .*HTTP 401/);
    expect(log.records.some((r) => r.type === 'task resolved' && r.taskId === taskId)).toBe(false);
    // What the queue has is what it recorded: nothing.
    expect((await h.client.status(taskId)).runs[0]).toMatchObject({ state: 'running' });
    expect(await readdir(join(workDir, 'claims'))).toEqual([`${taskId}-0.json`]);
    expect(await readdir(join(workDir, 'runs'))).toEqual([]);
    expect(await h.containers()).toEqual([]);
  });
});

describe('worker run and a refused resolution', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-refused-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 3, saying the queue did not record the result', async () => {
    const file = join(dir, 'task.json');
    await writeFile(file, JSON.stringify({ scopes: [LONG_SCOPE], payload: { image: TEST_IMAGE, command: ['true'], maxRunTime: 60 } }));
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [WORKER_BIN, 'run', file], { env: { ...process.env, DW_WORK_DIR: join(dir, 'work') } }, (err, stdout, stderr) =>
        done({ code: err ? (err.code as number) : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n').pop()).toMatch(/^Task \S+ .*, but the queue did not record it: the queue refused to record .*HTTP 401/);
  });
});

describe('worker run and a signal', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-run-signal-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s aborts the task as worker-shutdown, prints its state and removes the container', async (signal) => {
    const file = join(dir, `${signal}.yml`);
    await writeFile(file, `image: ${TEST_IMAGE}\ncommand: [sh, -c, 'echo sleeping; sleep 120']\nmaxRunTime: 300\n`);
    const child = spawn(process.execPath, [WORKER_BIN, 'run', file], { env: { ...process.env, DW_WORK_DIR: join(dir, signal) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const deadline = Date.now() + 60_000;
    while (!stdout.includes('sleeping')) {
      if (Date.now() > deadline) throw new Error(`the task did not start: ${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const taskId = /Task ID: (\S+)/.exec(stdout)![1]!;
    child.kill(signal);
    expect(await exited).toBe(2);
    expect(stdout).toContain('worker-shutdown');
    expect(stderr.trim().split('\n').pop()).toBe(`Task ${taskId} exception (worker-shutdown)`);
    const left = await new Promise<string>((done) =>
      execFile('docker', ['ps', '-aq', '--filter', `label=${LABELS.taskId}=${taskId}`], (_err, out) => done(out.trim())),
    );
    expect(left).toBe('');
  });
});
