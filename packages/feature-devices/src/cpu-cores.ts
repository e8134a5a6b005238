/**
 * CPU pinning (the original's `deviceManagement.cpu`): each task runs on a core of its own,
 * held from `link` to `killed` like a loopback device, so the worker runs at most one task per
 * core. Held cores live in memory only, as held devices do.
 */
export class CpuCores {
  readonly cores: readonly number[];
  #held = new Set<number>();

  constructor(cores: readonly number[]) {
    this.cores = cores;
  }

  /** A free core, or undefined when every one is held. */
  acquire(): number | undefined {
    const free = this.cores.find((core) => !this.#held.has(core));
    if (free !== undefined) this.#held.add(free);
    return free;
  }

  release(core: number): void {
    this.#held.delete(core);
  }
}
