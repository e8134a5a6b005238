import { EngineUnavailableError, InternalError, type TaskError } from '@docker-worker/worker-contract';

/**
 * Reading errors that come back from dockerode / docker-modem.
 *
 * docker-modem turns an HTTP error into an Error with `statusCode` and a message shaped like
 * `(HTTP code 404) no such container - <engine message> `; for streamed endpoints (pull,
 * attach, archive) the parsed body is not kept in `json`, so the engine's own message has to be
 * recovered from that text. Socket-level failures (engine down) are plain Node errors with
 * `code` and no `statusCode`.
 */

interface EngineErrorShape {
  statusCode?: unknown;
  json?: unknown;
  code?: unknown;
  message?: unknown;
}

export function statusCodeOf(err: unknown): number | undefined {
  const status = (err as EngineErrorShape | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's own words, without docker-modem's `(HTTP code N) reason - ` wrapping. */
export function engineMessage(err: unknown): string {
  const shape = err as EngineErrorShape | undefined;
  const json = shape?.json as { message?: unknown } | undefined;
  if (json && typeof json === 'object' && typeof json.message === 'string') return json.message.trim();
  const message = typeof shape?.message === 'string' ? shape.message : String(err);
  const wrapped = /^\(HTTP code \d+\) .*? - ([\s\S]*)$/.exec(message);
  return (wrapped ? (wrapped[1] as string) : message).trim();
}

/** Errors that mean the engine's socket could not be used at all. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

export function isConnectionError(err: unknown): boolean {
  const code = (err as EngineErrorShape | undefined)?.code;
  return statusCodeOf(err) === undefined && typeof code === 'string' && CONNECTION_CODES.has(code);
}

/**
 * An engine failure that is nobody's fault but the infrastructure's. An engine that cannot be
 * reached at all is `EngineUnavailableError`: the queue runs the task again (elsewhere, or
 * here once the engine is back); anything else it said is an internal error.
 */
export function engineFailure(action: string, err: unknown): TaskError {
  if (isConnectionError(err)) return new EngineUnavailableError(`Could not ${action}: the Docker engine is not reachable: ${engineMessage(err)}`, { cause: err });
  return new InternalError(`Could not ${action}: the Docker engine said: ${engineMessage(err)}`, { cause: err });
}
