import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { SpoolError, SpoolFile } from './spool-file.js';

async function dir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'spool-test-'));
}

describe('SpoolFile', () => {
  it('a reader started before the data arrives follows the writing to the end', async () => {
    const data = randomBytes(300_000);
    const spool = await SpoolFile.create(join(await dir(), 'a'), data.length);
    const entry = new PassThrough();
    const read = buffer(spool.reader());
    const filled = spool.fill(entry);
    for (let offset = 0; offset < data.length; offset += 50_000) {
      entry.write(data.subarray(offset, offset + 50_000));
      await new Promise((r) => setTimeout(r, 5));
    }
    entry.end();
    await filled;
    expect((await read).equals(data)).toBe(true);
    // A later reader (a retry) reads it all again, from disk.
    expect((await buffer(spool.reader())).equals(data)).toBe(true);
    expect((await readFile(spool.path)).equals(data)).toBe(true);
  });

  it('an empty file reads as empty', async () => {
    const spool = await SpoolFile.create(join(await dir(), 'empty'), 0);
    await spool.fill(Readable.from([]));
    expect(await buffer(spool.reader())).toHaveLength(0);
  });

  it('an entry shorter than its header fails the fill and every reader', async () => {
    const spool = await SpoolFile.create(join(await dir(), 'short'), 10);
    const read = buffer(spool.reader()).catch((err: unknown) => err);
    await expect(spool.fill(Readable.from([Buffer.from('abc')]))).rejects.toThrow(new SpoolError("the container's archive gave 3 bytes, its tar header said 10"));
    expect(await read).toBeInstanceOf(SpoolError);
    await expect(buffer(spool.reader())).rejects.toThrow(SpoolError);
  });

  it('a broken entry stream fails the readers with the cause', async () => {
    const spool = await SpoolFile.create(join(await dir(), 'broken'), 100);
    const entry = new PassThrough();
    const read = buffer(spool.reader()).catch((err: unknown) => err);
    const filled = spool.fill(entry).catch((err: unknown) => err);
    entry.write(Buffer.alloc(10));
    entry.destroy(new Error('engine went away'));
    expect(String(await filled)).toMatch(/engine went away/);
    expect(String(await read)).toMatch(/engine went away/);
  });

  it('never overwrites an existing file, and removes its own', async () => {
    const where = await dir();
    const spool = await SpoolFile.create(join(where, 'x'), 1);
    await expect(SpoolFile.create(join(where, 'x'), 1)).rejects.toThrow(/EEXIST/);
    await spool.fill(Readable.from([Buffer.from('x')]));
    await spool.remove();
    expect(await readdir(where)).toEqual([]);
  });
});
