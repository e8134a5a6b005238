import { randomUUID } from 'node:crypto';
import type { WorkerConfig } from '@docker-worker/schema';
import amqp from 'amqplib';
import type { WorkerLog } from '../log/worker-log.js';
import { canceledRunOf, TASK_EXCEPTION_EXCHANGE } from './canceled-run.js';

/** The `pulse` config section: an AMQP URL, or its parts. */
export type PulseConnection = NonNullable<WorkerConfig['pulse']>;

export interface PulseCancelListenerOptions {
  pulse: PulseConnection;
  identity: { provisionerId: string; workerType: string; workerGroup: string; workerId: string };
  log: WorkerLog;
  /** A run this worker may hold was canceled. */
  onCanceled: (taskId: string, runId: number) => void;
  /**
   * The connection came back: messages may have been lost meanwhile (Pulse keeps nothing for
   * a queue that was gone), so the runs must be checked with the queue.
   */
  onReconnected?: () => void;
}

/** `primary.<taskId>.<runId>.<workerGroup>.<workerId>.<provisionerId>.<workerType>.<schedulerId>.<taskGroupId>.#` */
export function cancelRoutingKey(identity: PulseCancelListenerOptions['identity']): string {
  return `primary.*.*.${identity.workerGroup}.${identity.workerId}.${identity.provisionerId}.${identity.workerType}.*.*.#`;
}

function connectUrl(pulse: PulseConnection): string | amqp.Options.Connect {
  if (pulse.url) return pulse.url;
  return {
    protocol: pulse.protocol ?? 'amqps',
    hostname: pulse.hostname,
    port: pulse.port ?? ((pulse.protocol ?? 'amqps') === 'amqps' ? 5671 : 5672),
    username: pulse.username,
    password: pulse.password,
    vhost: pulse.vhost ?? '/',
    heartbeat: 120,
  };
}

function userOf(pulse: PulseConnection): string {
  if (pulse.username) return pulse.username;
  try {
    return decodeURIComponent(new URL(pulse.url ?? '').username) || 'guest';
  } catch {
    return 'guest';
  }
}

/**
 * Hears cancellations as they happen: an exclusive, auto-delete queue bound to the queue's
 * task-exception exchange for this worker's own runs. It only speeds things up: reclaim 409
 * stays the authority, so without a broker the worker works on and says so once. amqplib's
 * recovering connection reconnects with backoff and re-runs the set-up on each connection.
 */
export class PulseCancelListener {
  #options: PulseCancelListenerOptions;
  #model: amqp.RecoveringChannelModel | undefined;
  #connections = 0;
  #outage = false;

  constructor(options: PulseCancelListenerOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const { log } = this.#options;
    this.#model = await amqp.connect(connectUrl(this.#options.pulse), {
      noDelay: true,
      recovery: { waitForConnect: false, initialDelay: 500, maxDelay: 30_000, setup: (model: amqp.ChannelModel) => this.#setup(model) },
    });
    this.#model.on('connect', () => {
      this.#connections++;
      if (this.#connections === 1) log.info('pulse listening', { routingKey: cancelRoutingKey(this.#options.identity) });
      else {
        log.info('pulse reconnected', {});
        this.#options.onReconnected?.();
      }
      this.#outage = false;
    });
    const unavailable = (err: Error) => {
      if (this.#outage) return;
      this.#outage = true;
      log.warn('pulse unavailable: cancellations are noticed at the next reclaim until it is back', { error: err });
    };
    this.#model.on('connect-failed', unavailable);
    this.#model.on('disconnect', unavailable);
    this.#model.on('error', (err: Error) => log.debug('pulse error', { error: err }));
  }

  async stop(): Promise<void> {
    await this.#model?.close().catch(() => {});
    this.#model = undefined;
  }

  async #setup(model: amqp.ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    // A fresh name per connection: a broker deletes an auto-delete queue some time
    // after its last consumer leaves, not at once, so the old name may still be taken.
    const name = `queue/${userOf(this.#options.pulse)}/docker-worker/${this.#options.identity.workerId}/${randomUUID()}`;
    await channel.assertQueue(name, { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(name, TASK_EXCEPTION_EXCHANGE, cancelRoutingKey(this.#options.identity));
    await channel.prefetch(5);
    await channel.consume(name, (message) => {
      if (!message) return;
      this.#handle(message.content);
      channel.ack(message);
    });
  }

  #handle(content: Buffer): void {
    let body: unknown;
    try {
      body = JSON.parse(content.toString('utf8'));
    } catch {
      this.#options.log.warn('pulse message is not JSON', {});
      return;
    }
    const canceled = canceledRunOf(body);
    if (canceled) this.#options.onCanceled(canceled.taskId, canceled.runId);
  }
}
