import { spawn } from 'node:child_process';
import { Duplex, PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ImageError } from '@docker-worker/worker-contract';

/** What an image artifact's bytes are, as told by its first bytes (its name says nothing). */
export type ImageFormat = 'tar' | 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'lz4';

/** Enough bytes to see every signature below, the tar one included (at offset 257). */
export const SIGNATURE_BYTES = 512;

const MAGIC: Array<[ImageFormat, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]], // "BZh"
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]], // lz4 frame format (what `lz4` writes)
];

/** For the task log: "a plain tar", "a zstd-compressed tar". */
export function describeFormat(format: ImageFormat): string {
  return format === 'tar' ? 'a plain tar' : `a ${format}-compressed tar`;
}

/** True when a 512-byte tar header carries the ustar magic (POSIX "ustar\0" or GNU "ustar "). */
export function isTarHeader(head: Buffer): boolean {
  return head.length >= 263 && head.toString('latin1', 257, 262) === 'ustar';
}

export function detectImageFormat(head: Buffer): ImageFormat | undefined {
  for (const [format, magic] of MAGIC) {
    if (head.length >= magic.length && magic.every((byte, i) => head[i] === byte)) return format;
  }
  return isTarHeader(head) ? 'tar' : undefined;
}

/** The first bytes, in hex and as text, for an error message a person can act on. */
export function describeFirstBytes(head: Buffer): string {
  if (head.length === 0) return 'it is empty';
  const first = head.subarray(0, 16);
  const hex = [...first].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = first.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  return `its first bytes are ${hex} ("${text}")`;
}

/**
 * Reads the first `count` bytes of `source` (fewer if it ends first) and returns them with a
 * stream that yields every byte of `source`, those first ones included, so peeking loses
 * nothing. Destroying the returned stream ends `source` too.
 */
export async function peek(source: Readable, count: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < count) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  const rest = { [Symbol.asyncIterator]: () => iterator };
  const stream = Readable.from(
    (async function* () {
      if (head.length) yield head;
      // `yield*` hands a return() (the stream destroyed) on to the source's iterator.
      yield* rest;
    })(),
    { objectMode: false },
  );
  return { head: head.subarray(0, count), stream };
}

/**
 * A decoder from `format` to plain tar, as a stream, with a promise that settles when it is
 * done: gzip in process (zlib), the others through Debian's own programs (bzip2, xz, zstd, lz4),
 * which stream with bounded memory. A program's output ending does not say it succeeded: its
 * exit status does.
 */
export function decoderFor(format: ImageFormat): { stream: Duplex; done: Promise<void> } {
  if (format === 'tar') {
    const stream = new PassThrough();
    return { stream, done: Promise.resolve() };
  }
  if (format === 'gzip') {
    const stream = createGunzip();
    const done = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      // zlib's own errors carry a Z_ code; anything else is another stage's, passed on as is.
      stream.on('error', (err: NodeJS.ErrnoException) =>
        reject(err.code?.startsWith('Z_') ? new ImageError(`the image artifact is not valid gzip data: ${err.message}`) : err),
      );
    });
    return { stream, done };
  }
  const program = { bzip2: 'bzip2', xz: 'xz', zstd: 'zstd', lz4: 'lz4' }[format];
  const child = spawn(program, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stream = Duplex.from({ writable: child.stdin, readable: child.stdout });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  // The program's own pipes break when it gives up (EPIPE): those are not another stage's.
  const pipeErrors = new Set<Error>();
  // (A destroy of the duplex reaches the pipes too, with its own error: not a system call's.)
  for (const pipe of [child.stdin, child.stdout]) {
    pipe.on('error', (err: NodeJS.ErrnoException) => {
      if (err.syscall) pipeErrors.add(err);
    });
  }
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new Error(`cannot run ${program} to decompress the image (is it installed?): ${err.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      // Stopped because another stage failed (a download cut short, not a tar inside): that
      // stage's error is the one that says why, not the program's broken pipe.
      else if (stream.errored && !pipeErrors.has(stream.errored)) reject(stream.errored);
      else if (signal) reject(new ImageError(`${program} stopped by ${signal} while decompressing the image artifact`));
      else reject(new ImageError(`the image artifact is not valid ${format} data: ${stderr.trim() || `exit status ${code}`}`));
    });
  });
  done.catch((err: Error) => stream.destroy(err));
  // Destroying the duplex leaves the program's pipes open: it would wait for input, or to
  // write its output, forever. Closed, it sees the end of its input or a broken pipe and exits.
  stream.on('close', () => {
    child.stdin.destroy();
    child.stdout.destroy();
  });
  return { stream, done };
}
