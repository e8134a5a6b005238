/**
 * The one place that builds test features and TaskRun options for the pipeline's unit tests
 * (task-run*.test.ts): when the Feature contract or TaskRunOptions change, only this file
 * follows. Everything runs in memory (FakeRuntime, FakeQueue) but the task log and the claim
 * store, which are files in a temporary directory.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { validateConfig } from '@docker-worker/schema';
import type { CacheInstance, CacheManager, Container, FeaturePhase, Metrics, RunOutcome, RunResult, TaskContext, TaskFeature, WorkerIdentity } from '@docker-worker/worker-contract';
import { testTaskDefinition, type FakeContainer, type FakeScript } from '@docker-worker/worker-contract/testing';
import { createMemoryLog } from '../../log/worker-log.js';
import type { TaskClaim } from '../../queue/types.js';
import { ClaimStore } from '../../state/claim-store.js';
import { bindFeature, type BoundFeature } from '../feature-binding.js';
import { TaskRun, type RunReport } from '../task-run.js';
import { FakeQueue } from './fake-queue.js';
import type { Gate } from './gate.js';
import { GatedRuntime } from './gated-runtime.js';

export const IMAGE = 'test/task-image:latest';

export type Hook = 'link' | 'created' | 'started' | 'stopped' | 'killed';

export interface TestFeatureSpec {
  name: string;
  /** On unless the payload says otherwise; true when omitted. */
  defaultEnabled?: boolean;
  /** Scopes a task using the feature must have. */
  requiredScopes?: string[];
  /** `seal`: after every other feature (see FeaturePhase). */
  phase?: FeaturePhase;
  /** Hooks that throw, and what. */
  throws?: Partial<Record<Hook, unknown>>;
  /** Hooks that wait at a gate (ignoring cancels, the worst a feature may do) before going on. */
  holds?: Partial<Record<Hook, Gate>>;
  /**
   * Behaves like the log and artifact features: publishes `<name>/result` in `stopped` and
   * `<name>/log` in `killed`, unless the run was canceled (which forbids uploads).
   */
  uploads?: boolean;
  /** Shared between features: every hook call appended as `<name>.<hook>`, to see the order across features. */
  journal?: string[];
  /** Called with the run's context when the feature is started for it (before its first hook). */
  context?: (ctx: TaskContext) => void;
}

/** A feature made for a test, and what its hooks saw. */
export interface TestFeature {
  readonly name: string;
  readonly feature: BoundFeature;
  /** Hook names, in the order they were called. */
  readonly calls: Hook[];
  /** What `stopped` was told. */
  readonly stoppedWith: RunResult[];
  /** What `killed` was told. */
  readonly killedWith: RunOutcome[];
  /** The task log's text, as `killed` found it (closed, complete). */
  logText: string | undefined;
}

export function testFeature(spec: TestFeatureSpec): TestFeature {
  const recorded: TestFeature = {
    name: spec.name,
    calls: [],
    stoppedWith: [],
    killedWith: [],
    logText: undefined,
    feature: bindFeature(
      {
        name: spec.name,
        phase: spec.phase,
        requiredScopes: () => spec.requiredScopes ?? [],
        forTask: (ctx) => forTask(spec, recorded, ctx),
      },
      { defaultEnabled: spec.defaultEnabled ?? true },
    ),
  };
  return recorded;
}

function forTask(spec: TestFeatureSpec, recorded: TestFeature, ctx: TaskContext): TaskFeature {
  spec.context?.(ctx);
  const enter = async (hook: Hook) => {
    recorded.calls.push(hook);
    spec.journal?.push(`${spec.name}.${hook}`);
    await spec.holds?.[hook]?.wait();
    if (spec.throws && hook in spec.throws) throw spec.throws[hook];
  };
  return {
    link: async () => {
      await enter('link');
    },
    created: async (_container: Container) => {
      await enter('created');
    },
    started: async () => {
      await enter('started');
    },
    stopped: async (result) => {
      recorded.stoppedWith.push(result);
      await enter('stopped');
      if (spec.uploads) await ctx.artifacts.reference(`${spec.name}/result`, 'https://example.com/result', 'text/plain');
    },
    killed: async (outcome) => {
      recorded.killedWith.push(outcome);
      recorded.logText = (await buffer(ctx.log.createReader())).toString('utf8');
      await enter('killed');
      if (spec.uploads && outcome.state !== 'canceled') await ctx.artifacts.reference(`${spec.name}/log`, 'https://example.com/log', 'text/plain');
    },
  };
}

/** Named caches in memory (their directories under the run's temporary directory), every call recorded. */
export class FakeCaches implements CacheManager {
  readonly acquired: CacheInstance[] = [];
  readonly released: Array<{ instance: CacheInstance; purge: boolean }> = [];
  constructor(private readonly dir: string) {}

