/**
 * The worker's own disk fills up under a task: workDir on a 30 MB tmpfs, a task printing 60 MB.
 * The run ends `resource-unavailable`, nothing of it is left, and the same worker goes on to
 * complete the next task.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, TEST_IMAGE } from '../harness.js';

const run = promisify(execFile);

describe('a full disk under the task log', () => {
  const h = new Harness();
  let small = '';
  beforeAll(async () => {
    await h.start();
    small = join(h.dir, 'small');
    await mkdir(small);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=30m', 'tmpfs', small]);
  });
  afterAll(async () => {
    await h.stop().catch(() => {});
    // Always undone, even when an assertion failed above.
    if (small) await run('umount', [small]).catch(() => run('umount', ['-l', small]));
  });

  it('fails that run, removes what it left and keeps serving', async () => {
    const workDir = join(small, 'work');
    const { log } = await h.startWorker({ workDir });
    const flood = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'yes 0123456789abcdef0123456789abcdef | head -c 62914560; echo done'], maxRunTime: 300 });
    const status = await h.waitResolved(flood, 120_000);
    expect(status.runs).toHaveLength(1);
    expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'resource-unavailable' });
    const error = log.records.find((r) => r.type === 'task error' && r.taskId === flood);
    expect((error?.error as Error).message).toMatch(/The task log could not be written.*ENOSPC/);
    expect(await h.containers()).toEqual([]);
    expect(await readdir(join(workDir, 'runs'))).toEqual([]);

    const next = await h.createTask({ image: TEST_IMAGE, command: ['echo', 'after the flood'], maxRunTime: 60 });
    expect((await h.waitResolved(next)).state).toBe('completed');
    expect(await h.backingLog(next)).toContain('after the flood');
  });
});
