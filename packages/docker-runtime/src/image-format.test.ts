import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { ImageError } from '@docker-worker/worker-contract';
import tar from 'tar-stream';
import { decoderFor, describeFirstBytes, detectImageFormat, type ImageFormat, peek } from './image-format.js';

async function tarball(): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: 'manifest.json' }, '[]');
  pack.entry({ name: 'layer/data' }, Buffer.alloc(100_000, 7));
  pack.finalize();
  return buffer(pack);
}

/** Compressed by the real programs, as an image-building task would. */
function compress(format: ImageFormat, data: Buffer): Buffer {
  if (format === 'tar') return data;
  if (format === 'gzip') return gzipSync(data);
  return execFileSync(format, ['-c', '-q'], { input: data, maxBuffer: 1 << 26 });
}

const FORMATS: ImageFormat[] = ['tar', 'gzip', 'bzip2', 'xz', 'zstd', 'lz4'];

/** A stream of `data` in chunks of `size` bytes, to show peeking across chunk boundaries. */
function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  return Readable.from(chunks);
}

describe('image archive formats', () => {
  let plain: Buffer;
  beforeAll(async () => {
    plain = await tarball();
  });

  it.each(FORMATS)('tells %s from its first bytes and decodes it back to the same tar', async (format) => {
    const data = compress(format, plain);
    const { head, stream } = await peek(chunked(data, 7), 512);
    expect(detectImageFormat(head)).toBe(format);
    const decoder = decoderFor(format);
    const [decoded] = await Promise.all([buffer(stream.pipe(decoder.stream)), decoder.done]);
    expect(decoded.equals(plain)).toBe(true);
  });

  it('peeking loses no byte and copes with a stream shorter than the peek', async () => {
    const data = Buffer.from('0123456789');
    const { head, stream } = await peek(chunked(data, 3), 512);
    expect(head.toString()).toBe('0123456789');
    expect((await buffer(stream)).toString()).toBe('0123456789');
    const empty = await peek(Readable.from([]), 512);
    expect(empty.head.length).toBe(0);
    expect((await buffer(empty.stream)).length).toBe(0);
  });

  it('knows none of zip, text or nothing, and says what it found', () => {
    const zip = Buffer.from('504b0304140000000800', 'hex');
    expect(detectImageFormat(zip)).toBeUndefined();
    expect(describeFirstBytes(zip)).toBe('its first bytes are 50 4b 03 04 14 00 00 00 08 00 ("PK........")');
    expect(detectImageFormat(Buffer.from('<html>not found</html>'))).toBeUndefined();
    expect(describeFirstBytes(Buffer.alloc(0))).toBe('it is empty');
  });

  it.each(['gzip', 'xz', 'zstd', 'lz4', 'bzip2'] as ImageFormat[])('corrupt %s data fails as an ImageError naming the format', async (format) => {
    const data = compress(format, plain);
    // Keep the signature, spoil what follows.
    const corrupt = Buffer.concat([data.subarray(0, 12), Buffer.alloc(4096, 0x55)]);
    const decoder = decoderFor(format);
    Readable.from([corrupt]).pipe(decoder.stream).resume();
    decoder.stream.on('error', () => {});
    const failure = await decoder.done.catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ImageError);
    expect((failure as Error).message).toContain(`not valid ${format} data`);
  });

  it.each(['zstd', 'lz4'] as ImageFormat[])('a %s decoder destroyed half way (a canceled task) ends its program with the destroyer\'s error', async (format) => {
    const decoder = decoderFor(format);
    const data = compress(format, plain);
    decoder.stream.on('error', () => {});
    decoder.stream.write(data.subarray(0, data.length >> 1));
    decoder.stream.destroy(new Error('task canceled'));
    await expect(decoder.done).rejects.toThrow('task canceled');
  });
});
