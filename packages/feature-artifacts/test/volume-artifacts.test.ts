import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MalformedPayloadError, type Bind, type ContainerAdditions, type TaskFeature } from '@docker-worker/worker-contract';
import { IN_MEMORY_MAX } from '../src/collect-artifact.js';
import { artifactsFeature } from '../src/index.js';
import { containerWith, testContext, type RecordingPublisher } from './helpers.js';

const RESULT = { exitCode: 0, timedOut: false, durationMs: 10 };
const SHUTDOWN = { state: 'exception', reason: 'worker-shutdown' } as const;

type Declared = Record<string, { type: 'file' | 'directory' | 'volume'; path: string; expires?: string }>;

/** The feature linked (volumes made) and the task started, as the run does. */
async function linked(declared: Declared, options: { publisher?: RecordingPublisher; files?: Record<string, string>; runDirectory?: boolean } = {}) {
  const ctx = await testContext({ publisher: options.publisher });
  // Contexts without a run directory: the feature makes a directory of its own.
  if (options.runDirectory === false) delete (ctx as { workDir?: string }).workDir;
  const feature: TaskFeature = artifactsFeature.forTask(ctx, { artifacts: declared });
  const additions = (await feature.link!()) as ContainerAdditions | undefined;
  await feature.started!();
  const files = containerWith(options.files ?? {});
  /** The task's end: its `stopped` hook. */
  const stop = () => feature.stopped!({ ...RESULT, files });
  const binds = additions?.binds ?? [];
  /** The host directory mounted at `containerPath`. */
  const hostDir = (containerPath: string): string => binds.find((b: Bind) => b.containerPath === containerPath)!.hostPath;
  return { ctx, feature, stop, binds, hostDir, publisher: ctx.artifacts, log: ctx.log };
}

