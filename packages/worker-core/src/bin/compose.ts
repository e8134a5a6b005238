/**
 * The composition root: the only place that knows which runtime, features and queue the
 * worker uses. Library code receives them; nothing is discovered or global.
 */
import { DockerRuntime, HostCacheManager, allowPtraceFeature } from '@docker-worker/docker-runtime';
import { LiveLogServer, bulkLogFeature, createLiveLogFeature } from '@docker-worker/feature-livelog';
import { artifactsFeature, chainOfTrustFeature } from '@docker-worker/feature-artifacts';
import { createDevicesFeature, type DevicesOptions } from '@docker-worker/feature-devices';
import { taskclusterProxyFeature } from '@docker-worker/feature-taskcluster-proxy';
import { InteractiveServer, createInteractiveFeature } from '@docker-worker/feature-interactive';
import { LocalQueue, type PulseMessage } from '@docker-worker/local-queue';
import type { WorkerConfig } from '@docker-worker/schema';
import type { CacheManager, Runtime } from '@docker-worker/worker-contract';
import { join } from 'node:path';
import { canceledRunOf, TASK_EXCEPTION_EXCHANGE, type CancelFeed } from '../lifecycle/canceled-run.js';
import { bindFeature, type BoundFeature } from '../run/feature-binding.js';

/**
 * Every feature this worker offers, in hook order (killed hooks run in reverse; the chain of
 * trust, a seal feature, runs after them all), each bound to docker-worker's payload: the
 * `payload.features` switch and default, and which payload fields become its options.
 */
export function createFeatures(services: FeatureServices): BoundFeature[] {
  return [
    bindFeature(createLiveLogFeature({ server: services.liveLog }), { defaultEnabled: true, options: (payload) => (payload.log === undefined ? {} : { name: payload.log }) }),
    bindFeature(bulkLogFeature, { defaultEnabled: false }),
    bindFeature(allowPtraceFeature, { defaultEnabled: false }),
    // On for every task: it gives only what `capabilities.devices` asks for, and holds which
    // devices are taken across tasks (so one instance per worker).
    bindFeature(createDevicesFeature(), {
      defaultEnabled: true,
      options: (payload): DevicesOptions => payload.capabilities?.devices ?? {},
      requestedBy: {
        field: 'payload.capabilities.devices',
        asked: (payload) => Object.entries(payload.capabilities?.devices ?? {}).filter(([, wanted]) => wanted === true).map(([kind]) => kind),
      },
    }),
    bindFeature(taskclusterProxyFeature, { defaultEnabled: false }),
    // Runs the container under its init, so sessions outlive the command; nothing lives past maxRunTime.
    bindFeature(createInteractiveFeature({ server: services.interactive }), { defaultEnabled: false, options: (payload) => ({ maxRunTime: payload.maxRunTime }) }),
    bindFeature(artifactsFeature, {
      defaultEnabled: true,
      options: (payload) => ({
        artifacts: payload.artifacts ?? {},
        // A volume artifact cannot go where a cache is mounted.
        mounts: Object.fromEntries(Object.entries(payload.cache ?? {}).map(([name, path]) => [path, `payload.cache["${name}"]`])),
      }),
    }),
    bindFeature(chainOfTrustFeature, { defaultEnabled: false }),
  ];
}

/** What features share across tasks: stopped at exit. */
export interface FeatureServices {
  /**
   * Serves every running task's log. The `localLiveLog` feature starts it from its checked
   * config section when the worker starts (in its checkHost), unless the config switches it off.
   */
  liveLog: LiveLogServer;
  /** Serves interactive shells; the `interactive` feature starts it (its checkHost) when the worker starts. */
  interactive: InteractiveServer;
  stop(): Promise<void>;
}

/** The features' shared services, for `createFeatures`; nothing listens before the worker starts. */
export async function startFeatureServices(_config: WorkerConfig): Promise<FeatureServices> {
  const liveLog = new LiveLogServer();
  const interactive = new InteractiveServer();
  return { liveLog, interactive, stop: async () => void (await Promise.all([liveLog.stop(), interactive.stop()])) };
}

export function createRuntime(config: WorkerConfig): Runtime {
  return new DockerRuntime({
    registries: config.registries,
    defaultRegistry: config.dockerConfig.defaultRegistry,
    // Which images this worker pulled, so garbage collection after a restart knows them.
    imageStateFile: join(config.workDir, 'images.json'),
  });
}

/** Named caches as host directories under `cache.volumeCachePath`, kept across restarts. */
export function createCaches(config: WorkerConfig): CacheManager {
  return new HostCacheManager(config.cache.volumeCachePath);
}

export interface EmbeddedQueue {
  rootUrl: string;
  /** The root client (`*`): for creating tasks (`worker submit`, `worker run`), never for the worker. */
  credentials: { clientId: string; accessToken: string };
  /** The worker's own client: exactly the scopes a deployment gives a worker client. */
  workerCredentials: { clientId: string; accessToken: string };
  /** The web view's page (`<rootUrl>/`), when it was asked for. */
  webViewUrl: string | undefined;
  /** Its cancellations as they happen, for the worker it serves (no broker in between). */
  cancellations: CancelFeed;
  stop(): Promise<void>;
}

/** The embedded queue's task-exception messages that cancel a run, as a CancelFeed. */
function cancelFeedOf(queue: LocalQueue): CancelFeed {
  return (onCanceled) => {
    const listener = (message: PulseMessage) => {
      if (message.exchange !== TASK_EXCEPTION_EXCHANGE) return;
      const canceled = canceledRunOf(message.payload);
      // After the queue has answered the cancelTask call: stopping the container is the worker's business.
      if (canceled) setImmediate(() => onCanceled(canceled));
    };
    queue.events.on('message', listener);
    return () => void queue.events.off('message', listener);
  };
}

/**
 * The embedded Taskcluster queue that serves when no `rootUrl` is configured; `webView` also
 * serves the page of its tasks at its root URL (`worker start`; never for a deployment).
 */
export async function startEmbeddedQueue(config: WorkerConfig, options: { port?: number; webView?: boolean } = {}): Promise<EmbeddedQueue> {
  const queue = new LocalQueue({
    host: config.embeddedQueue.host,
    port: options.port ?? config.embeddedQueue.port,
    claimTimeout: config.embeddedQueue.claimTimeout,
    // Empty: a temporary directory the queue removes when it stops (nothing left behind).
    storageDir: config.embeddedQueue.storageDir || undefined,
    roles: config.embeddedQueue.roles,
    webView: options.webView ?? false,
  });
  await queue.start();
  // So a call the worker could not make against a deployment fails here too.
  const workerCredentials = queue.createWorkerClient({
    provisionerId: config.provisionerId,
    workerType: config.workerType,
    workerGroup: config.workerGroup,
    workerId: config.workerId,
  });
  return {
    rootUrl: queue.rootUrl,
    credentials: queue.credentials,
    workerCredentials,
    webViewUrl: queue.webViewUrl,
    cancellations: cancelFeedOf(queue),
    stop: () => queue.stop(),
  };
}
