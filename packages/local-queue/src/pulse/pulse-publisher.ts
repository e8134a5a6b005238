import amqp from 'amqplib';
import { EXCHANGE_PREFIX, type PulseMessage } from '../queue/events.js';

/** The queue's exchanges this embedded queue publishes (the queue's Pulse exchange reference). */
export const QUEUE_EXCHANGES = [
  'task-defined',
  'task-pending',
  'task-running',
  'artifact-created',
  'task-completed',
  'task-failed',
  'task-exception',
].map((name) => `${EXCHANGE_PREFIX}${name}`);

const CONNECT_WAIT_MS = 5000;

/**
 * Publishes the embedded queue's messages to a real RabbitMQ, as the Taskcluster queue does to
 * Pulse: topic exchanges, persistent JSON messages, task routes as CC routing keys. Messages
 * that come while the broker is away are dropped, as any Pulse consumer must tolerate.
 */
export class PulsePublisher {
  #url: string;
  #model: amqp.RecoveringChannelModel | undefined;
  #channel: amqp.ConfirmChannel | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  async start(): Promise<void> {
    this.#model = await amqp.connect(this.#url, {
      recovery: {
        waitForConnect: false,
        initialDelay: 200,
        maxDelay: 5000,
        setup: async (model: amqp.ChannelModel) => {
          const channel = await model.createConfirmChannel();
          for (const exchange of QUEUE_EXCHANGES) await channel.assertExchange(exchange, 'topic', { durable: true });
          this.#channel = channel;
          channel.on('close', () => {
            if (this.#channel === channel) this.#channel = undefined;
          });
        },
      },
    });
    // Errors surface as reconnects; nothing to do but wait for the broker.
    this.#model.on('error', () => {});
    this.#model.on('disconnect', () => (this.#channel = undefined));
    // Give a reachable broker the chance to have the exchanges declared before the first
    // message (and before subscribers bind to them); an absent one does not hold start() up.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#model.waitForConnect().catch(() => {}),
      new Promise((resolve) => (timer = setTimeout(resolve, CONNECT_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  /** Resolves once the broker confirmed the message, or at once when it is not connected. */
  async publish(message: PulseMessage): Promise<boolean> {
    const channel = this.#channel;
    if (!channel) return false;
    try {
      channel.publish(message.exchange, message.routingKey, Buffer.from(JSON.stringify(message.payload)), {
        persistent: true,
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        CC: message.CCs,
      });
      await channel.waitForConfirms();
      return true;
    } catch {
      return false;
    }
  }

  /** True while a channel to the broker is open. */
  get connected(): boolean {
    return this.#channel !== undefined;
  }

  async stop(): Promise<void> {
    await this.#model?.close().catch(() => {});
    this.#model = undefined;
    this.#channel = undefined;
  }
}
