// LocalQueue: an embedded Taskcluster queue + object service (+ a little index) over real
// HTTP, so that the worker and the tests talk to it with the real taskcluster-client exactly
// as they would to a deployment.

import { EventEmitter } from 'node:events';
import { PulsePublisher } from './pulse/pulse-publisher.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactHandlers } from './artifacts/routes.js';
import { ArtifactStore } from './artifacts/store.js';
import { ClientStore, randomAccessToken, type Credentials } from './auth/clients.js';
import { RoleStore } from './auth/roles.js';
import { workerScopes, type WorkerIdentity } from './auth/worker-scopes.js';
import { authHandlers } from './auth/routes.js';
import type { ServiceContext } from './context.js';
import { FaultInjector } from './faults.js';
import { indexHandlers } from './index-service/routes.js';
import { purgeCacheHandlers } from './purge-cache/routes.js';
import { PurgeCacheStore } from './purge-cache/store.js';
import { IndexStore } from './index-service/store.js';
import { objectHandlers } from './object/routes.js';
import { ObjectStore } from './object/store.js';
import type { PulseMessage } from './queue/events.js';
import { PendingWaiters } from './queue/long-poll.js';
import { queueHandlers } from './queue/routes.js';
import { QueueState } from './queue/state.js';
import type { TaskStatus } from './queue/types.js';
import { Router } from './router.js';
import { DataRoutes } from './storage/data-routes.js';
import { DataUrls } from './storage/data-urls.js';
import { DiskStorage } from './storage/disk.js';
import { UrlSigner } from './storage/signed-urls.js';
import { WebView } from './web-view/web-view.js';

export interface LocalQueueOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0: a free port */
  port?: number;
  /** seconds a claim lasts; default 1200 */
  claimTimeout?: number;
  /** how long claimWork waits for work when there is none; default 20 */
  longPollSeconds?: number;
  /** where artifact data lives; default a fresh temporary directory, removed on stop() */
  storageDir?: string;
  /** default: random */
  rootCredentials?: Credentials;
  /** ms between claim-expiry/deadline/expiry sweeps; default 1000 */
  expiryCheckInterval?: number;
  /** Publish every Pulse-shaped message to this RabbitMQ (`amqp://user:pass@host:5672/vhost`) too. */
  amqpUrl?: string;
  /**
   * Roles, role id to scopes: a client or task holding `assume:<roleId>` holds the role's
   * scopes too (ids ending in `*` are patterns), as in the auth service; `auth.expandScopes`
   * answers with them.
   */
  roles?: Readonly<Record<string, readonly string[]>>;
  /**
   * Serve the web view: a page at `/` listing the tasks, following their logs, with their
   * artifacts and cancel/rerun buttons; its JSON and actions under `/_webview/` (see
   * web-view/web-view.ts). For `worker start` on the embedded queue; default off.
   */
  webView?: boolean;
}

/** Emitted as 'request' on LocalQueue.events after every HTTP request. */
export interface RequestEvent {
  method: string;
  path: string;
  status: number;
  clientId: string | undefined;
  /** the API method name, when the request matched one */
  name: string | undefined;
}

export type { PulseMessage };

/** How long stop() lets in-flight requests finish before cutting connections. */
const STOP_GRACE_MS = 1000;

export class LocalQueue {
  /** 'message' (PulseMessage) on every state change; 'request' (RequestEvent) per request. */
  readonly events: EventEmitter = new EventEmitter();
  /** The index service's entries: `index.insert(namespace, taskId)`. */
  readonly index = new IndexStore();
  /** The purge-cache service's requests: `purgeCache.add(workerPoolId, cacheName)`. */
  readonly purgeCache = new PurgeCacheStore();

  private readonly host: string;
  private readonly requestedPort: number;
  private readonly longPollSeconds: number;
  private readonly expiryCheckInterval: number;
  private readonly root: Credentials;
  private readonly clients = new ClientStore();
  private readonly roles: RoleStore;
  private readonly faults = new FaultInjector();
  private readonly waiters = new PendingWaiters();
  private readonly state: QueueState;
  private readonly artifacts = new ArtifactStore();
  private readonly signer = new UrlSigner();
  private readonly urls: DataUrls;
  private readonly storageDirOption: string | undefined;
  private disk: DiskStorage | undefined;
  private objects: ObjectStore | undefined;
  private router: Router | undefined;
  private dataRoutes: DataRoutes | undefined;
  private server: Server | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private url: string | undefined;
  private stopping = false;
  private readonly amqpUrl: string | undefined;
  private readonly webViewOption: boolean;
  private webView: WebView | undefined;
  private publisher: PulsePublisher | undefined;
  private forward: ((message: PulseMessage) => void) | undefined;

