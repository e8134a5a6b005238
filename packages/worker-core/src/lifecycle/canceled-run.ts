/**
 * What the worker needs of a queue's task-exception message: which run was canceled. Both
 * ways the worker hears of cancellations read it: Pulse (the message's JSON body) and the
 * embedded queue's own events (the same body, unserialised).
 */
export const TASK_EXCEPTION_EXCHANGE = 'exchange/taskcluster-queue/v1/task-exception';

export interface CanceledRun {
  taskId: string;
  runId: number;
}

/** The canceled run a task-exception message body names; undefined for any other exception. */
export function canceledRunOf(body: unknown): CanceledRun | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { runId, status } = body as { runId?: unknown; status?: { taskId?: unknown; runs?: unknown } };
  if (typeof runId !== 'number' || typeof status?.taskId !== 'string' || !Array.isArray(status.runs)) return undefined;
  const run = (status.runs as Array<{ runId?: unknown; reasonResolved?: unknown }>).find((r) => r?.runId === runId);
  return run?.reasonResolved === 'canceled' ? { taskId: status.taskId, runId } : undefined;
}

/**
 * Cancellations delivered in the process, as they happen: subscribe with a callback, get back
 * the call that unsubscribes. The embedded queue offers one (see bin/compose.ts), so a task
 * canceled there stops at once, with no broker.
 */
export type CancelFeed = (onCanceled: (run: CanceledRun) => void) => () => void;
