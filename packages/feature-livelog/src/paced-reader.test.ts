import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTaskLog } from '@docker-worker/worker-contract';
import { pacedReader } from './paced-reader.js';

describe('pacedReader', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paced-reader-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('follows a log written in small frames with far fewer, larger chunks, and the same bytes', async () => {
    const log = new FileTaskLog(join(dir, 'frames.log'));
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of pacedReader(log)) chunks.push(chunk as Buffer);
    })();
    const frame = Buffer.alloc(4096, 'frame\n');
    for (let i = 0; i < 100; i++) {
      for (let j = 0; j < 10; j++) log.output.write(frame);
      await new Promise((r) => setTimeout(r, 2));
    }
    await log.close();
    await reading;
    expect(Buffer.concat(chunks)).toEqual(await readFile(log.path));
    expect(chunks.length).toBeLessThan(300);
  });

  it('a closed log is read whole, in full chunks', async () => {
    const log = new FileTaskLog(join(dir, 'closed.log'));
    log.output.write(Buffer.alloc(1024 * 1024, 'x'));
    await log.close();
    const chunks: Buffer[] = [];
    for await (const chunk of pacedReader(log)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).length).toBe(1024 * 1024);
    expect(chunks.every((c) => c.length === 64 * 1024)).toBe(true);
  });

  it('stops waiting when its signal is aborted', async () => {
    const log = new FileTaskLog(join(dir, 'open.log'));
    log.info('nothing more');
    const abort = new AbortController();
    const reader = pacedReader(log, { signal: abort.signal });
    const closed = new Promise((resolve) => reader.once('close', resolve));
    reader.resume();
    reader.on('error', () => {});
    await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await closed;
    await log.close();
  });
});
