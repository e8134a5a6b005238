import { Harness, TEST_IMAGE } from './harness.js';

const scopes = ['docker-worker:cache:shared-*'];
const cache = { 'shared-build': '/cache' };

/** The instance id the header line names for a run. */
function instanceOf(log: string): string {
  const match = /using cache "shared-build" -> \/cache \(instance ([0-9a-f-]+), (new|reused)\)/.exec(log);
  if (!match) throw new Error(`no cache line in:\n${log}`);
  return match[1]!;
}

describe('named caches (real engine, host directories)', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
    await h.startWorker({ capacity: 2 });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function runTask(script: string, extra: Record<string, unknown> = {}) {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', script], maxRunTime: 60, cache, ...extra }, { scopes });
    const status = await h.waitResolved(taskId);
    return { taskId, status, log: await h.backingLog(taskId) };
  }

  it('what task A writes, task B reads, through the same instance', async () => {
    const a = await runTask('echo "from A" > /cache/note');
    expect(a.status.state).toBe('completed');
    expect(a.log).toMatch(/\(instance [0-9a-f-]+, new\)/);
    const b = await runTask('cat /cache/note');
    expect(b.log).toContain('from A');
    expect(b.log).toContain(', reused)');
    expect(instanceOf(b.log)).toBe(instanceOf(a.log));
  });

  it('two tasks running at once on one name get different instances', async () => {
    const script = 'echo "$TASK_ID" > /cache/owner; sleep 2; test "$(cat /cache/owner)" = "$TASK_ID" && echo kept-mine';
    const [one, two] = await Promise.all([runTask(script), runTask(script)]);
    expect(one.log).toContain('kept-mine');
    expect(two.log).toContain('kept-mine');
    expect(instanceOf(one.log)).not.toBe(instanceOf(two.log));
  });

  it('an exit code in onExitStatus.purgeCaches deletes the instance it used', async () => {
    const writer = await runTask('echo precious > /cache/note');
    const purging = await runTask('cat /cache/note; exit 7', { onExitStatus: { purgeCaches: [7] } });
    expect(purging.status.state).toBe('failed');
    expect(purging.log).toContain('precious');
    expect(instanceOf(purging.log)).toBe(instanceOf(writer.log));
    // Whatever instance the next task gets, it is not the purged one, and the note is gone.
    const after = await runTask('grep -q precious /cache/note 2>/dev/null && echo still-there || echo gone');
    expect(after.log).toMatch(/\ngone\n/);
    expect(instanceOf(after.log)).not.toBe(instanceOf(writer.log));
  });

  it('a purge request from the purge-cache service empties the cache before the next task', async () => {
    const writer = await runTask('echo to-be-purged > /cache/purge-me');
    h.queue.purgeCache.add(`test-prov/${h.workerType}`, 'shared-build');
    const after = await runTask('cat /cache/purge-me 2>/dev/null || echo purged');
    expect(after.log).toMatch(/\npurged\n/);
    expect(after.log).toContain(', new)');
    expect(instanceOf(after.log)).not.toBe(instanceOf(writer.log));
  });

  it('a restarted worker reuses the caches an earlier process left', async () => {
    await runTask('echo survives > /cache/restart');
    await Promise.all(h.workers.map((w) => w.stop({ finishTasks: true })));
    h.workers.length = 0;
    await h.startWorker({ capacity: 1 });
    const again = await runTask('cat /cache/restart');
    expect(again.log).toContain('survives');
    expect(again.log).toContain(', reused)');
  });

  it('a cache the task has no scope for is refused', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, cache: { private: '/p' } }, { scopes });
    expect((await h.waitResolved(taskId)).runs[0]!.reasonResolved).toBe('malformed-payload');
  });
});
