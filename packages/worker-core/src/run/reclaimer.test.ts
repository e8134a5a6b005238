import { createMemoryLog } from '../log/worker-log.js';
import type { RunQueue } from '../queue/queue-client.js';
import { Reclaimer } from './reclaimer.js';

function conflict(): Error {
  return Object.assign(new Error('conflict'), { statusCode: 409 });
}

function fakeQueue(replies: Array<() => Promise<{ takenUntil: string }>>): RunQueue & { calls: number } {
  const queue = {
    taskId: 't',
    runId: 0,
    calls: 0,
    async reclaim() {
      const reply = replies[Math.min(queue.calls, replies.length - 1)]!;
      queue.calls++;
      return { ...(await reply()), credentials: { clientId: 'c', accessToken: 'a' } };
    },
  };
  return queue as unknown as RunQueue & { calls: number };
}

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('Reclaimer', () => {
  it('reclaims halfway through each claim and reports a 409 as a lost claim', async () => {
    const queue = fakeQueue([async () => ({ takenUntil: inMs(200) }), async () => Promise.reject(conflict())]);
    const lost = new Promise<string>((resolve) => {
      new Reclaimer({ queue, takenUntil: inMs(200), divisor: 2, log: createMemoryLog(), onLost: resolve }).start();
    });
    const started = Date.now();
    expect(await lost).toMatch(/409/);
    expect(queue.calls).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('retries other errors and only gives up when the claim has run out', async () => {
    const queue = fakeQueue([async () => Promise.reject(Object.assign(new Error('boom'), { statusCode: 500 }))]);
    const reasons: string[] = [];
    const r = new Reclaimer({ queue, takenUntil: inMs(1500), divisor: 100, log: createMemoryLog(), onLost: (why) => reasons.push(why) });
    r.start();
    await new Promise((resolve) => setTimeout(resolve, 1600));
    r.stop();
    expect(queue.calls).toBeGreaterThanOrEqual(1);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/expired while reclaims kept failing: boom/);
  });

  it('does nothing after stop()', async () => {
    const queue = fakeQueue([async () => ({ takenUntil: inMs(100) })]);
    const r = new Reclaimer({ queue, takenUntil: inMs(100), divisor: 2, log: createMemoryLog(), onLost: () => {} });
    r.start();
    r.stop();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(queue.calls).toBe(0);
  });
});
