import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { EngineUnavailableError, ImageError, ResourceUnavailableError } from '@docker-worker/worker-contract';
import type Dockerode from 'dockerode';
import pRetry, { AbortError } from 'p-retry';
import { engineMessage, isConnectionError, statusCodeOf } from './engine-errors.js';
import type { ImageReference } from './image-reference.js';
import type { MatchedCredentials } from './registry-credentials.js';
import { SharedWork } from './shared-work.js';

export interface PullOptions {
  /** The whole pull, retries included, must finish within this. */
  timeoutMs: number;
  /** Tries in all for transient failures (network, registry 5xx); 1 = no retry. */
  attempts: number;
  /** First retry delay; doubled per retry, and up to twice that at random (p-retry's `randomize`). */
  retryDelayMs: number;
}

/** What the task log is told about a finished pull. */
export interface PullSummary {
  /** Layers of the image (downloaded, or already present from other images). */
  layers: number;
  /** Bytes downloaded, as the engine's progress reported them. */
  bytes: number;
  durationMs: number;
}

/** The progress stream reported an error after the engine answered 200. */
class PullStreamError extends Error {}

/**
 * A transient failure handed to p-retry (which retries only `instanceof Error`; the engine's
 * errors may come from another realm), keeping what failed and how for the final message.
 */
class FailedAttempt extends Error {
  constructor(
    readonly kind: 'engine' | 'transient',
    readonly original: unknown,
  ) {
    super(engineMessage(original));
  }
}

/** Why a pull attempt failed, which decides retrying and the run's outcome. */
type FailureKind = 'image' | 'engine' | 'transient';

// What registries and the engine say when the image itself is the problem: retrying cannot help
// and the task is at fault (wrong name, private image without credentials).
const IMAGE_PROBLEM =
  /not found|manifest unknown|repository does not exist|pull access denied|unauthorized|authentication required|access .*denied|invalid reference format|no matching manifest|name unknown|no basic auth credentials/i;

export function classifyPullFailure(err: unknown): FailureKind {
  const status = statusCodeOf(err);
  // 408 and 429 (rate limits) pass with time; every other 4xx is about the image itself.
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return 'image';
  if (IMAGE_PROBLEM.test(engineMessage(err))) return 'image';
  if (isConnectionError(err)) return 'engine';
  return 'transient';
}

/** Counts layers and downloaded bytes from the engine's JSON progress events. */
class Progress {
  layers = new Set<string>();
  sizes = new Map<string, number>();
  error: string | undefined;

  add(event: { status?: unknown; id?: unknown; error?: unknown; errorDetail?: { message?: unknown }; progressDetail?: { total?: unknown } }): void {
    if (event.error !== undefined) {
      this.error = String(event.errorDetail?.message ?? event.error);
      return;
    }
    if (typeof event.id !== 'string') return;
    // The first event's id is the tag being pulled ("Pulling from …"); layers announce themselves
    // with one of these two statuses.
    if (event.status === 'Pulling fs layer' || event.status === 'Already exists') this.layers.add(event.id);
    // Both report the compressed layer's size; the engine throttles progress events, so a layer
    // that downloads in an instant may show no `Downloading` event, but it is still extracted.
    const total = event.progressDetail?.total;
    if ((event.status === 'Downloading' || event.status === 'Extracting') && typeof total === 'number' && total > 0) this.sizes.set(event.id, total);
  }

  get bytes(): number {
    let sum = 0;
    for (const size of this.sizes.values()) sum += size;
    return sum;
  }
}

/**
 * Pulls images through the Engine API, one pull per image name however many tasks want it.
 *
 * The original serialised every image operation through one promise chain (head-of-line
 * blocking across tasks) and had no pull timeout; here distinct images pull in parallel, equal
 * ones share one pull, and each pull has a deadline. A task that is canceled stops waiting at
 * once; the pull itself is only abandoned when no task waits for it any more.
 */
export class ImagePuller {
  #docker: Dockerode;
  #options: PullOptions;
  #inFlight = new SharedWork<PullSummary>();

  constructor(docker: Dockerode, options: PullOptions) {
    this.#docker = docker;
    this.#options = options;
  }

