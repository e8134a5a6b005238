// taskcluster-client ships no types: the declaration written for it here goes out with this
// file's (the class fields hold its clients), so a consumer's type-check resolves it.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- only a reference is kept in the emitted .d.ts
/// <reference path="../types/taskcluster-client.d.ts" preserve="true" />
import type { Credentials, ExceptionReason, TaskDefinition } from '@docker-worker/worker-contract';
import tc from 'taskcluster-client';
import { callJson, taskclusterApiUrl } from './json-call.js';
import { keepQueueConnectionsAlive } from './keep-alive.js';
import type { ReclaimReply, TaskClaim, TaskStatus } from './types.js';

export { statusCodeOf } from './status-code.js';

/**
 * Worker-level calls, with the worker's own credentials. Real and local mode go through the
 * same taskcluster-client over HTTP; the client already retries 5xx and network errors.
 */
export class QueueClient {
  readonly rootUrl: string;
  #queue: InstanceType<typeof tc.Queue>;
  /** Worker-level calls to the purge-cache service go with the same credentials. */
  #purgeCache: InstanceType<typeof tc.PurgeCache>;
  #credentials: Credentials | undefined;

  constructor(options: { rootUrl: string; credentials?: Credentials }) {
    this.rootUrl = options.rootUrl;
    keepQueueConnectionsAlive();
    this.#queue = new tc.Queue({ rootUrl: options.rootUrl, credentials: options.credentials });
    this.#purgeCache = new tc.PurgeCache({ rootUrl: options.rootUrl, credentials: options.credentials });
    this.#credentials = options.credentials;
  }

  /** worker-runner's `new-credentials`: later worker-level calls use these. */
  setCredentials(credentials: Credentials): void {
    this.#queue = new tc.Queue({ rootUrl: this.rootUrl, credentials });
    this.#purgeCache = new tc.PurgeCache({ rootUrl: this.rootUrl, credentials });
    this.#credentials = credentials;
  }

  /** Purge requests for caches on this worker pool made after `since`. */
  async purgeRequests(workerPoolId: string, since?: Date): Promise<Array<{ cacheName: string; before: string }>> {
    const reply = (await this.#purgeCache.purgeRequests(workerPoolId, since ? { since: since.toJSON() } : {})) as {
      requests: Array<{ cacheName: string; before: string }>;
    };
    return reply.requests;
  }

