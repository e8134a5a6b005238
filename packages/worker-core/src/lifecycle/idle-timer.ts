/**
 * Fires once the worker has had nothing to run for `afterMs` (the `shutdown.afterIdleSeconds`
 * idle shutdown). Checked once a second: cheap, and precise enough for minutes-long timeouts.
 */
export class IdleTimer {
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { afterMs: number; busy: () => boolean; onIdle: () => void; checkEveryMs?: number }) {
    let idleSince = Date.now();
    this.#timer = setInterval(() => {
      if (options.busy()) {
        idleSince = Date.now();
        return;
      }
      if (Date.now() - idleSince >= options.afterMs) {
        this.stop();
        options.onIdle();
      }
    }, options.checkEveryMs ?? 1000);
    // An idle timer alone must not keep the process alive.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
