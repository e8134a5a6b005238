/**
 * SIGTERM while a claimWork long poll is under way (capacity 2, one task running). The running
 * task is handed back once; the poll is abandoned, so the retry it would have claimed stays
 * pending for another worker instead of being claimed and handed back too (two runs lost to
 * one signal). The queue here holds polls open 20 s, as the real one does.
 */
import { Harness, TEST_IMAGE } from '../harness.js';

describe('SIGTERM with a claimWork long poll in flight', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start({ longPollSeconds: 20 });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('costs the running task one run, and claims nothing more', async () => {
    const d = h.daemon(['--capacity', '2'], 'term-during-claim');
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', 'echo sleeping; sleep 60'], maxRunTime: 300 }, { retries: 1 });
    await h.waitRunning(taskId);
    await h.until('container started', async () => (await h.containers()).length > 0);
    // With a slot free, the claim loop asked for more work right after launching the task (it
    // does so before the container is even created): that poll now waits up to 20 s.
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    const status = await h.client.status(taskId);
    expect(status.runs.map((r) => `${r.state}/${r.reasonResolved ?? ''}`)).toEqual(['exception/worker-shutdown', 'pending/']);
    expect(await h.containers()).toEqual([]);
  });
});
