import { loadConfig } from '../../config/load-config.js';
import { ConfigError } from '../../config/config-error.js';
import { createWorkerLog } from '../../log/worker-log.js';
import { QueueClient } from '../../queue/queue-client.js';
import { Worker } from '../../worker.js';
import { createFeatures, createRuntime, startEmbeddedQueue, type EmbeddedQueue } from '../compose.js';
import { SetupError, identityFlags, type IdentityFlags } from './common.js';
import { removeConnection, writeConnection } from './connection-file.js';

export interface StartCommandOptions extends IdentityFlags {
  config?: string;
  profile?: string;
}

/**
 * `worker start`: the daemon. Serves the configured deployment, or the embedded queue when
 * there is no `rootUrl`. SIGINT stops claiming and lets running tasks finish; SIGTERM aborts
 * them as worker-shutdown (logs uploaded); a second signal exits at once.
 */
export async function startCommand(options: StartCommandOptions): Promise<number> {
  const config = await loadConfig({ file: options.config, profile: options.profile, overrides: identityFlags(options) });
  const log = createWorkerLog(config.logging);
  const runtime = createRuntime();
  try {
    await runtime.ping();
  } catch (err) {
    throw new SetupError((err as Error).message);
  }

  let embedded: EmbeddedQueue | undefined;
  let queue: QueueClient;
  if (config.rootUrl) {
    if (!config.taskcluster) throw new ConfigError('rootUrl is set, so taskcluster.clientId and taskcluster.accessToken are needed (or TASKCLUSTER_CLIENT_ID / TASKCLUSTER_ACCESS_TOKEN)');
    queue = new QueueClient({ rootUrl: config.rootUrl, credentials: config.taskcluster });
  } else {
    embedded = await startEmbeddedQueue(config);
    queue = new QueueClient({ rootUrl: embedded.rootUrl, credentials: embedded.credentials });
    const path = await writeConnection(config.workDir, {
      rootUrl: embedded.rootUrl,
      ...embedded.credentials,
      provisionerId: config.provisionerId,
      workerType: config.workerType,
    });
    process.stdout.write(
      `Embedded queue: ${embedded.rootUrl}\n` +
        `  clientId:    ${embedded.credentials.clientId}\n` +
        `  accessToken: ${embedded.credentials.accessToken}\n` +
        `  task queue:  ${config.provisionerId}/${config.workerType}\n` +
        `Submit tasks with: pnpm worker submit FILE   (connection details in ${path})\n`,
    );
  }

  const worker = new Worker({ config, queue, runtime, features: createFeatures(), log });
  await worker.start();
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log.warn('second signal: exiting now', { signal });
        process.exit(130);
      }
      const finishTasks = signal === 'SIGINT';
      log.info(finishTasks ? 'stopping: running tasks may finish' : 'stopping: aborting running tasks', { signal });
      void worker.stop({ finishTasks }).then(resolve);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await stopped;
  if (embedded) {
    await removeConnection(config.workDir);
    await embedded.stop();
  }
  log.info('exit', {});
  return 0;
}
