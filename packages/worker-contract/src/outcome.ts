/**
 * How a task run ends, and the errors that carry that ending through the pipeline.
 *
 * Every error a Runtime or Feature throws is either one of these named classes, which say
 * how the run must be resolved, or anything else, which worker-core treats as
 * `exception/internal-error` (a bug or an infrastructure failure, never the task's fault).
 */

/** The reasons a worker may send with reportException (the queue refuses any other). */
export type ExceptionReason =
  | 'worker-shutdown'
  | 'malformed-payload'
  | 'resource-unavailable'
  | 'internal-error'
  | 'intermittent-task'
  /** A claim held by a superseding run, resolved when the run that stood in for it ended. */
  | 'superseded';

/** The resolution worker-core sends to the queue for a run. */
export type Resolution =
  | { state: 'completed' }
  | { state: 'failed' }
  | { state: 'exception'; reason: ExceptionReason };

/**
 * What happened to a run, as the `killed` hooks see it. `canceled` means the queue already
 * resolved the run (cancelTask, deadline, claim lost): nothing may be uploaded or resolved.
 */
export type RunOutcome = Resolution | { state: 'canceled' };

/**
 * Marks every TaskError, under a key shared by every copy of this package loaded in one
 * process (`Symbol.for`). A feature or runtime may bring its own copy of worker-contract (an
 * npm install beside the worker's): its errors are then of other classes, and `instanceof`
 * against the worker's classes alone would call a bad payload an internal error.
 */
const TASK_ERROR = Symbol.for('@docker-worker/worker-contract:TaskError');

/** The names of an error's TaskError classes, most derived first: what cross-copy `instanceof` compares. */
function brandOf(value: unknown): readonly string[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const brand = (value as { [TASK_ERROR]?: unknown })[TASK_ERROR];
  return Array.isArray(brand) && brand.every((name) => typeof name === 'string') ? brand : undefined;
}

/** Base class: an error that knows how the run it happened in must be resolved. */
export abstract class TaskError extends Error {
  abstract readonly outcome: RunOutcome;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    const classes: string[] = [];
    for (let proto = new.target.prototype as object | null; proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      classes.push((proto as { constructor: { name: string } }).constructor.name);
    }
    Object.defineProperty(this, TASK_ERROR, { value: classes, enumerable: false });
  }

  /**
   * `err instanceof MalformedPayloadError` holds for an error of that class from any copy of
   * this package, by the class names its brand lists (the classes are the contract: their
   * names do not change).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return brandOf(value)?.includes(this.name) ?? false;
  }
}

/** The payload (or a feature/scope/cache request in it) is unusable: nothing was started. */
export class MalformedPayloadError extends TaskError {
  readonly outcome: RunOutcome = { state: 'exception', reason: 'malformed-payload' };
  /** One human sentence per problem, each naming the field it is about. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`the task payload is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** The task's own doing: image missing or not authorised, bad command. Resolved `failed`. */
export class TaskFailedError extends TaskError {
  readonly outcome: RunOutcome = { state: 'failed' };
}

/** The image could not be found, pulled or loaded. Resolved `failed` (the outcome table in docs/architecture.md). */
export class ImageError extends TaskFailedError {}

/** Infrastructure broke after retries (Docker, disk, uploads). */
export class InternalError extends TaskError {
  readonly outcome: RunOutcome = { state: 'exception', reason: 'internal-error' };
}

/** A resource was temporarily unavailable after the worker's own retries. */
export class ResourceUnavailableError extends TaskError {
  readonly outcome: RunOutcome = { state: 'exception', reason: 'resource-unavailable' };
}

/** The queue took the run away (cancel, deadline, claim lost). No uploads, no resolution. */
export class TaskCanceledError extends TaskError {
  readonly outcome: RunOutcome = { state: 'canceled' };
}

/** The worker is going away; the queue will retry the task. */
export class WorkerShutdownError extends TaskError {
  readonly outcome: RunOutcome = { state: 'exception', reason: 'worker-shutdown' };
}

/**
 * The container engine went away under the run (stopped, restarted, its socket gone), or
 * stopped the container itself: nothing the task did. Resolved `worker-shutdown`, the one
 * reason besides the task's own `intermittent-task` that the queue retries, and a worker that
 * sees it waits for the engine to answer again before claiming more.
 */
export class EngineUnavailableError extends TaskError {
  readonly outcome: RunOutcome = { state: 'exception', reason: 'worker-shutdown' };
}

/** Whether a value is a TaskError of this or any other copy of worker-contract. */
export function isTaskError(err: unknown): err is TaskError {
  return brandOf(err) !== undefined && isRunOutcome((err as { outcome?: unknown }).outcome);
}

const REASONS: ReadonlySet<string> = new Set<ExceptionReason>([
  'worker-shutdown',
  'malformed-payload',
  'resource-unavailable',
  'internal-error',
  'intermittent-task',
  'superseded',
]);

function isRunOutcome(value: unknown): value is RunOutcome {
  if (typeof value !== 'object' || value === null) return false;
  const { state, reason } = value as { state?: unknown; reason?: unknown };
  if (state === 'completed' || state === 'failed' || state === 'canceled') return true;
  return state === 'exception' && typeof reason === 'string' && REASONS.has(reason);
}

/** The outcome an arbitrary thrown value stands for (read from the error, whichever copy made it). */
export function outcomeOf(err: unknown): RunOutcome {
  if (isTaskError(err)) return err.outcome;
  return { state: 'exception', reason: 'internal-error' };
}
