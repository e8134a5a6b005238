import type { WorkerConfig } from '@docker-worker/schema';
import { loadConfig } from '../../config/load-config.js';
import { ConfigError } from '../../config/config-error.js';
import { prepareWorkDir } from '../../config/work-dir.js';
import { IdleTimer } from '../../lifecycle/idle-timer.js';
import { StopRequests } from '../../lifecycle/stop-requests.js';
import { WorkerRunnerProtocol } from '../../lifecycle/worker-runner-protocol.js';
import { createWorkerLog, type WorkerLog } from '../../log/worker-log.js';
import { QueueClient } from '../../queue/queue-client.js';
import { Worker, identityOf } from '../../worker.js';
import { createWorkerMetrics } from '../../metrics/worker-metrics.js';
import { createCaches, createFeatures, createRuntime, startEmbeddedQueue, startFeatureServices, type EmbeddedQueue } from '../compose.js';
import { SetupError, identityFlags, type IdentityFlags } from './common.js';
import { removeConnection, writeConnection } from './connection-file.js';
import { lockWorkDir } from '../../state/host-locks.js';

export interface StartCommandOptions extends IdentityFlags {
  config?: string;
  profile?: string;
  /** Speak worker-runner's protocol on stdin/stdout; config from DOCKER_WORKER_CONFIG. */
  workerRunner?: boolean;
}

/** How long to wait for worker-runner's welcome before running without its capabilities. */
const WELCOME_TIMEOUT_MS = 30_000;

/**
 * `worker start`: the daemon. Serves the configured deployment, or the embedded queue when
 * there is no `rootUrl`. Stops on signals (SIGINT: finish running tasks; SIGTERM: abort them as
 * worker-shutdown; a second signal exits at once; one during start-up ends the start-up), on
 * worker-runner's graceful-termination, and after `shutdown.afterIdleSeconds` without work when
 * `shutdown.enabled`.
 */
export async function startCommand(options: StartCommandOptions): Promise<number> {
  const runnerMode = options.workerRunner === true;
  const file = options.config ?? (runnerMode ? process.env.DOCKER_WORKER_CONFIG : undefined);
  if (runnerMode && !file) throw new ConfigError('--worker-runner needs the config file worker-runner writes: set DOCKER_WORKER_CONFIG or pass --config');
  const config = await loadConfig({ file, profile: options.profile, overrides: identityFlags(options) });
  await prepareWorkDir(config.workDir);
  // First of all: a second worker on this workDir must not overwrite the first one's
  // connection file, claims or run directories (it exits 3 naming the holder instead).
  const workDirLock = await lockWorkDir(config.workDir, { pid: process.pid, what: 'worker start', workerId: config.workerId });
  const log = createWorkerLog(config.logging);
  const stops = new StopRequests((signal) => {
    log.warn('second signal: exiting now', { signal });
    process.exit(130);
  });
  const runtime = createRuntime(config);
  try {
    await runtime.ping();
  } catch (err) {
    throw new SetupError((err as Error).message);
  }
  // In worker-runner mode stdout carries the protocol and nothing else.
  const protocol = runnerMode ? new WorkerRunnerProtocol(process.stdin, process.stdout) : undefined;
  const say = (text: string) => (runnerMode ? process.stderr : process.stdout).write(text);
  /** A stop asked for during start-up: what started is stopped, nothing was claimed. */
  const stoppedEarly = async (stopStarted: () => Promise<void>): Promise<number> => {
    log.info('stopped during start-up', { why: stops.pending?.why });
    await stopStarted();
    protocol?.shutdown();
    protocol?.close();
    stops.dispose();
    return 0;
  };
  if (protocol) await welcomed(protocol, log, stops.arrived());
  if (stops.pending) return stoppedEarly(() => workDirLock.release());

  // Before claiming: the live log server must be up for the first task.
  const services = await startFeatureServices(config);
  const { queue, embedded } = await connect(config, say).catch(async (err: unknown) => {
    await services.stop();
    throw err;
  });
  const features = createFeatures(services);
  // InfluxDB and Prometheus, from one set of measurements; neither configured: none kept.
  const metrics = createWorkerMetrics({ config, identity: identityOf(config, queue.rootUrl), features: features.map((bound) => bound.feature), log });
  const worker = new Worker({
    config,
    queue,
    cancellations: embedded?.cancellations,
    runtime,
    features,
    caches: createCaches(config),
    log,
    workDirLock,
    lockHolder: 'worker start',
    metrics: metrics.registry,
  });
  // A worker that cannot start (a feature refusing this host, the engine gone) leaves no
  // server listening behind it, so the command exits with its error rather than hanging.
  const stopServers = async (): Promise<void> => {
    // Flush on exit: the points of the last tasks go out before the process ends.
    await metrics.close();
    await services.stop();
    if (embedded) {
      await removeConnection(config.workDir);
      await embedded.stop();
    }
    await workDirLock.release();
  };
  if (stops.pending) return stoppedEarly(stopServers);
  await metrics
    .start()
    .then(() => worker.start())
    .catch(async (err: unknown) => {
      await stopServers();
      throw err;
    });

  const stopped = new Promise<void>((resolve) => {
    // A signal during worker.start() (crash recovery, host checks) stops it as soon as it has started.
    stops.onStop(({ finishTasks, why }) => {
      log.info(finishTasks ? 'stopping: running tasks may finish' : 'stopping: aborting running tasks', { why });
      void worker.stop({ finishTasks }).then(resolve);
    });
    protocol?.on('graceful-termination', (finishTasks) => stops.request({ finishTasks, why: 'graceful-termination' }));
    protocol?.on('new-credentials', (credentials) => {
      queue.setCredentials(credentials);
      log.info('credentials replaced', { clientId: credentials.clientId });
    });
    protocol?.on('error', (err) => log.warn('worker-runner protocol', { error: err }));
    if (config.shutdown.enabled) {
      new IdleTimer({
        afterMs: config.shutdown.afterIdleSeconds * 1000,
        busy: () => worker.runningTasks > 0,
        onIdle: () => stops.request({ finishTasks: true, why: `idle for ${config.shutdown.afterIdleSeconds} s` }),
      });
    }
  });
  await stopped;
  protocol?.shutdown();
  protocol?.close();
  await stopServers();
  stops.dispose();
  log.info('exit', {});
  return 0;
}

