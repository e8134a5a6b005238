import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileTaskLog } from './file-task-log.js';

const fixedClock = () => new Date('2026-01-02T03:04:05.678Z');

async function collect(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('FileTaskLog', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tasklog-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('masks secrets in output written in pieces, in notices, for followers and in the file; bytesWritten counts what was written', async () => {
    const log = new FileTaskLog(join(dir, 'log'), { clock: fixedClock, mask: ['s3cr3t-value'] });
    const follower = collect(log.createReader({ follow: true }));
    for (const piece of ['token: s3c', 'r3t-', 'value\n', 'tail s3cr3t-val']) {
      await new Promise<void>((resolve, reject) => log.output.write(Buffer.from(piece), (err) => (err ? reject(err) : resolve())));
    }
    log.error('the server said s3cr3t-value is wrong');
    log.output.write('ue again s3cr3t-value');
    await log.close();
    const expected =
      'token: [masked]\n' +
      'tail s3cr3t-val\n[taskcluster:error] the server said [masked] is wrong\n' +
      'ue again [masked]';
    expect(await readFile(log.path, 'utf8')).toBe(expected);
    expect(await follower).toBe(expected);
    expect(await collect(log.createReader())).toBe(expected);
    expect(log.bytesWritten).toBe(Buffer.byteLength(expected));
  });

  it('formats notices, errors and warnings on fresh lines, keeping output order', async () => {
    const log = new FileTaskLog(join(dir, 'log'), { clock: fixedClock });
    log.info('Task ID: abc');
    log.output.write('partial line');
    log.error('boom');
    log.output.write('half');
    log.warn('payload.x is ignored');
    log.output.write('next\n');
    log.info('two\nlines');
    await log.close();
    expect(await readFile(log.path, 'utf8')).toBe(
      '[taskcluster 2026-01-02T03:04:05.678Z] Task ID: abc\n' +
        'partial line\n[taskcluster:error] boom\n' +
        'half\n[taskcluster:warning] payload.x is ignored\n' +
        'next\n' +
        '[taskcluster 2026-01-02T03:04:05.678Z] two\n[taskcluster 2026-01-02T03:04:05.678Z] lines\n',
    );
    expect(log.bytesWritten).toBe((await readFile(log.path)).length);
  });

  it('ending output does not close the log', async () => {
    const log = new FileTaskLog(join(dir, 'log'), { clock: fixedClock });
    await pipeline(Readable.from([Buffer.from('out\n')]), log.output);
    expect(log.closed).toBe(false);
    log.info('footer');
    await log.close();
    expect(await readFile(log.path, 'utf8')).toContain('out\n[taskcluster');
  });

  it('a following reader gets everything from the first byte until close', async () => {
    const log = new FileTaskLog(join(dir, 'log'));
    log.output.write('early\n');
    await log.flush();
    const reader = collect(log.createReader({ follow: true }));
    for (let i = 0; i < 50; i++) log.output.write(`line ${i}\n`);
    await new Promise((r) => setTimeout(r, 20));
    log.output.write('late\n');
    await log.close();
    const text = await reader;
    expect(text).toBe(await readFile(log.path, 'utf8'));
    expect(text.startsWith('early\nline 0\n')).toBe(true);
    expect(text.endsWith('late\n')).toBe(true);
  });

  it('a reader without follow stops at what was written', async () => {
    const log = new FileTaskLog(join(dir, 'log'));
    log.output.write('a\n');
    await log.flush();
    expect(await collect(log.createReader())).toBe('a\n');
    await log.close();
  });

  it('refuses writes after close and close is idempotent', async () => {
    const log = new FileTaskLog(join(dir, 'log'));
    await log.close();
    await log.close();
    log.info('ignored');
    log.output.on('error', () => {});
    await expect(
      new Promise<void>((resolve, reject) => log.output.write('x', (err) => (err ? reject(err) : resolve()))),
    ).rejects.toThrow(/closed/);
  });

  it('keeps a large log byte-exact', async () => {
    const log = new FileTaskLog(join(dir, 'log'));
    const block = Buffer.alloc(1024 * 1024, 'x');
    const source = Readable.from((function* () {
      for (let i = 0; i < 20; i++) yield block;
    })());
    const reader = collect(log.createReader({ follow: true }));
    await pipeline(source, log.output);
    await log.close();
    expect((await reader).length).toBe(20 * 1024 * 1024);
  });
});

describe('FileTaskLog on a full disk', () => {
  // /dev/full answers every write with ENOSPC, as a full filesystem does.
  it('fails the writer, rejects flush and close, and emits nothing unhandled', async () => {
    const log = new FileTaskLog('/dev/full');
    log.info('header');
    const writing = pipeline(Readable.from([Buffer.alloc(256 * 1024, 'x'), Buffer.alloc(256 * 1024, 'y')]), log.output);
    await expect(writing).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(log.failure).toMatchObject({ code: 'ENOSPC' });
    await expect(log.flush()).rejects.toMatchObject({ code: 'ENOSPC' });
    // Notices after the failure are dropped, not thrown: the footer path must not crash.
    log.error('footer');
    await expect(log.close()).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(log.close()).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('a follower ends instead of waiting for bytes that will never come', async () => {
    const log = new FileTaskLog('/dev/full');
    const reader = log.createReader({ follow: true });
    const ended = new Promise<void>((resolve, reject) => reader.on('end', resolve).on('error', reject).resume());
    // A writer of `output` gets the error as any Writable's writer does ('error' and callback).
    log.output.on('error', () => {});
    const written = new Promise((resolve) => log.output.write(Buffer.alloc(128 * 1024), resolve));
    await ended;
    expect(await written).toMatchObject({ code: 'ENOSPC' });
    await expect(log.close()).rejects.toMatchObject({ code: 'ENOSPC' });
  });
});
