import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskLog } from '@docker-worker/worker-contract';

/** A chunk this big is a full read of the log file: pass it on at once. */
const FULL_CHUNK = 64 * 1024;
/** How long a reader that caught up with the task waits before reading again. */
const SETTLE_MS = 10;

/**
 * The log from its first byte, following it until it is closed (TaskLog.createReader), in
 * chunks worth handing on.
 *
 * A container prints in small frames (4 KB is common), and a follower that has caught up wakes
 * for each one: a read, a gzip call or an HTTP chunk per frame, which costs more CPU than the
 * bytes themselves and takes it from the engine streaming the task's output. So once a reader
 * has caught up (its stream holds nothing more) and got only a little, it waits 10 ms before
 * reading on: then it reads what accumulated in one go. Small chunks that did arrive together are
 * joined. A reader that is behind is never held back, and the delay is too short for a person
 * watching a live log to notice.
 */
export function pacedReader(log: TaskLog, options: { signal?: AbortSignal } = {}): Readable {
  return Readable.from(paced(log, options.signal), { objectMode: false, signal: options.signal });
}

async function* paced(log: TaskLog, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  const reader = log.createReader({ follow: true, signal });
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of reader as AsyncIterable<Buffer>) {
    pending.push(chunk);
    size += chunk.length;
    const caughtUp = reader.readableLength === 0;
    if (size < FULL_CHUNK && !caughtUp) continue;
    yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
    const small = size < FULL_CHUNK;
    pending = [];
    size = 0;
    if (small && caughtUp && !log.closed) await sleep(SETTLE_MS, undefined, { signal });
  }
  if (size > 0) yield Buffer.concat(pending, size);
}