  /** True while a pull of that image name is under way. */
  pulling(name: string): boolean {
    for (const key of this.#inFlight.keys()) if (key === name || key.startsWith(`${name}@`)) return true;
    return false;
  }

  /** Pull `image`; rejects with ImageError when the image is the problem. */
  async pull(image: ImageReference, signal: AbortSignal, auth?: MatchedCredentials): Promise<PullSummary> {
    return this.#inFlight.run(
      image.ref,
      signal,
      (abandoned) => this.#pullWithRetries(image, abandoned, auth),
      () => new Error(`every task waiting for image "${image.name}" was aborted`),
    );
  }

  async #pullWithRetries(image: ImageReference, abandoned: AbortSignal, auth: MatchedCredentials | undefined): Promise<PullSummary> {
    const { timeoutMs, attempts, retryDelayMs } = this.#options;
    const started = Date.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error('pull timeout')), timeoutMs);
    const signal = AbortSignal.any([abandoned, deadline.signal]);
    const stopped = (): Error => {
      if (deadline.signal.aborted) {
        return new ResourceUnavailableError(`Image "${image.name}" could not be pulled within ${timeoutMs / 1000} s`);
      }
      return abandoned.reason instanceof Error ? abandoned.reason : new Error(String(abandoned.reason));
    };
    // Name the registry and user so a credentials problem is recognisable; never the password.
    const via = auth ? ` (from ${auth.registry} as ${auth.credentials.username})` : '';
    try {
      const progress = await pRetry(
        async () => {
          try {
            return await this.#pullOnce(image, signal, auth);
          } catch (err) {
            if (signal.aborted) throw new AbortError(stopped());
            const kind = classifyPullFailure(err);
            if (kind === 'image') throw new AbortError(new ImageError(`Image "${image.name}" could not be pulled${via}: ${engineMessage(err)}`, { cause: err }));
            throw new FailedAttempt(kind, err);
          }
        },
        { retries: Math.max(0, attempts - 1), minTimeout: retryDelayMs, factor: 2, randomize: true, signal },
      );
      return { layers: progress.layers.size, bytes: progress.bytes, durationMs: Date.now() - started };
    } catch (err) {
      if (signal.aborted) throw stopped();
      if (!(err instanceof FailedAttempt)) throw err;
      const message = engineMessage(err.original);
      // Nothing the task did: the queue runs it again, and the worker waits for the engine.
      if (err.kind === 'engine') throw new EngineUnavailableError(`Image "${image.name}" could not be pulled: the Docker engine is not reachable: ${message}`, { cause: err.original });
      throw new ResourceUnavailableError(`Image "${image.name}" could not be pulled after ${attempts} attempts: ${message}`, { cause: err.original });
    } finally {
      clearTimeout(timer);
    }
  }

  async #pullOnce(image: ImageReference, signal: AbortSignal, auth: MatchedCredentials | undefined): Promise<Progress> {
    const stream = (await this.#docker.createImage({
      fromImage: image.repository,
      tag: image.digest ?? image.tag ?? 'latest',
      abortSignal: signal,
      ...(auth && {
        authconfig: { username: auth.credentials.username, password: auth.credentials.password, serveraddress: auth.registry, ...(auth.credentials.email && { email: auth.credentials.email }) },
      }),
    })) as Readable;
    const progress = new Progress();
    const onAbort = () => stream.destroy(signal.reason instanceof Error ? signal.reason : new Error('pull aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // The progress stream is newline-delimited JSON. Read here rather than with
      // docker-modem's followProgress, which parses inside a 'data' listener (one malformed line
      // would throw out of an event handler and take the worker down) and reports a destroyed
      // stream as a successful end.
      const decoder = new StringDecoder('utf8');
      let pending = '';
      const consume = (text: string) => {
        pending += text;
        let newline: number;
        while ((newline = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (!line) continue;
          try {
            progress.add(JSON.parse(line) as Parameters<Progress['add']>[0]);
          } catch {
            // Not JSON: nothing we can count; the engine's verdict comes from errors and status.
          }
        }
      };
      for await (const chunk of stream) consume(decoder.write(chunk as Buffer));
      consume(`${decoder.end()}\n`);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    signal.throwIfAborted();
    if (progress.error !== undefined) throw new PullStreamError(progress.error);
    return progress;
  }
}
