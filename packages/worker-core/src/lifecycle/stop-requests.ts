/** Why the worker is asked to stop, and whether running tasks may finish first. */
export interface StopRequest {
  finishTasks: boolean;
  why: string;
}

/**
 * The stop requests of one `worker start`: SIGINT (finish running tasks), SIGTERM (abort them),
 * and whatever else asks (worker-runner, the idle timer). Signals are taken from the moment
 * the worker holds its work directory, so one that arrives during start-up (crash recovery,
 * worker-runner's welcome, a slow engine) ends the start-up cleanly instead of killing the
 * process with its servers, lock and connection file left behind. A second signal exits at once.
 */
export class StopRequests {
  #first: StopRequest | undefined;
  #listener: ((request: StopRequest) => void) | undefined;
  #signals = 0;
  #arrived: Promise<StopRequest>;
  #resolveArrived!: (request: StopRequest) => void;
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (++this.#signals > 1) this.onSecondSignal(signal);
    else this.request({ finishTasks: signal === 'SIGINT', why: signal });
  };

  /** @param onSecondSignal what a second signal does (exit at once, in the daemon). */
  constructor(private readonly onSecondSignal: (signal: NodeJS.Signals) => void) {
    this.#arrived = new Promise((resolve) => (this.#resolveArrived = resolve));
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  /** The first request wins; later ones are ignored (a second signal aside). */
  request(request: StopRequest): void {
    if (this.#first) return;
    this.#first = request;
    this.#resolveArrived(request);
    this.#listener?.(request);
  }

  /** The request that came, if one has. */
  get pending(): StopRequest | undefined {
    return this.#first;
  }

  /** Resolves with the first request. */
  arrived(): Promise<StopRequest> {
    return this.#arrived;
  }

  /** Calls `listener` with the first request: at once if it came already (during start-up). */
  onStop(listener: (request: StopRequest) => void): void {
    this.#listener = listener;
    if (this.#first) listener(this.#first);
  }

  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}
