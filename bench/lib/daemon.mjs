/**
 * The worker as deployed: `worker start` (the daemon) serving a queue in another process, as a
 * real deployment's queue is. The queue is the embedded queue (packages/local-queue) started in
 * the benchmark's own process; tasks are created over HTTP with taskcluster-client, and their
 * resolutions are seen at once through the queue's own 'message' events (no status polling).
 *
 * The daemon runs with the worker's default poll and claim settings: claimWork long-polls
 * (20 s, the queue's default), `taskQueue.pollInterval` stays 5000 ms. Only identity, work
 * directories and `capacity` are set.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError, bin, IMAGE, nodeArgs, repo, sleep } from './common.mjs';

const { LocalQueue } = await import(join(repo, 'packages/local-queue/dist/index.js'));
const { QueueClient } = await import(join(repo, 'packages/worker-core/dist/index.js'));
const tc = (await import(join(repo, 'packages/worker-core/node_modules/taskcluster-client/src/index.js'))).default;

export const slugid = () => tc.slugid();

/** A queue in this process and one `worker start` child serving it. */
export class Daemon {
  /**
   * @param {{name: string, capacity?: number, env?: Record<string, string>, workerBin?: string, nodeFlags?: string[]}} options
   * `env`: more worker settings (`DW_...`); `workerBin` and `nodeFlags`: another build's
   * `worker.js`, or Node flags of its own, to compare two daemons side by side.
   */
  constructor({ name, capacity = 1, env = {}, workerBin = bin, nodeFlags = nodeArgs }) {
    this.name = name;
    this.workerBin = workerBin;
    this.nodeFlags = nodeFlags;
    this.capacity = capacity;
    this.extraEnv = env;
    // A task queue of its own, so nothing else on the machine claims these tasks.
    this.workerType = `${name}-${randomBytes(3).toString('hex')}`;
    this.resolved = new Map();
    this.waiting = new Map();
    this.stderr = '';
  }

