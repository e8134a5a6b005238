import { randomBytes, createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { InternalError, type TaskFiles } from '@docker-worker/worker-contract';
import { IN_MEMORY_MAX } from '../src/collect-artifact.js';
import { artifactsFeature } from '../src/index.js';
import { RecordingPublisher, containerWith, containerWithArchive, rawTar, testContext } from './helpers.js';

const RESULT = { exitCode: 0, timedOut: false, durationMs: 10 };

async function collect(
  payloadArtifacts: Record<string, { type: 'file' | 'directory'; path: string; expires?: string }>,
  files: TaskFiles,
  options: { publisher?: RecordingPublisher; signal?: AbortSignal } = {},
) {
  const ctx = await testContext(options);
  const feature = artifactsFeature.forTask(ctx, { artifacts: payloadArtifacts });
  const error = await feature.stopped!({ ...RESULT, files }).then(
    () => undefined,
    (err: unknown) => err,
  );
  return { ctx, publisher: ctx.artifacts, log: ctx.log, error };
}

describe('artifacts feature: tar → artifacts', () => {
  it('takes the declared artifacts as its options and reserves no names', () => {
    expect(artifactsFeature.name).toBe('artifacts');
    expect(artifactsFeature.optionsSchema?.required).toEqual(['artifacts']);
    expect(artifactsFeature.reservedArtifacts ?? []).toEqual([]);
  });

  it('uploads a file under its artifact name with a content type from the name', async () => {
    const container = containerWith({ '/builds/out/report.html': '<p>hi</p>', '/builds/out/data.bin': Buffer.from([1, 2, 3]) });
    const { publisher, error, log } = await collect(
      {
        'public/report.html': { type: 'file', path: '/builds/out/report.html' },
        'public/data': { type: 'file', path: '/builds/out/data.bin' },
      },
      container,
    );
    expect(error).toBeUndefined();
    expect(publisher.text('public/report.html')).toBe('<p>hi</p>');
    expect(publisher.stored.get('public/report.html')!.contentType).toBe('text/html');
    expect(publisher.stored.get('public/data')!.contentType).toBe('application/octet-stream');
    expect([...publisher.stored.get('public/data')!.data]).toEqual([1, 2, 3]);
    expect(log.infos).toContain('Uploaded artifact "public/report.html" (1 file, 9 bytes)');
  });

  it('resolves a relative path from / (as the original did)', async () => {
    const { publisher, error } = await collect({ 'public/username.txt': { type: 'file', path: 'username.txt' } }, containerWith({ '/username.txt': 'root\n' }));
    expect(error).toBeUndefined();
    expect(publisher.text('public/username.txt')).toBe('root\n');
    expect(publisher.stored.get('public/username.txt')!.contentType).toBe('text/plain');
  });

  it('turns a directory into one artifact per file, named <name>/<relative path>', async () => {
    const container = containerWith({
      '/xfoo/a.txt': 'a',
      '/xfoo/wow/bar.txt': 'bar',
      '/xfoo/wow/deeper/c.json': '{}',
      '/elsewhere/x.txt': 'not this',
    });
    const { publisher, error } = await collect({ 'public/dir': { type: 'directory', path: '/xfoo' } }, container);
    expect(error).toBeUndefined();
    expect([...publisher.stored.keys()].sort()).toEqual(['public/dir/a.txt', 'public/dir/wow/bar.txt', 'public/dir/wow/deeper/c.json']);
    expect(publisher.text('public/dir/wow/bar.txt')).toBe('bar');
    expect(publisher.stored.get('public/dir/wow/deeper/c.json')!.contentType).toBe('application/json');
  });

  it('a trailing slash on the name or the path changes nothing', async () => {
    const { publisher } = await collect({ 'public/dir/': { type: 'directory', path: '/xfoo/' } }, containerWith({ '/xfoo/a.txt': 'a' }));
    expect([...publisher.stored.keys()]).toEqual(['public/dir/a.txt']);
  });

  it('a missing path becomes a file-missing-on-worker error artifact and a log line; the run goes on', async () => {
    const { publisher, error, log } = await collect(
      { 'public/missing.txt': { type: 'file', path: '/nope/missing.txt' }, 'public/there.txt': { type: 'file', path: '/there.txt' } },
      containerWith({ '/there.txt': 'yes' }),
    );
    expect(error).toBeUndefined();
    expect(publisher.errors.get('public/missing.txt')).toMatchObject({
      reason: 'file-missing-on-worker',
      message: 'Artifact "public/missing.txt" not found at "/nope/missing.txt"',
    });
    expect(log.infos).toContain('Artifact "public/missing.txt" not found at "/nope/missing.txt"');
    expect(log.errors).toEqual([]);
    expect(publisher.text('public/there.txt')).toBe('yes');
  });

  it('a directory declared as a file, and a file declared as a directory, are invalid-resource-on-worker', async () => {
    const container = containerWith({ '/d/a.txt': 'a', '/f.txt': 'f' });
    const { publisher, error, log } = await collect(
      { 'public/d': { type: 'file', path: '/d' }, 'public/f': { type: 'directory', path: '/f.txt' } },
      container,
    );
    expect(error).toBeUndefined();
    expect(publisher.stored.size).toBe(0);
    expect(publisher.errors.get('public/d')).toMatchObject({
      reason: 'invalid-resource-on-worker',
      message: 'Error uploading "public/d". Expected artifact to be a "file" but was "directory"',
    });
    expect(publisher.errors.get('public/f')).toMatchObject({
      reason: 'invalid-resource-on-worker',
      message: 'Error uploading "public/f". Expected artifact to be a "directory" but was "file"',
    });
    expect(log.errors.sort()).toEqual([
      'Error uploading "public/d". Expected artifact to be a "file" but was "directory"',
      'Error uploading "public/f". Expected artifact to be a "directory" but was "file"',
    ]);
  });

  it('skips symlinks, hard links and other non-regular entries inside a directory', async () => {
    const archive = await rawTar([
      { name: 'out/', type: 'directory' },
      { name: 'out/real.txt', type: 'file', data: 'real' },
      { name: 'out/passwd', type: 'symlink', linkname: '/etc/passwd' },
      { name: 'out/up', type: 'symlink', linkname: '../../..' },
      { name: 'out/hard', type: 'link', linkname: 'out/real.txt' },
      { name: 'out/pipe', type: 'fifo' },
      { name: 'out/empty/', type: 'directory' },
      { name: 'out/sub/inner.txt', type: 'file', data: 'inner' },
    ]);
    const { publisher, error } = await collect({ 'public/out': { type: 'directory', path: '/out' } }, containerWithArchive(archive));
    expect(error).toBeUndefined();
    expect([...publisher.stored.keys()].sort()).toEqual(['public/out/real.txt', 'public/out/sub/inner.txt']);
  });

  it('a symlink declared as a file is an invalid resource, not followed', async () => {
    const archive = await rawTar([{ name: 'link', type: 'symlink', linkname: '/etc/shadow' }]);
    const { publisher } = await collect({ 'public/link': { type: 'file', path: '/link' } }, containerWithArchive(archive));
    expect(publisher.stored.size).toBe(0);
    expect(publisher.errors.get('public/link')).toMatchObject({ reason: 'invalid-resource-on-worker', message: expect.stringContaining('but was "symlink"') });
  });

  it('never names an artifact outside its directory, whatever the archive says', async () => {
    const archive = await rawTar([
      { name: 'out/', type: 'directory' },
      { name: 'out/../../escape.txt', type: 'file', data: 'x' },
      { name: 'out/ok.txt', type: 'file', data: 'ok' },
    ]);
    const { publisher } = await collect({ 'public/out': { type: 'directory', path: '/out' } }, containerWithArchive(archive));
    expect([...publisher.stored.keys()]).toEqual(['public/out/ok.txt']);
  });

  it('uses the declared expires, else the task\'s', async () => {
    const container = containerWith({ '/a.txt': 'a', '/b.txt': 'b' });
    const expires = new Date(Date.now() + 3600_000).toISOString();
    const { publisher, ctx } = await collect(
      { 'public/a.txt': { type: 'file', path: '/a.txt', expires }, 'public/b.txt': { type: 'file', path: '/b.txt' }, 'public/c': { type: 'file', path: '/c' } },
      container,
    );
    expect(publisher.stored.get('public/a.txt')!.expires).toBe(expires);
    expect(publisher.stored.get('public/b.txt')!.expires).toBe(ctx.task.expires);
    expect(publisher.errors.get('public/c')!.expires).toBe(ctx.task.expires);
  });

  it('runs at most the publisher\'s number of uploads at once, and leaves no spooled file behind', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`/many/f${i}.bin`] = randomBytes(1000 + i);
    const publisher = new RecordingPublisher({ concurrency: 3 });
    publisher.delayMs = 5;
    const { error, ctx } = await collect({ 'public/many': { type: 'directory', path: '/many' } }, containerWith(files), { publisher });
    expect(error).toBeUndefined();
    expect(publisher.stored.size).toBe(40);
    expect(publisher.peakInFlight).toBe(3);
    for (let i = 0; i < 40; i++) {
      const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
      expect(sha(publisher.stored.get(`public/many/f${i}.bin`)!.data)).toBe(sha(files[`/many/f${i}.bin`]!));
    }
    expect(await readdir(ctx.workDir!)).toEqual([]);
  });

  it('uploads small files from memory and larger ones through the spool, every one with its bytes and content type', async () => {
    const sizes = { 'empty.txt': 0, 'small.json': 1024, 'edge.bin': IN_MEMORY_MAX, 'over.bin': IN_MEMORY_MAX + 1, 'large.html': 3 * IN_MEMORY_MAX + 17 };
    const files = Object.fromEntries(Object.entries(sizes).map(([name, size]) => [`/mixed/sub/${name}`, randomBytes(size)]));
    const { error, publisher, ctx } = await collect({ 'public/mixed': { type: 'directory', path: '/mixed' } }, containerWith(files));
    expect(error).toBeUndefined();
    expect(publisher.stored.size).toBe(5);
    const types = { 'empty.txt': 'text/plain', 'small.json': 'application/json', 'edge.bin': 'application/octet-stream', 'over.bin': 'application/octet-stream', 'large.html': 'text/html' };
    for (const [name, size] of Object.entries(sizes)) {
      const stored = publisher.stored.get(`public/mixed/sub/${name}`)!;
      expect(stored.data.equals(files[`/mixed/sub/${name}`]!)).toBe(true);
      expect(stored.contentLength).toBe(size);
      expect(stored.contentType).toBe(types[name as keyof typeof types]);
      const call = publisher.calls.find((c) => c.kind === 'upload' && c.request.name === `public/mixed/sub/${name}`);
      // In memory up to IN_MEMORY_MAX (the request carries the bytes), spooled above.
      expect(call?.kind === 'upload' && call.request.data !== undefined).toBe(size <= IN_MEMORY_MAX);
    }
    expect(await readdir(ctx.workDir!)).toEqual([]);
  });

  it('holds at most twice the upload slots of files in memory, however many the directory has', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 1000; i++) files[`/lots/d${i % 7}/f${i}.bin`] = randomBytes(64);
    const publisher = new RecordingPublisher({ concurrency: 4 });
    // Files handed to the publisher and not yet settled: each holds its bytes.
    let outstanding = 0;
    let peakOutstanding = 0;
    const upload = publisher.upload.bind(publisher);
    publisher.upload = (request) => {
      peakOutstanding = Math.max(peakOutstanding, ++outstanding);
      return upload(request).finally(() => outstanding--);
    };
    publisher.delayMs = 1;
    const { error } = await collect({ 'public/lots': { type: 'directory', path: '/lots' } }, containerWith(files), { publisher });
    expect(error).toBeUndefined();
    expect(publisher.stored.size).toBe(1000);
    expect(peakOutstanding).toBe(8);
    for (const [path, data] of Object.entries(files)) expect(publisher.stored.get(`public/lots${path.slice('/lots'.length)}`)!.data.equals(data)).toBe(true);
  });

  it('a truncated archive fails a spooled file too', async () => {
    const archive = await rawTar([{ name: 'big.bin', type: 'file', data: 'x'.repeat(IN_MEMORY_MAX + 5000) }]);
    const { error, publisher, ctx } = await collect({ 'public/big.bin': { type: 'file', path: '/big.bin' } }, containerWithArchive(archive.subarray(0, IN_MEMORY_MAX)));
    expect(error).toBeInstanceOf(InternalError);
    expect((error as Error).message).toMatch(/Could not read artifact "public\/big\.bin"|big\.bin/);
    expect(publisher.stored.size).toBe(0);
    expect(await readdir(ctx.workDir!)).toEqual([]);
  });

  it('an upload that fails after retries ends the run exception/internal-error, after the others were tried', async () => {
    const publisher = new RecordingPublisher();
    publisher.failing = { match: /b\.txt$/, error: new Error('PUT answered 500') };
    const { error, log } = await collect(
      { 'public/d': { type: 'directory', path: '/d' } },
      containerWith({ '/d/a.txt': 'a', '/d/b.txt': 'b', '/d/c.txt': 'c' }),
      { publisher },
    );
    expect(error).toBeInstanceOf(InternalError);
    expect((error as InternalError).outcome).toEqual({ state: 'exception', reason: 'internal-error' });
    expect((error as Error).message).toBe('Encountered error when uploading artifact(s): Error uploading "public/d/b.txt" artifact. PUT answered 500');
    expect(log.errors).toContain('Error uploading "public/d/b.txt" artifact. PUT answered 500');
    expect([...publisher.stored.keys()].sort()).toEqual(['public/d/a.txt', 'public/d/c.txt']);
  });

  it('an engine error other than a missing path is an internal error', async () => {
    const container = containerWith({});
    container.archive = async () => {
      throw new Error('engine exploded');
    };
    const { error } = await collect({ 'public/x': { type: 'file', path: '/x' } }, container);
    expect(error).toBeInstanceOf(InternalError);
    expect((error as Error).message).toMatch(/engine exploded/);
  });

  it('a truncated archive is an internal error, not a silently short artifact', async () => {
    const archive = await rawTar([{ name: 'big.bin', type: 'file', data: 'x'.repeat(5000) }]);
    const { error, publisher } = await collect({ 'public/big.bin': { type: 'file', path: '/big.bin' } }, containerWithArchive(archive.subarray(0, 2048)));
    expect(error).toBeInstanceOf(Error);
    expect(publisher.stored.size).toBe(0);
  });

  it('does nothing without artifacts', async () => {
    const ctx = await testContext();
    const feature = artifactsFeature.forTask(ctx, { artifacts: {} });
    await feature.stopped!({ ...RESULT, files: containerWith({}) });
    expect(ctx.artifacts.stored.size).toBe(0);
  });

  it('stops when the run is aborted', async () => {
    const abort = new AbortController();
    abort.abort(new Error('canceled'));
    const { error, publisher } = await collect({ 'public/a.txt': { type: 'file', path: '/a.txt' } }, containerWith({ '/a.txt': 'a' }), { signal: abort.signal });
    expect(error).toBeDefined();
    expect(publisher.stored.size).toBe(0);
    expect(publisher.errors.size).toBe(0);
  });
});
