import type { WorkerLog } from '../log/worker-log.js';
import type { QueueClient } from '../queue/queue-client.js';
import type { TaskClaim } from '../queue/types.js';

/** How long the superseder service gets to answer (the original's limit). */
export const SUPERSEDER_TIMEOUT_MS = 5000;

/** A `supersederUrl` the worker asks: http(s), printable ASCII; any other runs the task alone. */
const SUPERSEDER_URL = /^https?:\/\/[\x20-\x7e]*$/;

export type SupersederAnswer =
  /** The list to act on: the claimed task and those it may stand in for, in the service's order. */
  | { taskIds: string[] }
  /** Why the run goes ahead alone; the task log says it. */
  | { ignored: string };

/**
 * Ask `<supersederUrl>?taskId=<claimed>` which tasks this one supersedes ("Superseding" in
 * docs/operating.md).
 * Anything but a usable list, a timeout or an error included, means "run the claimed task
 * alone": superseding is an optimisation and must never fail a task.
 */
export async function fetchSupersederList(url: unknown, taskId: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<SupersederAnswer> {
  if (typeof url !== 'string' || !SUPERSEDER_URL.test(url)) return { ignored: 'supersederUrl is not an http(s) URL' };
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ignored: 'supersederUrl is not a valid URL' };
  }
  target.searchParams.set('taskId', taskId);
  const timeout = AbortSignal.timeout(options.timeoutMs ?? SUPERSEDER_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let body: unknown;
  try {
    const response = await fetch(target, { signal, headers: { accept: 'application/json' } });
    if (!response.ok) return { ignored: `the superseder answered HTTP ${response.status}` };
    body = await response.json();
  } catch (err) {
    return { ignored: `the superseder could not be asked: ${(err as Error).message}` };
  }
  const supersedes = (body as { supersedes?: unknown } | null)?.supersedes;
  if (!Array.isArray(supersedes) || !supersedes.every((id) => typeof id === 'string')) {
    return { ignored: 'the superseder answered without a "supersedes" list of taskIds' };
  }
  const taskIds = [...new Set(supersedes as string[])];
  if (!taskIds.includes(taskId)) return { ignored: `the superseder's list does not name the claimed task ${taskId}` };
  if (taskIds.length === 1) return { ignored: 'the superseder names no other task' };
  return { taskIds };
}

export interface Superseding {
  /** The run to execute: the first claim in the superseder's order. */
  primary: TaskClaim;
  /** The other claims, held until the primary ends. */
  others: TaskClaim[];
  /** For the executed task's log: what superseding did, or why it did not. */
  note: string;
}

/**
 * Apply `payload.supersederUrl` to a fresh claim: ask the superseder, claim run 0 of every
 * other task it lists (one that cannot be claimed is left out: someone else has it, or it
 * ended), keep the superseder's order, and execute the first. Only the other claims are
 * reclaimed while it runs. Without a usable list the claimed task runs alone.
 */
export async function applySuperseding(options: {
  claim: TaskClaim;
  queue: QueueClient;
  worker: { workerGroup: string; workerId: string };
  log: WorkerLog;
  signal?: AbortSignal;
  timeoutMs?: number;
}): Promise<Superseding | undefined> {
  const { claim, queue, worker, log } = options;
  const url = claim.task.payload?.supersederUrl;
  if (url === undefined) return undefined;
  const claimedId = claim.status.taskId;
  const answer = await fetchSupersederList(url, claimedId, options);
  if ('ignored' in answer) {
    log.info('superseding ignored', { taskId: claimedId, reason: answer.ignored });
    return { primary: claim, others: [], note: `Superseding skipped: ${answer.ignored}.` };
  }
  const claims: TaskClaim[] = [];
  for (const taskId of answer.taskIds) {
    if (taskId === claimedId) {
      claims.push(claim);
      continue;
    }
    try {
      claims.push(await queue.claimTask(taskId, 0, { workerGroup: worker.workerGroup, workerId: worker.workerId }));
    } catch (err) {
      log.info('superseded task not claimed', { taskId, error: err });
    }
  }
  const [primary, ...others] = claims as [TaskClaim, ...TaskClaim[]];
  const note =
    others.length === 0
      ? `Superseding: none of the other tasks the superseder listed could be claimed; this task runs alone.`
      : `Superseding: this run of ${primary.status.taskId} stands in for ${others.map((c) => `${c.status.taskId} (run ${c.runId})`).join(', ')}.`;
  log.info('superseding', { claimed: claimedId, executed: primary.status.taskId, superseded: others.map((c) => c.status.taskId) });
  return { primary, others, note };
}