  async acquire(name: string): Promise<CacheInstance> {
    const instance = { name, id: `${name}-${this.acquired.length}`, hostPath: join(this.dir, name), hit: false };
    await mkdir(instance.hostPath, { recursive: true });
    this.acquired.push(instance);
    return instance;
  }

  async release(instance: CacheInstance, options: { purge?: boolean } = {}): Promise<void> {
    this.released.push({ instance, purge: options.purge ?? false });
  }

  async purge(): Promise<void> {}

  /** Instances acquired and not given back. */
  held(): CacheInstance[] {
    return this.acquired.filter((instance) => !this.released.some((r) => r.instance === instance));
  }
}

export interface RunWithOptions {
  features?: TestFeature[];
  /** Merged over a valid payload (IMAGE, `sh -c 'echo hello'`, maxRunTime 60, one cache). */
  payload?: Record<string, unknown>;
  queue?: FakeQueue;
  /** What containers of IMAGE do; the fake shell when omitted. */
  script?: FakeScript;
  /** When the claim runs out; a minute from now when omitted (no reclaim during a test). */
  takenUntilMs?: number;
  /** Holds the image fetch open (see GatedRuntime). */
  imageGate?: Gate;
  /** Holds container creation open (see GatedRuntime). */
  createGate?: Gate;
  /** Where the run records its measurements. */
  metrics?: Metrics;
}

/** A started run and everything it was given, for the test to drive and inspect. */
export interface StartedRun {
  run: TaskRun;
  /** Settles when the run has ended (run() never throws). */
  report: Promise<RunReport>;
  runtime: GatedRuntime;
  queue: FakeQueue;
  caches: FakeCaches;
  claims: ClaimStore;
  log: ReturnType<typeof createMemoryLog>;
  taskId: string;
  /** The run's container, once created. */
  container(): FakeContainer | undefined;
  /** Whether the claim store still holds the claim (it does when the queue did not record the run). */
  claimStored(): Promise<boolean>;
}

const WORKER: WorkerIdentity = {
  rootUrl: 'http://queue.invalid',
  provisionerId: 'test-prov',
  workerType: 'test-type',
  workerGroup: 'test-group',
  workerId: 'test-worker',
  workerNodeType: 'test-node',
  host: 'localhost',
};

const directories: string[] = [];

/** Start one TaskRun on a fresh FakeRuntime (IMAGE registered), FakeQueue and FakeCaches. */
export async function runWith(options: RunWithOptions = {}): Promise<StartedRun> {
  const dir = await mkdtemp(join(tmpdir(), 'dw-task-run-'));
  directories.push(dir);
  const runtime = new GatedRuntime();
  runtime.addImage(IMAGE, options.script);
  runtime.imageGate = options.imageGate;
  runtime.createGate = options.createGate;
  const queue = options.queue ?? new FakeQueue();
  const caches = new FakeCaches(join(dir, 'caches'));
  const claims = new ClaimStore(join(dir, 'work'));
  const log = createMemoryLog();
  const config = validateConfig({ ...WORKER, workDir: join(dir, 'work'), cache: { volumeCachePath: join(dir, 'caches') } });
  if (!config.ok) throw new Error(JSON.stringify(config.problems));
  const taskId = 'dGVzdC10YXNrLWlkLTAwMA';
  const task = testTaskDefinition({
    scopes: ['docker-worker:cache:test-cache'],
    payload: { image: IMAGE, command: ['sh', '-c', 'echo hello'], maxRunTime: 60, cache: { 'test-cache': '/cache' }, ...options.payload },
  });
  const claim: TaskClaim = {
    status: { taskId, state: 'running', retriesLeft: 0, deadline: task.deadline, expires: task.expires, runs: [] },
    runId: 0,
    workerGroup: WORKER.workerGroup,
    workerId: WORKER.workerId,
    takenUntil: new Date(Date.now() + (options.takenUntilMs ?? 60_000)).toJSON(),
    task,
    credentials: { clientId: 'claim', accessToken: 'claim' },
  };
  const run = new TaskRun({
    claim,
    queue: queue.client(),
    runtime,
    features: (options.features ?? []).map((f) => f.feature),
    config: config.value,
    worker: WORKER,
    log,
    processId: 'test-process',
    claims,
    caches,
    metrics: options.metrics,
  });
  return {
    run,
    report: run.run(),
    runtime,
    queue,
    caches,
    claims,
    log,
    taskId,
    container: () => runtime.onlyContainer(),
    claimStored: async () => (await readFile(join(claims.dir, `${taskId}-0.json`)).catch(() => undefined)) !== undefined,
  };
}

/** Remove every run's temporary directory (for afterEach). */
export async function removeRunDirectories(): Promise<void> {
  await Promise.all(directories.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
