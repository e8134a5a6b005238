import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalQueue } from '@docker-worker/local-queue';
import tc from 'taskcluster-client';
import { QueueClient } from '../src/queue/queue-client.js';

/**
 * The queue clients keep their connections alive (src/queue/keep-alive.ts): a TCP relay in
 * front of the embedded queue counts the connections a run's calls open.
 */
describe('queue connections', () => {
  let dir: string;
  let queue: LocalQueue;
  let relay: Server;
  let connections = 0;
  let rootUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-keepalive-'));
    queue = new LocalQueue({ storageDir: join(dir, 'queue'), longPollSeconds: 1 });
    await queue.start();
    const target = new URL(queue.rootUrl);
    relay = createServer((client) => {
      connections += 1;
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    rootUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    relay.close();
    await queue.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reuses one connection for a run’s sequential calls, across clients and credentials', async () => {
    const client = new QueueClient({ rootUrl, credentials: queue.credentials });
    const taskId = tc.slugid();
    await client.createTask(taskId, {
      taskQueueId: 'test/keepalive',
      schedulerId: 'test',
      created: new Date().toJSON(),
      deadline: new Date(Date.now() + 3_600_000).toJSON(),
      payload: {},
      metadata: { name: 'keep-alive', description: '', owner: 'test@example.com', source: 'https://example.com' },
    });
    const [claim] = await client.claimWork('test/keepalive', { workerGroup: 'g', workerId: 'w', tasks: 1 });
    const run = client.forRun(taskId, claim!.runId, claim!.credentials);
    await run.reclaim();
    await client.status(taskId);
    await run.reportCompleted();
    expect((await client.status(taskId)).state).toBe('completed');
    // Six calls with three sets of credentials (worker, claim, reclaim), one connection.
    expect(connections).toBe(1);
  });
});
