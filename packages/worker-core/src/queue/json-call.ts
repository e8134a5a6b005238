import http from 'node:http';
import https from 'node:https';
import { authorizationHeader, type Credentials } from '@docker-worker/worker-contract';
import pRetry, { AbortError } from 'p-retry';
import { asError } from './as-error.js';
import { queueAgentFor } from './keep-alive.js';

/**
 * One Taskcluster API call with a JSON body, on Node's own http client. For the calls a worker
 * makes for every task and every artifact (claimWork, reclaimTask, the resolutions,
 * createArtifact, finishArtifact, the object service's createUpload and finishUpload): through
 * taskcluster-client each one allocated about 40 KB in its HTTP library, which outlived the
 * young generation while the call was in flight and was promoted, so a directory of thousands
 * of small files grew the daemon's heap, and each task cost the daemon CPU for it. Behaves as
 * taskcluster-client does for its callers: Hawk-signed, 5xx and network errors retried with
 * exponential backoff, other answers not, and failures thrown as `TaskclusterCallError` with
 * the client's fields.
 */

export interface JsonCallOptions {
  /** Attempts after the first (taskcluster-client's default: 5). */
  retries?: number;
  /** Delay before the first retry, ms; doubled for each later one (randomized up to 2x). */
  minRetryDelay?: number;
  /** One attempt's bound, ms, from sending to the end of the answer (taskcluster-client's: 30 s). */
  timeoutMs?: number;
  /** Aborting drops the request under way (its connection only) and stops the retries. */
  signal?: AbortSignal;
}

const DEFAULTS = { retries: 5, minRetryDelay: 200, timeoutMs: 30_000 } as const;

/** Headers a Taskcluster deployment names the request by, for its logs. */
const REQUEST_ID_HEADERS = ['x-for-request-id', 'x-request-id'] as const;

/**
 * A call the service answered with an error status: the fields taskcluster-client's errors
 * carry (`statusCode`, the service's `code`, the parsed `body`), so callers read it alike.
 */
export class TaskclusterCallError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly body: unknown;
  readonly requestId: string | undefined;

  constructor(statusCode: number, body: unknown, requestId: string | undefined) {
    const fields = (typeof body === 'object' && body !== null ? body : {}) as { message?: unknown; code?: unknown };
    const message = typeof fields.message === 'string' && fields.message ? fields.message : defaultMessage(statusCode);
    super(requestId ? `${message} (request id ${requestId})` : message);
    this.statusCode = statusCode;
    this.code = typeof fields.code === 'string' && fields.code ? fields.code : 'UnknownError';
    this.body = body;
    this.requestId = requestId;
  }
}

/** taskcluster-client's messages for an answer whose body says nothing. */
function defaultMessage(statusCode: number): string {
  if (statusCode === 401) return 'Authentication Error';
  if (statusCode === 500) return 'Internal Server Error';
  if (statusCode >= 300 && statusCode < 400) return 'Unexpected Redirect';
  return 'Unknown Server Error';
}

/** `${rootUrl}/api/<service>/<version><path>`, as taskcluster-client builds it for a deployment's root URL. */
export function taskclusterApiUrl(rootUrl: string, service: string, version: string, path: string): URL {
  if (!path.startsWith('/')) throw new Error(`path '${path}' must start with '/'`);
  return new URL(`${rootUrl.replace(/\/+$/, '')}/api/${service}/${version}${path}`);
}

/**
 * `method` of `url` with `payload` as its JSON body (none when undefined, as taskcluster-client
 * sends methods without input), signed with `credentials` when they are given. Resolves to the
 * answer's JSON (undefined for an empty or non-JSON answer).
 */
export async function callJson(method: 'POST' | 'PUT', url: URL, payload: unknown, credentials: Credentials | undefined, options: JsonCallOptions = {}): Promise<unknown> {
  const body = payload === undefined ? undefined : JSON.stringify(payload);
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const { signal } = options;
  signal?.throwIfAborted();
  return pRetry(
    async () => {
      try {
        return await attempt(method, url, body, credentials, timeoutMs, signal);
      } catch (err) {
        // A status below 500 (4xx, an unexpected redirect) will not change by asking again.
        if (err instanceof TaskclusterCallError && err.statusCode < 500) throw new AbortError(err);
        throw asError(err);
      }
    },
    {
      retries: options.retries ?? DEFAULTS.retries,
      minTimeout: options.minRetryDelay ?? DEFAULTS.minRetryDelay,
      maxTimeout: 30_000,
      factor: 2,
      randomize: true,
      signal,
    },
  );
}

function attempt(method: string, url: URL, body: string | undefined, credentials: Credentials | undefined, timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    // Signed like taskcluster-client: only with both halves of the credentials.
    if (credentials?.clientId && credentials.accessToken) headers.authorization = authorizationHeader(url.href, method, credentials);
    const send = url.protocol === 'https:' ? https.request : http.request;
    const fail = (err: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', drop);
      reject(err);
    };
    const drop = (): void => {
      req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const req = send(url, { method, headers, agent: queueAgentFor(url) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('end', () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', drop);
        try {
          resolve(answer(res, Buffer.concat(chunks)));
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    // Set before any of the request's events can fire: they all come on later turns.
    const timer = setTimeout(() => {
      // taskcluster-client's code for a call that timed out; retried like a network error.
      req.destroy(Object.assign(new Error(`${method} ${url.pathname}: no answer within ${timeoutMs} ms`), { code: 'ECONNABORTED' }));
    }, timeoutMs);
    req.on('error', fail);
    signal?.addEventListener('abort', drop, { once: true });
    // Aborted between two attempts: the listener would never hear of it.
    if (signal?.aborted) drop();
    req.end(body);
  });
}

/** The parsed answer of a 2xx, or the error of any other status. */
function answer(res: http.IncomingMessage, raw: Buffer): unknown {
  const status = res.statusCode ?? 0;
  const json = raw.length > 0 && (res.headers['content-type'] ?? '').startsWith('application/json');
  if (status >= 200 && status < 300) return json ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
  let parsed: unknown = undefined;
  if (json) {
    try {
      parsed = JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      // An error page that claims JSON: the status still says what happened.
    }
  }
  throw new TaskclusterCallError(status, parsed ?? {}, requestIdOf(res));
}

function requestIdOf(res: http.IncomingMessage): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = res.headers[name];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}
