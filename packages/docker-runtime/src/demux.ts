import { Transform, type TransformCallback } from 'node:stream';

const HEADER = 8;

/**
 * Turns the engine's multiplexed attach stream (containers created with `Tty: false`) into the
 * plain bytes the container printed, stdout and stderr merged in the order the engine framed
 * them.
 *
 * Each frame is an 8-byte header — stream type (0 stdin, 1 stdout, 2 stderr), three zero bytes,
 * payload length as uint32 big-endian — then the payload. Frames and chunks do not line up, so
 * a header may straddle chunks; payloads are passed on as slices of the incoming chunks, never
 * copied or concatenated.
 *
 * Written here rather than using docker-modem's `demuxStream` because that one writes to its
 * targets without looking at `write()`'s result (no backpressure) and concatenates its buffer on
 * every chunk. As a Transform, piping into this holds the attach socket back while the reader is
 * slow, so a container printing faster than the log can take is paused instead of filling memory.
 */
export class DockerStreamDemuxer extends Transform {
  #header = Buffer.alloc(HEADER);
  #headerFilled = 0;
  #payloadLeft = 0;
  #tagged: boolean;
  #stream: 'stdout' | 'stderr' = 'stdout';

  /**
   * `tagged`: push `{ stream, data }` objects (an exec's stdout and stderr kept apart) instead
   * of the merged bytes.
   */
  constructor(options: { tagged?: boolean } = {}) {
    super({ readableObjectMode: options.tagged === true });
    this.#tagged = options.tagged === true;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, chunk.length - offset);
        const data = chunk.subarray(offset, offset + take);
        this.push(this.#tagged ? { stream: this.#stream, data } : data);
        offset += take;
        this.#payloadLeft -= take;
        continue;
      }
      const take = Math.min(HEADER - this.#headerFilled, chunk.length - offset);
      chunk.copy(this.#header, this.#headerFilled, offset, offset + take);
      this.#headerFilled += take;
      offset += take;
      if (this.#headerFilled < HEADER) break;
      this.#headerFilled = 0;
      const streamType = this.#header[0] as number;
      if (streamType > 2 || this.#header[1] !== 0 || this.#header[2] !== 0 || this.#header[3] !== 0) {
        // Out of step with the framing: passing garbage on would corrupt the task log silently.
        callback(new Error(`unexpected data in the container's attach stream (header ${this.#header.toString('hex')})`));
        return;
      }
      this.#payloadLeft = this.#header.readUInt32BE(4);
      this.#stream = streamType === 2 ? 'stderr' : 'stdout';
    }
    callback();
  }
}