/** Waits for worker-runner's welcome, or a stop asked for meanwhile. */
async function welcomed(protocol: WorkerRunnerProtocol, log: WorkerLog, stopped: Promise<unknown>): Promise<void> {
  log.info("waiting for worker-runner's welcome", { timeoutSeconds: WELCOME_TIMEOUT_MS / 1000 });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), WELCOME_TIMEOUT_MS)));
  const outcome = await Promise.race([protocol.initialized().then(() => 'welcome' as const), timeout, stopped.then(() => 'stop' as const)]);
  clearTimeout(timer);
  if (outcome === 'timeout') log.warn('no welcome from worker-runner: running without its capabilities', {});
}

async function connect(config: WorkerConfig, say: (text: string) => void): Promise<{ queue: QueueClient; embedded?: EmbeddedQueue }> {
  if (config.rootUrl) {
    if (!config.taskcluster) throw new ConfigError('rootUrl is set, so taskcluster.clientId and taskcluster.accessToken are needed (or TASKCLUSTER_CLIENT_ID / TASKCLUSTER_ACCESS_TOKEN)');
    return { queue: new QueueClient({ rootUrl: config.rootUrl, credentials: config.taskcluster }) };
  }
  const embedded = await startEmbeddedQueue(config, { webView: true });
  const path = await writeConnection(config.workDir, {
    rootUrl: embedded.rootUrl,
    ...embedded.credentials,
    provisionerId: config.provisionerId,
    workerType: config.workerType,
  });
  say(
    `Embedded queue: ${embedded.rootUrl}\n` +
      `  clientId:    ${embedded.credentials.clientId}\n` +
      `  accessToken: ${embedded.credentials.accessToken}\n` +
      `  task queue:  ${config.provisionerId}/${config.workerType}\n` +
      `Web view: ${embedded.webViewUrl}\n` +
      `Submit tasks with: docker-worker submit FILE   (connection details in ${path})\n`,
  );
  return { queue: new QueueClient({ rootUrl: embedded.rootUrl, credentials: embedded.workerCredentials }), embedded };
}
