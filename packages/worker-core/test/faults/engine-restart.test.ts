/**
 * The Docker engine stops (SIGTERM, as systemd restarts it) while a task runs. The run is the
 * engine's loss, not the task's failure: it is handed back `worker-shutdown` so the queue runs
 * it again, the worker claims nothing until the engine answers, then runs the retry. The engine
 * is one this suite starts for itself, so the engine the other suites share is never touched.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerRuntime } from '@docker-worker/docker-runtime';
import { LABELS } from '@docker-worker/worker-contract';
import { Harness, TEST_IMAGE } from '../harness.js';
import { PrivateEngine } from './private-engine.js';

describe('a Docker engine restart under a running task', () => {
  const h = new Harness();
  const engine = new PrivateEngine();
  beforeAll(async () => {
    await h.start();
    await engine.create();
  });
  afterAll(async () => {
    await h.stop().catch(() => {});
    await engine.destroy();
  });

  it('hands the run back, waits for the engine, then runs the retry', async () => {
    const workDir = join(h.dir, 'engine-restart');
    const runtime = new DockerRuntime({ socketPath: engine.socketPath, imageStateFile: join(workDir, 'images.json') });
    const { log } = await h.startWorker({ workDir, capacity: 1 }, { runtime });
    const taskId = await h.createTask(
      { image: TEST_IMAGE, command: ['sh', '-c', 'if [ "$RUN_ID" = 0 ]; then echo first run; sleep 45; fi; echo run $RUN_ID done'], maxRunTime: 300 },
      { retries: 2 },
    );
    const ours = `${LABELS.workerGroup}=${h.workerGroup}`;
    await h.until('the task container running on the private engine', async () => (await engine.containers(ours, 'running')).length > 0, 60_000);

    await engine.stop();
    await h.until('run 0 resolved', async () => (await h.client.status(taskId)).runs[0]?.state !== 'running', 60_000);
    const stopped = await h.client.status(taskId);
    expect(stopped.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'worker-shutdown' });
    await h.until('claiming paused', () => log.records.some((r) => r.type === 'engine unavailable: claiming paused until it answers'));
    // The retry waits in the queue while this worker has no engine to run it on.
    expect((await h.client.status(taskId)).runs[1]).toMatchObject({ state: 'pending' });
    // Which of these the worker sees depends on how far the engine got before it went.
    expect(await h.backingLog(taskId, 0)).toMatch(/stopped from outside the task|Docker engine went away|Docker engine is not reachable/);

    await engine.start();
    const done = await h.waitResolved(taskId, 120_000);
    expect(done.runs.map((r) => `${r.state}/${r.reasonResolved}`)).toEqual(['exception/worker-shutdown', 'completed/completed']);
    expect(await h.backingLog(taskId, 1)).toContain('run 1 done');
    await h.until('no container of this worker left on the engine', async () => (await engine.containers(ours)).length === 0);
    expect(await readdir(join(workDir, 'runs'))).toEqual([]);
  });

  it('an exit code of 137 from a SIGKILL inside the task stays the task’s: failed', async () => {
    await engine.ensureRunning();
    const runtime = new DockerRuntime({ socketPath: engine.socketPath, imageStateFile: join(h.dir, 'own-kill', 'images.json') });
    await h.startWorker({ workDir: join(h.dir, 'own-kill') }, { runtime });
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'sh -c "kill -9 \\$\\$"; exit $?'], maxRunTime: 60 }, { retries: 2 });
    const status = await h.waitResolved(taskId);
    expect(status.runs.map((r) => `${r.state}/${r.reasonResolved}`)).toEqual(['failed/failed']);
    expect(await h.backingLog(taskId)).toContain('exit code: 137');
  });
});
