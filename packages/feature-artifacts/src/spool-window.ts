/**
 * Bounds how many spooled files wait on disk for their upload, across every artifact of a
 * run: reading the container's tar stream pauses while the window is full, so a directory of
 * any size never costs more disk than `size` files at once.
 */
export class SpoolWindow {
  readonly size: number;
  #held = 0;
  #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.size = Math.max(1, Math.floor(size));
  }

  get held(): number {
    return this.#held;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#held < this.size) {
      this.#held++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', abandon);
        this.#held++;
        resolve();
      };
      const abandon = () => {
        this.#waiting = this.#waiting.filter((waiter) => waiter !== grant);
        reject(signal?.reason);
      };
      this.#waiting.push(grant);
      signal?.addEventListener('abort', abandon, { once: true });
    });
  }

  release(): void {
    this.#held--;
    this.#waiting.shift()?.();
  }
}
