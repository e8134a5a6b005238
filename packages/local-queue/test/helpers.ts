// Shared set-up for the integration tests: a started LocalQueue, real taskcluster-client
// clients against it, task definitions, and a plain HTTP helper for data URLs.

import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import tc, { type TcClient, type TcCredentials } from 'taskcluster-client';
import { LocalQueue, type LocalQueueOptions, type PulseMessage } from '../src/index.js';

export const TASK_QUEUE_ID = 'local-prov/test-worker';
export const WORKER = { workerGroup: 'test-group', workerId: 'test-worker-1' };

export interface Harness {
  lq: LocalQueue;
  /** root-credentialed Queue client */
  queue: TcClient;
  /** a Queue client with only the scopes a worker has */
  worker: TcClient;
  messages: PulseMessage[];
  stop(): Promise<void>;
}

/** Fast client retries, so that 5xx tests do not wait long. */
export const CLIENT_OPTIONS = { retries: 5, delayFactor: 25 };

export async function startHarness(options: LocalQueueOptions = {}): Promise<Harness> {
  const lq = new LocalQueue({ longPollSeconds: 1, expiryCheckInterval: 50, ...options });
  await lq.start();
  const messages: PulseMessage[] = [];
  lq.events.on('message', (m: PulseMessage) => messages.push(m));
  const workerCreds = lq.createClient('worker/test', [
    `queue:claim-work:${TASK_QUEUE_ID}`,
    `queue:worker-id:${WORKER.workerGroup}/${WORKER.workerId}`,
  ]);
  return {
    lq,
    queue: new tc.Queue({ rootUrl: lq.rootUrl, credentials: lq.credentials, ...CLIENT_OPTIONS }),
    worker: new tc.Queue({ rootUrl: lq.rootUrl, credentials: workerCreds, ...CLIENT_OPTIONS }),
    messages,
    stop: () => lq.stop(),
  };
}

export function queueWith(h: Harness, credentials: TcCredentials | Record<string, never>): TcClient {
  return new tc.Queue({ rootUrl: h.lq.rootUrl, credentials, ...CLIENT_OPTIONS });
}

export function taskDefinition(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    taskQueueId: TASK_QUEUE_ID,
    created: new Date().toJSON(),
    deadline: tc.fromNowJSON('1 hour'),
    payload: { command: ['true'] },
    metadata: { name: 'test task', description: 'a test', owner: 'test@example.com', source: 'https://example.com/test' },
    ...overrides,
  };
}

/** Creates a task and returns its id. */
export async function createTask(h: Harness, overrides: Record<string, unknown> = {}): Promise<string> {
  const taskId = tc.slugid();
  await h.queue.createTask(taskId, taskDefinition(overrides));
  return taskId;
}

export interface Claim {
  status: { taskId: string; runs: unknown[] };
  runId: number;
  takenUntil: string;
  task: Record<string, unknown>;
  credentials: { clientId: string; accessToken: string; certificate: string };
}

/** Creates a task, claims it as WORKER, and returns the claim with a client on its credentials. */
export async function createAndClaim(h: Harness, overrides: Record<string, unknown> = {}): Promise<{ taskId: string; claim: Claim; taskQueue: TcClient }> {
  const taskId = await createTask(h, overrides);
  // The worker client may only claim from TASK_QUEUE_ID; other queues are claimed as root.
  const taskQueueId = (overrides.taskQueueId as string | undefined) ?? TASK_QUEUE_ID;
  const claimer = taskQueueId === TASK_QUEUE_ID ? h.worker : h.queue;
  const res = (await claimer.claimWork(taskQueueId, { ...WORKER, tasks: 1 })) as { tasks: Claim[] };
  const claim = res.tasks.find((c) => c.status.taskId === taskId);
  if (!claim) throw new Error(`task ${taskId} was not claimed`);
  return { taskId, claim, taskQueue: queueWith(h, claim.credentials) };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A plain HTTP request with exact control of the headers (no redirects followed). */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Calls `fn` and returns the error it rejects with (fails the test if it resolves). */
export async function rejection(fn: () => Promise<unknown>): Promise<{ statusCode: number; code: string; message: string; body: Record<string, unknown> }> {
  try {
    await fn();
  } catch (err) {
    return err as { statusCode: number; code: string; message: string; body: Record<string, unknown> };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` until it holds or `timeoutMs` passes. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await sleep(20);
  }
}