  /**
   * The claimWork long poll, once per claimed batch, so without taskcluster-client (see
   * json-call.ts). With a `signal`, aborting it drops the request's connection at once and
   * stops the retries, and the queue then claims nothing for it (it checks that the caller is
   * still there before claiming).
   */
  async claimWork(
    taskQueueId: string,
    request: { workerGroup: string; workerId: string; tasks: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<TaskClaim[]> {
    const url = taskclusterApiUrl(this.rootUrl, 'queue', 'v1', `/claim-work/${encodeURIComponent(taskQueueId)}`);
    const reply = (await callJson('POST', url, request, this.#credentials, { signal: options.signal })) as { tasks: TaskClaim[] };
    return reply.tasks;
  }

  /**
   * Claims one specific run (the deprecated claimTask, which superseding still needs): the
   * reply has the shape of a claimWork entry.
   */
  async claimTask(taskId: string, runId: number, request: { workerGroup: string; workerId: string }): Promise<TaskClaim> {
    return (await this.#queue.claimTask(taskId, runId, request)) as TaskClaim;
  }

  async createTask(taskId: string, definition: Partial<TaskDefinition>): Promise<TaskStatus> {
    const reply = (await this.#queue.createTask(taskId, definition)) as { status: TaskStatus };
    return reply.status;
  }

  async status(taskId: string): Promise<TaskStatus> {
    const reply = (await this.#queue.status(taskId)) as { status: TaskStatus };
    return reply.status;
  }

  /** Resolves the task's current run `exception/canceled` (needs `queue:cancel-task:...`). */
  async cancelTask(taskId: string): Promise<TaskStatus> {
    const reply = (await this.#queue.cancelTask(taskId)) as { status: TaskStatus };
    return reply.status;
  }

  /** A new run of a resolved task, its retries reset (needs `queue:rerun-task:...`). */
  async rerunTask(taskId: string): Promise<TaskStatus> {
    const reply = (await this.#queue.rerunTask(taskId)) as { status: TaskStatus };
    return reply.status;
  }

  async task(taskId: string): Promise<TaskDefinition> {
    return (await this.#queue.task(taskId)) as TaskDefinition;
  }

  async listArtifacts(taskId: string, runId: number): Promise<Array<{ name: string; storageType: string; contentType: string; expires: string }>> {
    const reply = (await this.#queue.listArtifacts(taskId, runId)) as { artifacts: Array<{ name: string; storageType: string; contentType: string; expires: string }> };
    return reply.artifacts;
  }

  /** A URL that fetches the artifact without credentials (signed when the client has some). */
  artifactUrl(taskId: string, runId: number, name: string): string {
    return this.#queue.buildSignedUrl(this.#queue.getArtifact, taskId, runId, name);
  }

  forRun(taskId: string, runId: number, credentials: Credentials): RunQueue {
    return new RunQueue(this.rootUrl, taskId, runId, credentials);
  }
}

/**
 * Calls about one run, made with the claim's temporary credentials. A reclaim hands out new
 * credentials, and every later call uses them: the old ones stop working when the claim
 * they came with expires.
 */
export class RunQueue {
  readonly rootUrl: string;
  readonly taskId: string;
  readonly runId: number;
  #credentials: Credentials;
  /** Only for the URLs it builds; made on first use, and again after a reclaim. */
  #urlClient: InstanceType<typeof tc.Queue> | undefined;

  constructor(rootUrl: string, taskId: string, runId: number, credentials: Credentials) {
    this.rootUrl = rootUrl;
    this.taskId = taskId;
    this.runId = runId;
    this.#credentials = credentials;
    keepQueueConnectionsAlive();
  }

  get credentials(): Credentials {
    return this.#credentials;
  }

  // The calls every run makes (reclaims, its resolution, its artifacts) go without
  // taskcluster-client (see json-call.ts).

  async reclaim(): Promise<ReclaimReply> {
    const reply = (await callJson('POST', this.#runUrl('/reclaim'), undefined, this.#credentials)) as ReclaimReply;
    this.#credentials = reply.credentials;
    this.#urlClient = undefined;
    return reply;
  }

  async reportCompleted(): Promise<void> {
    await callJson('POST', this.#runUrl('/completed'), undefined, this.#credentials);
  }

  async reportFailed(): Promise<void> {
    await callJson('POST', this.#runUrl('/failed'), undefined, this.#credentials);
  }

  async reportException(reason: ExceptionReason): Promise<void> {
    await callJson('POST', this.#runUrl('/exception'), { reason }, this.#credentials);
  }

  /** Made once per artifact, so thousands of times for a directory of small files. */
  async createArtifact(name: string, request: Record<string, unknown>): Promise<Record<string, unknown>> {
    return ((await callJson('POST', this.#artifactUrl(name), request, this.#credentials)) ?? {}) as Record<string, unknown>;
  }

  async finishArtifact(name: string, uploadId: string): Promise<void> {
    await callJson('PUT', this.#artifactUrl(name), { uploadId }, this.#credentials);
  }

  #artifactUrl(name: string): URL {
    return this.#runUrl(`/artifacts/${encodeURIComponent(name)}`);
  }

  #runUrl(rest: string): URL {
    return taskclusterApiUrl(this.rootUrl, 'queue', 'v1', `/task/${encodeURIComponent(this.taskId)}/runs/${this.runId}${rest}`);
  }

  #urls(): InstanceType<typeof tc.Queue> {
    this.#urlClient ??= new tc.Queue({ rootUrl: this.rootUrl, credentials: this.#credentials });
    return this.#urlClient;
  }

  /**
   * A URL for the latest run's artifact `path` of any task: plain for `public/` names (anyone
   * may read them), signed with this run's credentials (so with the task's scopes) otherwise.
   */
  latestArtifactUrl(taskId: string, path: string): string {
    const urls = this.#urls();
    if (path.startsWith('public/')) return urls.buildUrl(urls.getLatestArtifact, taskId, path);
    return urls.buildSignedUrl(urls.getLatestArtifact, taskId, path);
  }

  /**
   * The task's scopes with the roles they assume, from the auth service (`auth.expandScopes`),
   * asked with this run's credentials, as any Taskcluster client would ask it.
   */
  async expandScopes(scopes: string[]): Promise<string[]> {
    const auth = new tc.Auth({ rootUrl: this.rootUrl, credentials: this.#credentials });
    const reply = (await auth.expandScopes({ scopes })) as { scopes: string[] };
    return reply.scopes;
  }

  /** The taskId an index namespace points at, looked up with this run's credentials. */
  async findIndexedTask(namespace: string): Promise<string> {
    const index = new tc.Index({ rootUrl: this.rootUrl, credentials: this.#credentials });
    const reply = (await index.findTask(namespace)) as { taskId: string };
    return reply.taskId;
  }

  /**
   * The object service's two calls of one upload (what taskcluster-client's `upload` needs of
   * an object client), with the credentials the queue handed out for it.
   */
  objectClient(credentials: Credentials): ObjectUploadClient {
    const rootUrl = this.rootUrl;
    const url = (route: string, name: string) => taskclusterApiUrl(rootUrl, 'object', 'v1', `/${route}/${encodeURIComponent(name)}`);
    return {
      createUpload: (name, request) => callJson('PUT', url('upload', name), request, credentials),
      finishUpload: (name, request) => callJson('POST', url('finish-upload', name), request, credentials),
    };
  }
}

/** An object-service client reduced to the calls of an upload. */
export interface ObjectUploadClient {
  createUpload(name: string, request: Record<string, unknown>): Promise<unknown>;
  finishUpload(name: string, request: Record<string, unknown>): Promise<unknown>;
}
