import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Harness, TEST_IMAGE } from './harness.js';

const run = promisify(execFile);
const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** The local RabbitMQ, started by scripts/setup-machine.sh. */
async function rabbit(command: 'stop_app' | 'start_app'): Promise<void> {
  await run('rabbitmqctl', ['-q', command]);
}

describe('cancellation over Pulse (real RabbitMQ)', () => {
  const h = new Harness();
  beforeAll(async () => {
    // Reclaims come every 10 s: a stop within 3 s of the cancel is Pulse's doing.
    await h.start({ claimTimeout: 20, amqpUrl: AMQP_URL });
    await h.startWorker({ capacity: 2, pulse: { url: AMQP_URL } });
    await h.until('pulse listener', () => h.workerLogs[0]!.records.some((r) => r.type === 'pulse listening'));
  });
  afterAll(async () => {
    await rabbit('start_app').catch(() => {});
    await h.stop();
  });

  async function runningSleeper(): Promise<string> {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sleep', '600'], maxRunTime: 900 });
    await h.waitRunning(taskId);
    await h.until('container started', async () => (await h.containers()).length > 0);
    return taskId;
  }

  it('a canceled run is stopped within 3 s, with no resolution call', async () => {
    const taskId = await runningSleeper();
    const before = h.requests.length;
    await h.client.cancelTask(taskId);
    const took = await h.until('container gone', async () => (await h.containers()).length === 0, 3000);
    expect(took).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 500));
    const resolutions = h.requests.slice(before).filter((r) => ['reportCompleted', 'reportFailed', 'reportException'].includes(r.name ?? ''));
    expect(resolutions).toEqual([]);
    expect((await h.client.status(taskId)).runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'canceled' });
  });

  it('with RabbitMQ down the worker carries on, and the listener comes back with the broker', async () => {
    const log = h.workerLogs[0]!.records;
    await rabbit('stop_app');
    await h.until('outage noticed', () => log.some((r) => r.type.startsWith('pulse unavailable')), 20_000);
    await h.until('the embedded queue sees the outage too', () => !h.queue.pulseConnected, 20_000);
    // Without the broker the cancel is caught by the next reclaim (within ~10 s).
    const unheard = await runningSleeper();
    await h.client.cancelTask(unheard);
    await h.until('container gone after a reclaim', async () => (await h.containers()).length === 0, 15_000);
    expect((await h.client.status(unheard)).runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'canceled' });

    const restarted = log.length;
    await rabbit('start_app');
    // Both ends must be back: the worker's queue and binding exist when it logs "pulse
    // reconnected" (amqplib runs the set-up before it reports the connection), but the embedded
    // queue's publisher reconnects on its own backoff and drops what it is given until then.
    // Waiting for the worker alone let the cancel below be published into nothing now and then,
    // so only the next reclaim (10 s) stopped the container.
    const pulseRecords = () => log.slice(restarted).filter((r) => r.type.startsWith('pulse'));
    await h.until('listener back', () => pulseRecords().at(-1)?.type === 'pulse reconnected', 60_000);
    await h.until('publisher back', () => h.queue.pulseConnected, 60_000);
    const taskId = await runningSleeper();
    await h.client.cancelTask(taskId);
    const took = await h.until('container gone', async () => (await h.containers()).length === 0, 3000);
    expect(took).toBeLessThan(3000);
  });
});
