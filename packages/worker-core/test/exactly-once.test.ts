import { Harness, TEST_IMAGE } from './harness.js';

describe('two workers on one queue', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('capacity 2 each, 12 tasks → every task resolved exactly once, no container left', async () => {
    const a = await h.startWorker({ capacity: 2 });
    const b = await h.startWorker({ capacity: 2 });
    const taskIds = await Promise.all(
      Array.from({ length: 12 }, (_, i) => h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', `echo task ${i}; sleep 0.3`], maxRunTime: 60 })),
    );
    const statuses = await Promise.all(taskIds.map((id) => h.waitResolved(id, 90_000)));
    for (const status of statuses) {
      expect(status.state).toBe('completed');
      expect(status.runs).toHaveLength(1);
    }
    const claimedBy = (log: typeof a.log) => log.records.filter((r) => r.type === 'claimed task').map((r) => r.taskId as string);
    const claimsA = claimedBy(a.log);
    const claimsB = claimedBy(b.log);
    expect([...claimsA, ...claimsB].sort()).toEqual([...taskIds].sort());
    // Both workers took part.
    expect(claimsA.length).toBeGreaterThan(0);
    expect(claimsB.length).toBeGreaterThan(0);
    const workers = new Set(statuses.map((s) => s.runs[0]!.workerId));
    expect(workers).toEqual(new Set(['w0', 'w1']));
    await Promise.all(h.workers.map((w) => w.idle()));
    expect(await h.containers()).toEqual([]);
  });
});
