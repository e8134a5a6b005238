/**
 * When an interactive task's container may end, as plain arithmetic over times in ms:
 * at least `minTime` after it started, `expirationAfterSession` after the last session closed,
 * never while a session is open, and never past the run's deadline (maxRunTime), whatever is
 * open then. "Release" means: the container ends as soon as its command has exited (at once if
 * it has); before the release it outlives its command.
 */
export interface KeepAliveTimes {
  startedAt: number;
  minTimeMs: number;
  expirationAfterSessionMs: number;
  /** When sessions are closed and the container released regardless: before maxRunTime. */
  deadlineAt: number;
}

export class KeepAlive {
  #times: KeepAliveTimes;
  #open = 0;
  #lastClosedAt: number | undefined;

  constructor(times: KeepAliveTimes) {
    this.#times = times;
  }

  get deadlineAt(): number {
    return this.#times.deadlineAt;
  }

  get openSessions(): number {
    return this.#open;
  }

  opened(): void {
    this.#open += 1;
  }

  closed(now: number): void {
    this.#open = Math.max(0, this.#open - 1);
    this.#lastClosedAt = now;
  }

  /** Past the deadline nothing new may start. */
  pastDeadline(now: number): boolean {
    return now >= this.#times.deadlineAt;
  }

  /**
   * When the container should be released, as things stand: the deadline while a session is
   * open, otherwise the later of minTime after the start and expirationAfterSession after the
   * last close (capped at the deadline).
   */
  releaseAt(): number {
    const { startedAt, minTimeMs, expirationAfterSessionMs, deadlineAt } = this.#times;
    if (this.#open > 0) return deadlineAt;
    const afterSession = this.#lastClosedAt === undefined ? -Infinity : this.#lastClosedAt + expirationAfterSessionMs;
    return Math.min(deadlineAt, Math.max(startedAt + minTimeMs, afterSession));
  }
}

/**
 * The deadline for a run of `maxRunTimeMs` from `startedAt`: a little before the worker's own
 * maxRunTime timer fires (it started a moment earlier, and would kill the container and fail a
 * run whose command had already exited), so a task whose command is done ends with its own exit
 * status. The margin is 2 s, or half of a shorter maxRunTime.
 */
export function deadlineFor(startedAt: number, maxRunTimeMs: number): number {
  return startedAt + maxRunTimeMs - Math.min(2000, maxRunTimeMs / 2);
}
