import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import tc from 'taskcluster-client';
import { startHarness, taskDefinition, WORKER, TASK_QUEUE_ID, type Harness } from './helpers.js';

const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

interface Received {
  exchange: string;
  routingKey: string;
  body: { runId?: number; status: { taskId: string; runs: Array<{ reasonResolved?: string }> } };
  contentType: string | undefined;
}

describe('Pulse messages on a real RabbitMQ', () => {
  let h: Harness;
  let connection: amqp.ChannelModel;
  const received: Received[] = [];

  beforeAll(async () => {
    h = await startHarness({ amqpUrl: AMQP_URL });
    connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    const queue = `queue/guest/local-queue-test/${randomUUID()}`;
    await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
    for (const name of ['task-pending', 'task-running', 'task-completed', 'task-exception', 'artifact-created']) {
      await channel.bindQueue(queue, `exchange/taskcluster-queue/v1/${name}`, `primary.#`);
    }
    await channel.consume(queue, (message) => {
      if (!message) return;
      received.push({
        exchange: message.fields.exchange,
        routingKey: message.fields.routingKey,
        body: JSON.parse(message.content.toString()),
        contentType: message.properties.contentType,
      });
      channel.ack(message);
    });
  });
  afterAll(async () => {
    await connection.close();
    await h.stop();
  });

  async function until(predicate: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`not received; got ${JSON.stringify(received.map((r) => r.exchange))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('publishes pending, running and exception (canceled) with the real routing keys and bodies', async () => {
    const taskId = tc.slugid();
    await h.queue.createTask(taskId, taskDefinition());
    await until(() => received.some((r) => r.exchange.endsWith('task-pending') && r.body.status.taskId === taskId));
    await h.worker.claimWork(TASK_QUEUE_ID, { ...WORKER, tasks: 1 });
    await until(() => received.some((r) => r.exchange.endsWith('task-running') && r.body.status.taskId === taskId));
    await h.queue.cancelTask(taskId);
    await until(() => received.some((r) => r.exchange.endsWith('task-exception') && r.body.status.taskId === taskId));

    const exception = received.find((r) => r.exchange.endsWith('task-exception') && r.body.status.taskId === taskId)!;
    const [provisionerId, workerType] = TASK_QUEUE_ID.split('/');
    expect(exception.routingKey).toBe(`primary.${taskId}.0.${WORKER.workerGroup}.${WORKER.workerId}.${provisionerId}.${workerType}.-.${taskId}._`);
    expect(exception.body.runId).toBe(0);
    expect(exception.body.status.runs[0]!.reasonResolved).toBe('canceled');
    expect(exception.contentType).toBe('application/json');
  });
});