  async start() {
    this.dir = await mkdtemp(join(tmpdir(), `bench-${this.name}-`));
    this.queue = new LocalQueue({ storageDir: join(this.dir, 'queue') });
    await this.queue.start();
    this.client = new QueueClient({ rootUrl: this.queue.rootUrl, credentials: this.queue.credentials });
    this.queue.events.on('message', (m) => {
      if (!/task-(completed|failed|exception)$/.test(m.exchange)) return;
      const { taskId, state } = m.payload.status;
      this.resolved.set(taskId, state);
      this.waiting.get(taskId)?.(state);
    });
    const env = {
      TASKCLUSTER_ROOT_URL: this.queue.rootUrl,
      TASKCLUSTER_CLIENT_ID: this.queue.credentials.clientId,
      TASKCLUSTER_ACCESS_TOKEN: this.queue.credentials.accessToken,
      DW_PROVISIONER_ID: 'bench',
      DW_WORKER_TYPE: this.workerType,
      DW_WORKER_GROUP: 'bench',
      DW_WORKER_ID: this.workerType,
      DW_CAPACITY: String(this.capacity),
      DW_WORK_DIR: join(this.dir, 'work'),
      DW_CACHE__VOLUME_CACHE_PATH: join(this.dir, 'caches'),
      DW_LOGGING__FORMAT: 'json',
      ...this.extraEnv,
    };
    // As a deployment starts it (`node .../worker.js start`), no extra Node flags unless profiling.
    // Its stdout is dropped unless BENCH_DAEMON_STDOUT is set: V8's --trace-gc writes there.
    const stdout = process.env.BENCH_DAEMON_STDOUT ? 'inherit' : 'ignore';
    this.child = spawn(process.execPath, [...this.nodeFlags, this.workerBin, 'start'], { stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, ...env } });
    this.pid = this.child.pid;
    this.exited = new Promise((r) => this.child.once('exit', r));
    const started = new Promise((ok, fail) => {
      this.child.stderr.on('data', (c) => {
        this.stderr = (this.stderr + c).slice(-20000);
        if (/"type":"start"/.test(this.stderr)) ok();
      });
      void this.exited.then((code) => fail(new BenchError(`worker start exited ${code}\n${this.stderr}`)));
    });
    await started;
    await this.parked();
  }

  /**
   * Resolves once the daemon's claimWork long poll is waiting in the queue, so a task created
   * now meets an idle worker. Reads the queue's private waiter count (the only way to see an
   * unanswered request); falls back to a pause if that ever changes.
   */
  async parked(timeoutMs = 10_000) {
    const waiters = this.queue.waiters;
    if (!waiters || typeof waiters.size !== 'number') return sleep(500);
    const until = Date.now() + timeoutMs;
    while (waiters.size === 0) {
      if (Date.now() > until) throw new BenchError(`worker ${this.name} never long-polled claimWork\n${this.stderr}`);
      await sleep(5);
    }
  }

  /** createTask of a docker-worker payload on this daemon's task queue (or `workerType`'s), with `scopes`; returns the taskId. */
  async create(payload, taskId = slugid(), workerType = this.workerType, scopes = []) {
    const at = Date.now();
    await this.client.createTask(taskId, {
      provisionerId: 'bench',
      workerType,
      schedulerId: '-',
      taskGroupId: taskId,
      dependencies: [],
      requires: 'all-completed',
      routes: [],
      priority: 'lowest',
      retries: 0,
      created: new Date(at).toISOString(),
      deadline: new Date(at + 3600_000).toISOString(),
      expires: new Date(at + 86400_000).toISOString(),
      scopes,
      payload: { image: IMAGE, maxRunTime: 600, ...payload },
      metadata: { name: `bench ${this.name}`, description: 'benchmark', owner: 'bench@example.com', source: 'https://example.com/bench' },
      tags: {},
      extra: {},
    });
    return taskId;
  }

  /**
   * Once the daemon is idle, creates `count` tasks of `payload` at once and waits for them all;
   * returns their last runs and the span from the first claim to the last resolution (the
   * queue's own `started` and `resolved` times).
   */
  async batch(payload, count) {
    await this.parked();
    const ids = [];
    for (let i = 0; i < count; i++) ids.push(await this.create(payload));
    const runs = await Promise.all(ids.map((id) => this.resolution(id)));
    const first = Math.min(...runs.map((r) => Date.parse(r.started)));
    const last = Math.max(...runs.map((r) => Date.parse(r.resolved)));
    return { runs, spanMs: last - first };
  }

  /** Resolves when the task is resolved; throws unless it completed. */
  async resolution(taskId) {
    const state = this.resolved.get(taskId) ?? (await new Promise((r) => this.waiting.set(taskId, r)));
    this.waiting.delete(taskId);
    if (state !== 'completed') throw new BenchError(`task ${taskId} ${state}\n${this.stderr.slice(-3000)}`);
    return this.queue.taskState(taskId).runs.at(-1);
  }

  /**
   * Stops the daemon once its tasks are resolved. SIGTERM, not SIGINT: on SIGINT the worker
   * finishes a claimWork long poll under way (up to 20 s of every benchmark's run, for nothing);
   * on SIGTERM it abandons the poll, which costs nothing when no task is running.
   */
  async stop() {
    this.child.kill('SIGTERM');
    await this.exited;
    await this.queue.stop().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Container start times from the engine's event stream (`docker events`), for start latency:
 * the same clock for the worker's containers and the baseline's. `started(match)` resolves
 * with the event's time (ms since the epoch) of the first start whose actor attributes
 * (name and labels) satisfy `match`.
 */
export class StartEvents {
  async start() {
    this.watchers = new Set();
    this.child = spawn('docker', ['events', '--filter', 'type=container', '--filter', 'event=start', '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    this.child.stdout.on('data', (c) => {
      buffer += c;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const event = JSON.parse(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        for (const w of [...this.watchers]) if (w.match(event.Actor.Attributes)) w.done(event.timeNano / 1e6);
      }
    });
    // `docker events` prints nothing until something happens; give it a moment to subscribe.
    await sleep(500);
  }

  started(match) {
    let watcher;
    const promise = new Promise((done) => {
      watcher = { match, done: (t) => (this.watchers.delete(watcher), done(t)) };
      this.watchers.add(watcher);
    });
    return promise;
  }

  stop() {
    this.child.kill();
  }
}
