/**
 * Runs `measure` now and every `intervalMs` (a timer that never keeps the process alive), never
 * two at once; a failure goes to `onError`, so one bad sample never stops the next.
 */
export class PeriodicSampler {
  #timer: NodeJS.Timeout | undefined;
  #sampling: Promise<void> | undefined;

  constructor(
    private readonly measure: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    void this.sample();
    this.#timer = setInterval(() => void this.sample(), this.intervalMs);
    this.#timer.unref();
  }

  /** No more samples; resolves once one in progress has ended. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sampling;
  }

  /** One sample, or the one already in progress. */
  sample(): Promise<void> {
    this.#sampling ??= this.measure()
      .catch(this.onError)
      .finally(() => {
        this.#sampling = undefined;
      });
    return this.#sampling;
  }
}
