import type { RunOutcome } from '@docker-worker/worker-contract';

/** `worker run` exit statuses: what a script calling it can branch on. */
export const EXIT = {
  completed: 0,
  failed: 1,
  exception: 2,
  /** Usage, config, no Docker engine: no task ran. */
  setup: 3,
} as const;

export function exitCodeFor(outcome: RunOutcome): number {
  switch (outcome.state) {
    case 'completed':
      return EXIT.completed;
    case 'failed':
      return EXIT.failed;
    default:
      return EXIT.exception;
  }
}

/** `Task <taskId> <state>` plus the reason of an exception. */
export function resultLine(taskId: string, outcome: { state: string; reason?: string }): string {
  return `Task ${taskId} ${outcome.state}${outcome.reason ? ` (${outcome.reason})` : ''}`;
}
