import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from '@jest/globals';
import { DockerStreamDemuxer } from './demux.js';

function frame(stream: 1 | 2, payload: Buffer | string): Buffer {
  const data = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

async function demux(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new DockerStreamDemuxer(),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('DockerStreamDemuxer', () => {
  const wire = Buffer.concat([frame(1, 'hello '), frame(2, 'err\n'), frame(1, ''), frame(1, Buffer.alloc(70_000, 'x')), frame(2, 'end')]);
  const expected = Buffer.concat([Buffer.from('hello err\n'), Buffer.alloc(70_000, 'x'), Buffer.from('end')]);

  it('merges frames in wire order', async () => {
    expect((await demux([wire])).equals(expected)).toBe(true);
  });

  it('copes with headers and payloads split across chunks at any point', async () => {
    for (const size of [1, 3, 7, 8, 9, 4095]) {
      const chunks: Buffer[] = [];
      for (let offset = 0; offset < wire.length; offset += size) chunks.push(wire.subarray(offset, offset + size));
      expect((await demux(chunks)).equals(expected)).toBe(true);
    }
  });

  it('fails on data that is not framed', async () => {
    await expect(demux([Buffer.from('plain text, as a TTY would send it')])).rejects.toThrow(/unexpected data/);
  });

  it('holds the source back while nobody reads', async () => {
    const source = new PassThrough();
    const demuxer = new DockerStreamDemuxer();
    source.pipe(demuxer);
    const block = frame(1, Buffer.alloc(64 * 1024, 'y'));
    let accepted = 0;
    while (source.write(block) && accepted < 1000) accepted++;
    // The pipe stopped taking data after a few blocks instead of buffering all of them.
    expect(accepted).toBeLessThan(10);
    expect(demuxer.readableLength).toBeLessThan(4 * block.length);
    source.destroy();
    demuxer.destroy();
  });
});