  constructor(options: LocalQueueOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.requestedPort = options.port ?? 0;
    this.longPollSeconds = options.longPollSeconds ?? 20;
    this.expiryCheckInterval = options.expiryCheckInterval ?? 1000;
    this.storageDirOption = options.storageDir;
    this.amqpUrl = options.amqpUrl;
    this.webViewOption = options.webView ?? false;
    this.roles = new RoleStore(options.roles);
    this.root = options.rootCredentials ?? { clientId: 'static/local-queue/root', accessToken: randomAccessToken() };
    this.clients.add(this.root.clientId, this.root.accessToken, ['*']);
    this.urls = new DataUrls(this.signer, () => this.rootUrl);
    this.state = new QueueState({
      claimTimeout: options.claimTimeout ?? 1200,
      publish: (message) => this.emitSafely('message', message),
      onPending: (taskQueueId) => this.waiters.notify(taskQueueId),
      onTaskExpired: (taskId) => void this.dropTaskData(taskId),
    });
  }

  /** `http://<host>:<port>`; valid after start(). */
  get rootUrl(): string {
    if (!this.url) throw new Error('LocalQueue has not been started');
    return this.url;
  }

  /**
   * True while the Pulse publisher (with `amqpUrl`) has a channel to the broker: messages sent
   * while it is false are dropped, so a test that restarts the broker waits for this too.
   */
  get pulseConnected(): boolean {
    return this.publisher?.connected ?? false;
  }

  /** The root client's credentials (scope `*`). */
  get credentials(): Credentials {
    return { ...this.root };
  }

  /** Adds a permanent client with the given scopes and returns its credentials. */
  createClient(clientId: string, scopes: string[]): Credentials {
    const accessToken = randomAccessToken();
    this.clients.add(clientId, accessToken, scopes);
    return { clientId, accessToken };
  }

  /**
   * A permanent client for one worker, with exactly the scopes a deployment's worker client
   * needs (`workerScopes`: claim-work, worker-id, purge-requests, claim-task) and the anonymous
   * role's, as every client here: what the worker does beyond them fails as it would there.
   */
  createWorkerClient(worker: WorkerIdentity): Credentials {
    return this.createClient(`worker/${worker.workerGroup}/${worker.workerId}`, workerScopes(worker));
  }

  /** Creates or replaces a role: `assume:<roleId>` then grants `scopes`. */
  setRole(roleId: string, scopes: string[]): void {
    this.roles.set(roleId, scopes);
  }

  /**
   * Answers the next `times` calls of `apiName` (e.g. 'reportCompleted', or
   * 'object.createUpload' to pick a service) with `status` and a proper error body.
   * `s3.put` and `object.put` fail the data PUTs to the putUrls it hands out.
   */
  injectFault(apiName: string, status: number, times: number): void {
    this.faults.inject(apiName, status, times);
  }

  /** The task-status structure of a task (no HTTP, no auth). Throws for unknown tasks. */
  taskState(taskId: string): TaskStatus {
    const record = this.state.get(taskId);
    if (!record) throw new Error(`Unknown task ${taskId}`);
    return this.state.status(record);
  }

  /** The web view's page, `<rootUrl>/`, when it is served (the `webView` option); valid after start(). */
  get webViewUrl(): string | undefined {
    return this.webView ? `${this.rootUrl}/` : undefined;
  }

  /** The on-disk file of an uploaded s3 artifact or finished object artifact. */
  artifactPath(taskId: string, runId: number, name: string): string | undefined {
    const artifact = this.artifacts.get(taskId, runId, name);
    if (!artifact) return undefined;
    if (artifact.storageType === 's3') return artifact.file?.path;
    if (artifact.storageType === 'object' && artifact.present) return this.objects?.get(artifact.objectName!)?.data?.path;
    return undefined;
  }

