import { setTimeout as delay } from 'node:timers/promises';
import { artifactsFeature } from '@docker-worker/feature-artifacts';
import { LiveLogServer, createLiveLogFeature, type LiveLogSettings } from '@docker-worker/feature-livelog';
import type { Credentials, RunOutcome, WorkerIdentity } from '@docker-worker/worker-contract';
import tc, { type Client } from 'taskcluster-client';
import type { Claim } from './held-claim.js';
import { hostFeature, type HostedFeature } from './hosted-feature.js';
import { runTask } from './task-run.js';

export interface ProcessWorkerOptions {
  rootUrl: string;
  /** The worker's own client: it needs `queue:claim-work:<provisionerId>/<workerType>` and `queue:worker-id:...`. */
  credentials: Credentials;
  provisionerId: string;
  workerType: string;
  workerGroup: string;
  workerId: string;
  /** The name other machines reach this one by, in live log URLs; `127.0.0.1` by default. */
  host?: string;
  /** The live log server's settings (`host`, `port`, `publicHostname`, `tls`); see feature-livelog. */
  liveLog?: LiveLogSettings;
  log?: (line: string) => void;
}

/** Pause after a claimWork call that failed, so an unreachable queue is not hammered. */
const CLAIM_RETRY_MS = 2_000;

/**
 * The worker: claims one task at a time for its worker type and runs it as a host process,
 * with the live log and artifacts features from the @docker-worker packages.
 */
export class ProcessWorker {
  readonly identity: WorkerIdentity;
  readonly liveLogServer = new LiveLogServer();
  #options: ProcessWorkerOptions;
  #features: HostedFeature[];
  #queue: Client;
  #log: (line: string) => void;

  private constructor(options: ProcessWorkerOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => console.error(`[process-worker] ${line}`));
    const { rootUrl, provisionerId, workerType, workerGroup, workerId } = options;
    this.identity = { rootUrl, provisionerId, workerType, workerGroup, workerId, workerNodeType: 'host-process', host: options.host ?? '127.0.0.1' };
    this.#queue = new tc.Queue({ rootUrl, credentials: options.credentials });
    this.#features = [
      // Every task gets a live log, even one whose payload is invalid: the log says why.
      hostFeature(createLiveLogFeature({ server: this.liveLogServer }), { options: () => ({}), config: { ...options.liveLog } }),
      hostFeature(artifactsFeature, { options: (payload) => payload && { artifacts: payload.artifacts ?? {} } }),
    ];
  }

  /**
   * A worker ready to claim: every feature's host check has passed (the live log server
   * listens from here on; with the default settings on 127.0.0.1, on a free port).
   */
  static async start(options: ProcessWorkerOptions): Promise<ProcessWorker> {
    const worker = new ProcessWorker(options);
    for (const feature of worker.#features) {
      const reason = await feature.checkHost(worker.identity);
      if (reason) {
        await worker.stop();
        throw new Error(`feature ${feature.name} cannot run on this host: ${reason}`);
      }
    }
    return worker;
  }

  /** Claims and runs tasks until `signal` aborts (after the task at hand) or `maxTasks` ran. */
  async run(options: { signal?: AbortSignal; maxTasks?: number } = {}): Promise<RunOutcome[]> {
    const { signal, maxTasks = Infinity } = options;
    const { provisionerId, workerType, workerGroup, workerId } = this.#options;
    const outcomes: RunOutcome[] = [];
    while (!signal?.aborted && outcomes.length < maxTasks) {
      let claims: Claim[];
      try {
        // A long poll: the queue answers once there is a task, or after a while with none.
        const reply = (await this.#queue.claimWork(`${provisionerId}/${workerType}`, { workerGroup, workerId, tasks: 1 })) as { tasks: Claim[] };
        claims = reply.tasks;
      } catch (err) {
        this.#log(`claimWork failed: ${(err as Error).message}`);
        await delay(CLAIM_RETRY_MS, undefined, { signal }).catch(() => {});
        continue;
      }
      for (const claim of claims) {
        this.#log(`claimed task ${claim.status.taskId}/${claim.runId}`);
        outcomes.push(await runTask({ rootUrl: this.#options.rootUrl, claim, worker: this.identity, features: this.#features, log: this.#log }));
      }
    }
    return outcomes;
  }

  async stop(): Promise<void> {
    await this.liveLogServer.stop();
  }
}
