/**
 * Holds one stage of a run open until the test says so: whatever waits at the gate stays there
 * until `open()`. `reached` tells the test the stage has begun, so it can act (cancel, shut
 * down) at exactly that point instead of after a guessed delay.
 */
export class Gate {
  readonly reached: Promise<void>;
  #reach!: () => void;
  #open!: () => void;
  readonly #opened: Promise<void>;

  constructor() {
    this.reached = new Promise((resolve) => (this.#reach = resolve));
    this.#opened = new Promise((resolve) => (this.#open = resolve));
  }

  /**
   * Wait until opened. With a `signal`, an abort ends the wait with the signal's reason, as a
   * runtime that honours its abort signal (an image pull) would; without one the waiter is a
   * feature that ignores cancels, and the pipeline must stop by itself once it returns.
   */
  async wait(signal?: AbortSignal): Promise<void> {
    this.#reach();
    if (!signal) return this.#opened;
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.#opened.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  open(): void {
    this.#open();
  }
}