describe('artifacts feature: volume artifacts', () => {
  it('mounts a fresh, empty directory anyone may write, under the run directory, read-write at each volume path', async () => {
    const { binds, ctx } = await linked({ 'public/a': { type: 'volume', path: '/builds/a/' }, 'public/b': { type: 'volume', path: 'b' }, 'public/f': { type: 'file', path: '/f' } });
    expect(binds.map((b) => b.containerPath)).toEqual(['/builds/a', '/b']);
    expect(new Set(binds.map((b) => b.hostPath)).size).toBe(2);
    for (const bind of binds) {
      expect(bind.readOnly).toBeFalsy();
      expect(bind.hostPath.startsWith(`${ctx.workDir}/`)).toBe(true);
      expect((await stat(bind.hostPath)).mode & 0o777).toBe(0o777);
      expect(await readdir(bind.hostPath)).toEqual([]);
    }
  });

  it('refuses a volume at /, two at one path, and one where a cache is mounted, naming the fields', async () => {
    const ctx = await testContext();
    const options = {
      mounts: { '/builds/cache': 'payload.cache["level-1"]' },
      artifacts: {
        'public/root': { type: 'volume', path: '/' },
        'public/a': { type: 'volume', path: '/out' },
        'public/b': { type: 'volume', path: '/out/' },
        'public/c': { type: 'volume', path: '/builds/cache' },
      },
    } as const;
    const error = await artifactsFeature.forTask(ctx, options).link!().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MalformedPayloadError);
    expect((error as MalformedPayloadError).problems).toEqual([
      'payload.artifacts["public/root"].path: a volume cannot be mounted at "/"',
      'payload.artifacts["public/b"].path: "/out" is already where payload.artifacts["public/a"].path is mounted',
      'payload.artifacts["public/c"].path: "/builds/cache" is already where payload.cache["level-1"] is mounted',
    ]);
    expect(await readdir(ctx.workDir!)).toEqual([]);
  });

  it('adds nothing to the container without volume artifacts', async () => {
    const { binds } = await linked({ 'public/f': { type: 'file', path: '/f' } });
    expect(binds).toEqual([]);
  });

  it('publishes every regular file as <name>/<relative path>, with content types and expiry; links, fifos and empty directories are not followed or published', async () => {
    const expires = new Date(Date.now() + 3600_000).toISOString();
    const { stop, hostDir, publisher, log, ctx } = await linked({ 'public/out/': { type: 'volume', path: '/out', expires }, 'public/other': { type: 'volume', path: '/other' } });
    const dir = hostDir('/out');
    await mkdir(join(dir, 'wow/deeper'), { recursive: true });
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'index.html'), '<p>hi</p>');
    await writeFile(join(dir, 'wow/deeper/data.json'), '{}');
    const outside = join(tmpdir(), `volume-outside-${process.pid}`);
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(join(outside, 'secret.txt'), join(dir, 'secret-link.txt'));
    await symlink(outside, join(dir, 'outside-dir'));
    await promisify(execFile)('mkfifo', [join(dir, 'fifo')]);
    await writeFile(join(hostDir('/other'), 'x.bin'), Buffer.from([1, 2]));

    await stop();
    expect([...publisher.stored.keys()].sort()).toEqual(['public/other/x.bin', 'public/out/index.html', 'public/out/wow/deeper/data.json']);
    expect(publisher.stored.get('public/out/index.html')).toMatchObject({ contentType: 'text/html', expires });
    expect(publisher.stored.get('public/out/wow/deeper/data.json')).toMatchObject({ contentType: 'application/json' });
    expect(publisher.stored.get('public/other/x.bin')).toMatchObject({ contentType: 'application/octet-stream', expires: ctx.task.expires });
    expect(publisher.text('public/out/index.html')).toBe('<p>hi</p>');
    expect(publisher.errors.size).toBe(0);
    expect(log.infos).toContain('Uploaded artifact "public/out/" (2 files, 11 bytes)');
    await rm(outside, { recursive: true });
  });

  it('sends small files from memory and larger ones streamed, each with its bytes', async () => {
    const { stop, hostDir, publisher } = await linked({ 'public/v': { type: 'volume', path: '/v' } });
    const sizes = { 'empty.txt': 0, 'small.bin': 1024, 'edge.bin': IN_MEMORY_MAX, 'over.bin': IN_MEMORY_MAX + 1 };
    const written: Record<string, Buffer> = {};
    for (const [name, size] of Object.entries(sizes)) await writeFile(join(hostDir('/v'), name), (written[name] = randomBytes(size)));
    await stop();
    for (const [name, size] of Object.entries(sizes)) {
      expect(publisher.stored.get(`public/v/${name}`)!.data.equals(written[name]!)).toBe(true);
      const call = publisher.calls.find((c) => c.kind === 'upload' && c.request.name === `public/v/${name}`);
      expect(call?.kind === 'upload' && call.request.data !== undefined).toBe(size <= IN_MEMORY_MAX);
    }
  });

  it('a volume directory gone or turned into something else becomes an error artifact, as for a directory', async () => {
    const { stop, hostDir, publisher, log } = await linked({ 'public/gone': { type: 'volume', path: '/gone' }, 'public/swapped': { type: 'volume', path: '/swapped' } });
    await rm(hostDir('/gone'), { recursive: true });
    await rm(hostDir('/swapped'), { recursive: true });
    await symlink('/etc', hostDir('/swapped'));
    await stop();
    expect(publisher.errors.get('public/gone')).toMatchObject({ reason: 'file-missing-on-worker', message: 'Artifact "public/gone" not found at "/gone"' });
    expect(publisher.errors.get('public/swapped')).toMatchObject({
      reason: 'invalid-resource-on-worker',
      message: 'Error uploading "public/swapped". Expected artifact to be a "directory" but was "symlink"',
    });
    expect(publisher.stored.size).toBe(0);
    expect(log.errors).toContain('Artifact "public/gone" not found at "/gone"');
  });

  it('on a worker shutdown, `killed` publishes the volumes (and only them), leaving them in the run directory the run removes', async () => {
    const { ctx, feature, hostDir, publisher, binds } = await linked(
      { 'public/vol': { type: 'volume', path: '/vol' }, 'public/dir': { type: 'directory', path: '/dir' } },
      { files: { '/dir/a.txt': 'a' } },
    );
    await writeFile(join(hostDir('/vol'), 'saved.txt'), 'saved');
    await feature.killed!(SHUTDOWN);
    expect([...publisher.stored.keys()]).toEqual(['public/vol/saved.txt']);
    // Removed with the run's directory, after the resolution, not before it.
    for (const bind of binds) {
      expect(bind.hostPath.startsWith(`${ctx.workDir}/`)).toBe(true);
      expect((await stat(bind.hostPath)).isDirectory()).toBe(true);
    }
  });

  it('without a run directory, `killed` removes the directory it made for the volumes', async () => {
    const { ctx, feature, hostDir, publisher, binds } = await linked({ 'public/vol': { type: 'volume', path: '/vol' } }, { runDirectory: false });
    expect(ctx.workDir).toBeUndefined();
    await writeFile(join(hostDir('/vol'), 'saved.txt'), 'saved');
    await feature.killed!(SHUTDOWN);
    expect([...publisher.stored.keys()]).toEqual(['public/vol/saved.txt']);
    for (const bind of binds) await expect(stat(bind.hostPath)).rejects.toThrow(/ENOENT/);
  });

  it('after `stopped` published them, a shutdown publishes nothing twice', async () => {
    const { feature, stop, hostDir, publisher } = await linked({ 'public/vol': { type: 'volume', path: '/vol' } });
    await writeFile(join(hostDir('/vol'), 'a.txt'), 'a');
    await stop();
    await feature.killed!(SHUTDOWN);
    expect(publisher.uploads().map((u) => u.name)).toEqual(['public/vol/a.txt']);
  });

  it('uploads interrupted in `stopped` are the ones a shutdown publishes', async () => {
    const { feature, stop, hostDir, publisher } = await linked({ 'public/vol': { type: 'volume', path: '/vol' } });
    await writeFile(join(hostDir('/vol'), 'a.txt'), 'a');
    await writeFile(join(hostDir('/vol'), 'b.txt'), 'b');
    publisher.failing = { match: /b\.txt$/, error: new Error('aborted') };
    await expect(stop()).rejects.toThrow(/public\/vol\/b\.txt/);
    publisher.failing = undefined;
    await feature.killed!(SHUTDOWN);
    expect(publisher.uploads().map((u) => u.name)).toEqual(['public/vol/a.txt', 'public/vol/b.txt']);
  });

  it.each([
    ['canceled', { state: 'canceled' } as const],
    ['completed', { state: 'completed' } as const],
  ])('a %s run publishes nothing in `killed`; volumes of their own directory are removed', async (_label, outcome) => {
    const { feature, hostDir, publisher, binds } = await linked({ 'public/vol': { type: 'volume', path: '/vol' } }, { runDirectory: false });
    await writeFile(join(hostDir('/vol'), 'a.txt'), 'a');
    await feature.killed!(outcome);
    expect(publisher.stored.size).toBe(0);
    await expect(stat(binds[0]!.hostPath)).rejects.toThrow(/ENOENT/);
  });
});
