/**
 * The composition root: the only place that knows which runtime, features and queue the
 * worker uses. Library code receives them; nothing is discovered or global.
 */
import { DockerRuntime, allowPtraceFeature } from '@docker-worker/docker-runtime';
import { liveLogFeature } from '@docker-worker/feature-livelog';
import { LocalQueue } from '@docker-worker/local-queue';
import type { WorkerConfig } from '@docker-worker/schema';
import type { Feature, Runtime } from '@docker-worker/worker-contract';

/** Every feature this worker offers, in hook order (killed hooks run in reverse). */
export function createFeatures(): Feature[] {
  return [liveLogFeature, allowPtraceFeature];
}

export function createRuntime(config: WorkerConfig): Runtime {
  return new DockerRuntime({ registries: config.registries, defaultRegistry: config.dockerConfig.defaultRegistry });
}

export interface EmbeddedQueue {
  rootUrl: string;
  credentials: { clientId: string; accessToken: string };
  stop(): Promise<void>;
}

/** The embedded Taskcluster queue that serves when no `rootUrl` is configured. */
export async function startEmbeddedQueue(config: WorkerConfig, options: { port?: number } = {}): Promise<EmbeddedQueue> {
  const queue = new LocalQueue({
    host: config.embeddedQueue.host,
    port: options.port ?? config.embeddedQueue.port,
    claimTimeout: config.embeddedQueue.claimTimeout,
    // Empty: a temporary directory the queue removes when it stops (nothing left behind).
    storageDir: config.embeddedQueue.storageDir || undefined,
  });
  await queue.start();
  return { rootUrl: queue.rootUrl, credentials: queue.credentials, stop: () => queue.stop() };
}
