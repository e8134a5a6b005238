import { InternalError, ResourceUnavailableError, type TaskError } from '@docker-worker/worker-contract';

/** Errors that mean the disk holding the task log is full, not that something is broken. */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The run's outcome when its task log could not be written: `resource-unavailable` for a full
 * disk (the worker's own space ran out), `internal-error` for anything else.
 */
export function logWriteFailure(err: Error): TaskError {
  const code = (err as { code?: unknown }).code;
  const message = `The task log could not be written, so the run cannot be trusted: ${err.message}`;
  return typeof code === 'string' && NO_SPACE.has(code) ? new ResourceUnavailableError(message, { cause: err }) : new InternalError(message, { cause: err });
}
