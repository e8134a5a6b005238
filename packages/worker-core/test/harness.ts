/**
 * Integration harness: a real embedded queue over HTTP, the real Docker engine, and workers
 * wired exactly as the `worker` bin wires them. Each test gets its own worker ids and
 * directories, so suites can share one engine.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LocalQueue, type RequestEvent } from '@docker-worker/local-queue';
import { validateConfig, type WorkerConfig } from '@docker-worker/schema';
import type { CacheManager, Metrics, RunOutcome, Runtime, TaskDefinition } from '@docker-worker/worker-contract';
import type { BoundFeature } from '../src/run/feature-binding.js';
import { slugid } from 'taskcluster-client';
import { createCaches, createFeatures, createRuntime, startFeatureServices, type FeatureServices } from '../src/bin/compose.js';
import { createMemoryLog } from '../src/log/worker-log.js';
import { QueueClient } from '../src/queue/queue-client.js';
import type { TaskStatus } from '../src/queue/types.js';
import { Worker } from '../src/worker.js';

const run = promisify(execFile);

export const TEST_IMAGE = 'dw-test/busybox:latest';

/** The built `worker` bin, run as a deployment runs it. */
export const WORKER_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/bin/worker.js');

/** A spawned `worker` process and what it printed. */
export interface Daemon {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export class Harness {
  queue!: LocalQueue;
  client!: QueueClient;
  dir!: string;
  /** Unique per harness, so label filters only see this test's containers. */
  readonly workerGroup = `tg-${slugid().slice(0, 10).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  readonly workerType = 'wt-' + slugid().slice(0, 8).toLowerCase().replace(/[^a-z0-9]/g, 'x');
  workers: Worker[] = [];
  workerLogs: Array<ReturnType<typeof createMemoryLog>> = [];
  /** Each worker's feature services (its live log server), stopped after the workers. */
  services: FeatureServices[] = [];
  /** Every request the embedded queue answered, in order. */
  requests: RequestEvent[] = [];

  /** `host`: the queue's listen address (127.0.0.1 by default; a bridge address lets containers reach it too). */
  async start(options: { claimTimeout?: number; amqpUrl?: string; longPollSeconds?: number; roles?: Record<string, string[]>; host?: string } = {}): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'dw-core-test-'));
    this.queue = new LocalQueue({
      host: options.host,
      claimTimeout: options.claimTimeout ?? 1200,
      longPollSeconds: options.longPollSeconds ?? 1,
      storageDir: join(this.dir, 'queue'),
      amqpUrl: options.amqpUrl,
      roles: options.roles,
    });
    this.queue.events.on('request', (event: RequestEvent) => this.requests.push(event));
    await this.queue.start();
    this.client = new QueueClient({ rootUrl: this.queue.rootUrl, credentials: this.queue.credentials });
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop({ finishTasks: false })));
    await Promise.all(this.services.map((s) => s.stop()));
    await this.queue?.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  config(overrides: Record<string, unknown> = {}): WorkerConfig {
    const result = validateConfig({
      provisionerId: 'test-prov',
      workerType: this.workerType,
      workerGroup: this.workerGroup,
      workerId: `w${this.workers.length}`,
      workDir: join(this.dir, `work${this.workers.length}`),
      cache: { volumeCachePath: join(this.dir, 'caches') },
      taskQueue: { pollInterval: 200 },
      ...overrides,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return result.value;
  }

  /** The environment of a `worker start` child process serving this harness's queue, as a deployed worker would. */
  daemonEnv(): Record<string, string> {
    return {
      TASKCLUSTER_ROOT_URL: this.queue.rootUrl,
      TASKCLUSTER_CLIENT_ID: this.queue.credentials.clientId,
      TASKCLUSTER_ACCESS_TOKEN: this.queue.credentials.accessToken,
      DW_PROVISIONER_ID: 'test-prov',
      DW_WORKER_TYPE: this.workerType,
      DW_WORKER_GROUP: this.workerGroup,
      DW_TASK_QUEUE__POLL_INTERVAL: '200',
    };
  }

  /** `worker start` as its own process, serving this harness's queue like a deployed worker. */
  daemon(args: string[], workerId: string, env: Record<string, string> = {}): Daemon {
    const child = spawn(process.execPath, [WORKER_BIN, 'start', ...args], {
      env: { ...process.env, ...this.daemonEnv(), DW_WORKER_ID: workerId, DW_WORK_DIR: join(this.dir, workerId), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    return { child, stdout: () => out, stderr: () => err, exited };
  }

  async startWorker(
    overrides: Record<string, unknown> = {},
    options: { maxTasks?: number; runtime?: Runtime; caches?: CacheManager; features?: (wired: BoundFeature[]) => BoundFeature[]; metrics?: Metrics } = {},
  ): Promise<{ worker: Worker; log: ReturnType<typeof createMemoryLog>; services: FeatureServices }> {
    const log = createMemoryLog();
    const config = this.config(overrides);
    const services = await startFeatureServices(config);
    this.services.push(services);
    // The worker gets a worker's client, not root: a call a deployment would refuse fails here.
    const { provisionerId, workerType, workerGroup, workerId } = config;
    const credentials = this.queue.createWorkerClient({ provisionerId, workerType, workerGroup, workerId });
    const worker = new Worker({
      config,
      queue: new QueueClient({ rootUrl: this.queue.rootUrl, credentials }),
      runtime: options.runtime ?? createRuntime(config),
      features: (options.features ?? ((wired) => wired))(createFeatures(services)),
      caches: options.caches ?? createCaches(config),
      log,
      maxTasks: options.maxTasks,
      metrics: options.metrics,
    });
    this.workers.push(worker);
    this.workerLogs.push(log);
    await worker.start();
    return { worker, log, services };
  }

  async createTask(payload: Record<string, unknown>, extra: Partial<TaskDefinition> = {}): Promise<string> {
    const taskId = slugid();
    const now = Date.now();
    await this.client.createTask(taskId, {
      provisionerId: 'test-prov',
      workerType: this.workerType,
      schedulerId: '-',
      taskGroupId: taskId,
      dependencies: [],
      requires: 'all-completed',
      routes: [],
      priority: 'lowest',
      retries: 0,
      created: new Date(now).toISOString(),
      deadline: new Date(now + 3600_000).toISOString(),
      expires: new Date(now + 24 * 3600_000).toISOString(),
      scopes: [],
      payload,
      metadata: { name: 'test', description: 'test', owner: 'test@example.com', source: 'https://example.com/test' },
      tags: {},
      extra: {},
      ...extra,
    });
    return taskId;
  }

  async waitResolved(taskId: string, timeoutMs = 60_000): Promise<TaskStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.client.status(taskId);
      if (['completed', 'failed', 'exception'].includes(status.state)) return status;
      if (Date.now() > deadline) throw new Error(`task ${taskId} still ${status.state} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The backing log's text, as a Taskcluster client would read it. */
  async backingLog(taskId: string, runId = 0, name = 'public/logs/live_backing.log'): Promise<string> {
    const response = await fetch(this.client.artifactUrl(taskId, runId, name));
    if (!response.ok) throw new Error(`GET ${name}: HTTP ${response.status}`);
    // fetch decodes Content-Encoding: gzip itself; anything else is what a reader gets.
    return Buffer.from(await response.arrayBuffer()).toString('utf8');
  }

  /** Resolves once the task's latest run is running (claimed by a worker). */
  async waitRunning(taskId: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.client.status(taskId)).state !== 'running') {
      if (Date.now() > deadline) throw new Error(`task ${taskId} not running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves once `predicate` holds, polling every 100 ms. */
  async until(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<number> {
    const start = Date.now();
    while (!(await predicate())) {
      if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - start;
  }

  /** Containers (running or not) this harness's workers made. */
  async containers(): Promise<string[]> {
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=org.taskcluster.docker-worker.worker-group=${this.workerGroup}`]);
    return stdout.split('\n').filter(Boolean);
  }
}

export type { RunOutcome };
