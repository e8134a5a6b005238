import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Harness, TEST_IMAGE, type Daemon } from './harness.js';

describe('stopping the worker (the real bin against the embedded queue)', () => {
  const h = new Harness();
  let n = 0;
  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  /** `worker start` serving the test's queue, like a worker of a real deployment. */
  function daemon(args: string[] = [], workerId = `d${n++}`, env: Record<string, string> = {}): Daemon {
    return h.daemon(args, workerId, env);
  }

  async function sleeper(seconds: number): Promise<string> {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', `echo sleeping; sleep ${seconds}; echo woke`], maxRunTime: 900 });
    await h.waitRunning(taskId);
    await h.until('container started', async () => (await h.containers()).length > 0);
    return taskId;
  }

  it('SIGTERM: the running task ends worker-shutdown with its log uploaded, exit 0', async () => {
    const d = daemon();
    const taskId = await sleeper(30);
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    const status = await h.client.status(taskId);
    expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'worker-shutdown' });
    const text = await h.backingLog(taskId);
    expect(text).toContain('sleeping');
    expect(text).toContain('worker-shutdown');
    expect(await h.containers()).toEqual([]);
  });

  it('SIGINT: the running task completes, then the worker exits 0', async () => {
    const d = daemon();
    const taskId = await sleeper(3);
    d.child.kill('SIGINT');
    expect(await d.exited).toBe(0);
    expect((await h.client.status(taskId)).state).toBe('completed');
    expect(await h.backingLog(taskId)).toContain('woke');
  });

  describe('worker-runner protocol', () => {
    async function runnerDaemon(): Promise<Daemon> {
      const workerId = `r${n++}`;
      const config = join(h.dir, `${workerId}.json`);
      await writeFile(config, JSON.stringify({ workerNodeType: 'n2-standard-2', workerLocation: { cloud: 'local' } }));
      const d = daemon(['--worker-runner'], workerId, { DOCKER_WORKER_CONFIG: config });
      d.child.stdin!.write('~{"type":"welcome","capabilities":["graceful-termination","shutdown"]}\n');
      await h.until('hello', () => d.stdout().includes('~{"type":"hello"'));
      return d;
    }

    it('graceful-termination without finish-tasks: like SIGTERM, then a shutdown message', async () => {
      const d = await runnerDaemon();
      const taskId = await sleeper(30);
      d.child.stdin!.write('~{"type":"graceful-termination","finish-tasks":false}\n');
      expect(await d.exited).toBe(0);
      expect((await h.client.status(taskId)).runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'worker-shutdown' });
      const lines = d.stdout().split('\n').filter(Boolean);
      // stdout carries the protocol and nothing else.
      expect(lines.every((l) => l.startsWith('~'))).toBe(true);
      expect(lines).toContain('~{"type":"shutdown"}');
    });

    it('SIGTERM while waiting for the welcome ends the start-up at once: exit 0, nothing claimed', async () => {
      const workerId = `r${n++}`;
      const config = join(h.dir, `${workerId}.json`);
      await writeFile(config, JSON.stringify({ workerNodeType: 'n2-standard-2', workerLocation: { cloud: 'local' } }));
      const d = daemon(['--worker-runner'], workerId, { DOCKER_WORKER_CONFIG: config });
      await h.until('waiting for the welcome', () => d.stderr().includes("waiting for worker-runner's welcome"));
      const signalled = Date.now();
      d.child.kill('SIGTERM');
      expect(await d.exited).toBe(0);
      // Without the signal it would wait 30 s for the welcome, then claim.
      expect(Date.now() - signalled).toBeLessThan(20_000);
      expect(d.stderr()).toContain('stopped during start-up');
      expect(d.stderr()).not.toMatch(/ start capacity=/);
      // No welcome, so no capabilities: nothing but the protocol (here nothing at all) on stdout.
      expect(d.stdout()).toBe('');
    });

    it('graceful-termination with finish-tasks: like SIGINT', async () => {
      const d = await runnerDaemon();
      const taskId = await sleeper(3);
      d.child.stdin!.write('~{"type":"graceful-termination","finish-tasks":true}\n');
      expect(await d.exited).toBe(0);
      expect((await h.client.status(taskId)).state).toBe('completed');
    });
  });

  it('SIGKILL, then a new start: the old run is worker-shutdown within 10 s and its container is gone', async () => {
    const first = daemon([], 'crashy');
    const taskId = await sleeper(600);
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await h.containers()).length).toBe(1);
    const restarted = Date.now();
    const second = daemon([], 'crashy');
    await h.until('old run resolved', async () => (await h.client.status(taskId)).runs[0]!.state === 'exception', 10_000);
    expect(Date.now() - restarted).toBeLessThan(10_000);
    expect((await h.client.status(taskId)).runs[0]!.reasonResolved).toBe('worker-shutdown');
    expect(await h.containers()).toEqual([]);
    // The old run is resolved during start-up; the signal comes once it has started.
    await h.until('the second worker started', () => / start capacity=/.test(second.stderr()), 30_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