  async start(): Promise<void> {
    if (this.server) throw new Error('LocalQueue already started');
    this.stopping = false;
    if (this.amqpUrl) {
      const publisher = new PulsePublisher(this.amqpUrl);
      await publisher.start();
      this.forward = (message: PulseMessage) => void publisher.publish(message);
      this.events.on('message', this.forward);
      this.publisher = publisher;
    }
    const storageDir = this.storageDirOption ?? (await mkdtemp(join(tmpdir(), 'local-queue-')));
    await mkdir(storageDir, { recursive: true });
    const disk = new DiskStorage(storageDir);
    await disk.init();
    this.disk = disk;
    this.objects = new ObjectStore(disk, (name, uploadId, expires) => this.urls.objectPut(name, uploadId, expires));
    const ctx: ServiceContext = {
      state: this.state,
      artifacts: this.artifacts,
      objects: this.objects,
      index: this.index,
      purgeCache: this.purgeCache,
      disk,
      urls: this.urls,
      waiters: this.waiters,
      issuer: this.root,
      longPollSeconds: this.longPollSeconds,
      startedAt: Date.now(),
      isStopping: () => this.stopping,
    };
    this.router = new Router(
      {
        ...queueHandlers(ctx),
        ...artifactHandlers(ctx),
        ...objectHandlers(ctx),
        ...indexHandlers(ctx),
        ...purgeCacheHandlers(ctx),
        ...authHandlers(this.roles, ctx.startedAt),
      },
      this.clients,
      this.roles,
      this.faults,
    );
    this.dataRoutes = new DataRoutes(ctx, this.faults);
    this.webView = this.webViewOption ? await WebView.create(ctx) : undefined;

    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.requestedPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    // A wildcard listen address is reached through loopback; IPv6 literals need brackets.
    const host = this.host === '0.0.0.0' ? '127.0.0.1' : this.host === '::' ? '[::1]' : this.host.includes(':') ? `[${this.host}]` : this.host;
    this.url = `http://${host}:${port}`;
    this.sweepTimer = setInterval(() => void this.sweep(), this.expiryCheckInterval);
    this.sweepTimer.unref();
  }

  /** Stops the server: open claimWork long-polls answer `{tasks: []}`, then connections close. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping = true;
    clearInterval(this.sweepTimer);
    this.waiters.notifyAll();
    await new Promise<void>((resolve) => {
      // Keep-alive connections become idle once their last response is out; close each as
      // soon as it is, and cut whatever is still busy after the grace period.
      const idle = setInterval(() => server.closeIdleConnections(), 20);
      const force = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
      server.close(() => {
        clearInterval(idle);
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
    this.server = undefined;
    if (this.forward) this.events.off('message', this.forward);
    await this.publisher?.stop();
    this.publisher = undefined;
    if (this.storageDirOption === undefined) await this.disk?.removeAll();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    const event: RequestEvent = { method: req.method ?? 'GET', path: rawPath, status: 500, clientId: undefined, name: undefined };
    try {
      if (rawPath.startsWith('/_data/')) {
        event.status = await this.dataRoutes!.handle(req, res, rawPath, query);
      } else if (this.webView && WebView.serves(rawPath)) {
        event.status = await this.webView.handle(req, res, rawPath);
      } else {
        const result = await this.router!.dispatch(req, res, rawPath, query);
        Object.assign(event, result);
      }
    } catch {
      // Handlers answer their own errors; this only guards against a bug leaving a hang.
      if (!res.headersSent) {
        res.writeHead(500);
        res.end();
      }
    }
    this.emitSafely('request', event);
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    this.state.sweep(now);
    for (const artifact of this.artifacts.expired(now)) {
      this.artifacts.delete(artifact);
      if (artifact.file) await this.disk?.remove(artifact.file.path);
    }
    await this.objects?.sweep(now);
  }

  private async dropTaskData(taskId: string): Promise<void> {
    for (const artifact of this.artifacts.dropTask(taskId)) {
      if (artifact.file) await this.disk?.remove(artifact.file.path);
    }
    await this.objects?.dropPrefix(`t/${taskId}/`);
  }

  /** A throwing listener must not break the request that caused the event. */
  private emitSafely(event: string, payload: unknown): void {
    try {
      this.events.emit(event, payload);
    } catch {
      // ignored on purpose: listeners are test probes, not part of the protocol
    }
  }
}
