import { InternalError, scopeInPool, type ContainerAdditions, type Feature, type TaskContext, type TaskFeature } from '@docker-worker/worker-contract';
import { ProxyServer } from './proxy-server.js';

/** The name tasks reach the proxy at, inside their container. */
export const PROXY_HOST = 'taskcluster';

export interface TaskclusterProxyFeatureOptions {
  /** The port the proxy listens on at the run's network gateway; 80 (what tasks expect) unless a test picks 0. */
  port?: number;
}

/** The scopes the proxy signs with: the task's own, and creating artifacts for this run. */
export function proxyScopes(ctx: Pick<TaskContext, 'task' | 'taskId' | 'runId'>): string[] {
  return [...ctx.task.scopes, `queue:create-artifact:${ctx.taskId}/${ctx.runId}`];
}

class TaskclusterProxyTask implements TaskFeature {
  #ctx: TaskContext;
  #port: number;
  #server: ProxyServer | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(ctx: TaskContext, port: number) {
    this.#ctx = ctx;
    this.#port = port;
  }

  async link(): Promise<ContainerAdditions> {
    const ctx = this.#ctx;
    if (!ctx.network || !ctx.credentials || !ctx.onCredentials) {
      throw new InternalError('features.taskclusterProxy needs a run network and the run\'s credentials, and this host gives neither');
    }
    const { gateway, subnet } = await ctx.network();
    const server = new ProxyServer({ rootUrl: ctx.worker.rootUrl, credentials: ctx.credentials(), authorizedScopes: proxyScopes(ctx), clients: subnet });
    let port: number;
    try {
      port = await server.listen(gateway, this.#port);
    } catch (err) {
      throw new InternalError(`features.taskclusterProxy: the proxy cannot listen on ${gateway}:${this.#port}: ${(err as Error).message}`, { cause: err });
    }
    this.#server = server;
    this.#unsubscribe = ctx.onCredentials((credentials) => {
      server.credentials = credentials;
      ctx.log.info('Credentials updated');
    });
    return {
      env: { TASKCLUSTER_PROXY_URL: port === 80 ? `http://${PROXY_HOST}` : `http://${PROXY_HOST}:${port}` },
      extraHosts: [`${PROXY_HOST}:${gateway}`],
    };
  }

  async killed(): Promise<void> {
    this.#unsubscribe?.();
    await this.#server?.close();
  }
}

/**
 * `taskclusterProxy` (default off): a proxy of the run's own, on its network's gateway, reached
 * as `http://taskcluster` from the container, that signs the task's requests with the run's
 * temporary credentials (limited to the task's scopes) and forwards them to the deployment.
 */
export function createTaskclusterProxyFeature(options: TaskclusterProxyFeatureOptions = {}): Feature {
  const port = options.port ?? 80;
  return {
    name: 'taskclusterProxy',
    requiredScopes: (task) => [scopeInPool('docker-worker:feature:taskclusterProxy', task)],
    forTask: (ctx) => new TaskclusterProxyTask(ctx, port),
  };
}

export const taskclusterProxyFeature: Feature = createTaskclusterProxyFeature();
