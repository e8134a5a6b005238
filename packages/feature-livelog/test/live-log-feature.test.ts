import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileTaskLog } from '@docker-worker/worker-contract';
import { BULK_LOG, bulkLogFeature } from '../src/bulk-log-feature.js';
import { createLiveLogFeature, liveLogFeature } from '../src/live-log-feature.js';
import { LiveLogServer } from '../src/live-log-server.js';
import { MemoryTaskLog, RecordingPublisher } from '@docker-worker/worker-contract/testing';
import { openReader, taskContext } from './helpers.js';

describe('the localLiveLog and bulkLog features', () => {
  let dir: string;
  let server: LiveLogServer;
  let count = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livelog-feature-'));
    server = new LiveLogServer({ host: '127.0.0.1', port: 0, publicHostname: '127.0.0.1' });
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const newLog = () => new FileTaskLog(join(dir, `task-${count++}.log`));
  /** The compressed copies left in the run directory (none once killed has run). */
  const compressedLeft = async () => (await readdir(dir)).filter((name) => name.endsWith('.gz'));

  it('link: live.log is a reference to the server; killed: gzip backing log, then live.log links to it', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = createLiveLogFeature({ server }).forTask(await taskContext(log, publisher, dir), {});
    log.info('header');
    await feature.link!();
    expect(publisher.calls).toEqual([
      { kind: 'reference', name: 'public/logs/live.log', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/log\/[0-9a-f]{64}$/), contentType: 'text/plain; charset=utf-8' },
    ]);
    const url = (publisher.calls[0] as { url: string }).url;
    const reader = await openReader(url);
    for (let i = 0; i < 10_000; i++) log.output.write(`output line ${i}\n`);
    await log.close();
    // Until the end of killed, a late reader still gets the whole log.
    const late = await openReader(url);
    expect(await late.ended).toBe('end');

    await feature.killed!({ state: 'completed' });
    const whole = await readFile(log.path);
    expect(await reader.ended).toBe('end');
    expect(reader.received()).toEqual(whole);
    expect(late.received()).toEqual(whole);
    const [upload] = publisher.uploadCalls();
    expect(upload!.request).toMatchObject({ name: 'public/logs/live_backing.log', contentType: 'text/plain; charset=utf-8', contentEncoding: 'gzip' });
    expect(upload!.request.contentLength).toBe(upload!.bytes.length);
    expect(gunzipSync(upload!.bytes)).toEqual(whole);
    expect(publisher.calls.at(-1)).toEqual({ kind: 'link', name: 'public/logs/live.log', target: 'public/logs/live_backing.log' });
    // No longer served, and the compressed copy is gone.
    expect((await openReader(url)).status).toBe(404);
    expect(await compressedLeft()).toEqual([]);
  });

  it('payload.log renames the live log and its backing twin', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = createLiveLogFeature({ server }).forTask(await taskContext(log, publisher, dir), { name: 'private/logs/custom.log' });
    await feature.link!();
    log.info('hi');
    await log.close();
    await feature.killed!({ state: 'failed' });
    expect(publisher.calls.map((c) => [c.kind, 'name' in c ? c.name : c.request.name])).toEqual([
      ['reference', 'private/logs/custom.log'],
      ['upload', 'private/logs/custom_backing.log'],
      ['link', 'private/logs/custom.log'],
    ]);
  });

  it('canceled: nothing uploaded, the log no longer served, no file left', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = createLiveLogFeature({ server }).forTask(await taskContext(log, publisher, dir), {});
    await feature.link!();
    const url = (publisher.calls[0] as { url: string }).url;
    log.info('canceled soon');
    await log.close();
    await feature.killed!({ state: 'canceled' });
    expect(publisher.calls.map((c) => c.kind)).toEqual(['reference']);
    expect((await openReader(url)).status).toBe(404);
    expect(await compressedLeft()).toEqual([]);
  });

  it('a payload that failed validation (only killed runs) still gets its backing log', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = createLiveLogFeature({ server }).forTask(await taskContext(log, publisher, dir), {});
    log.error('The task payload is invalid');
    await log.close();
    await feature.killed!({ state: 'exception', reason: 'malformed-payload' });
    expect(publisher.calls.map((c) => c.kind)).toEqual(['upload', 'link']);
    expect(gunzipSync(publisher.uploadCalls()[0]!.bytes).toString()).toContain('The task payload is invalid');
  });

  it('without a server (liveLogFeature): no reference, the backing log and link only', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = liveLogFeature.forTask(await taskContext(log, publisher, dir), {});
    await feature.link!();
    log.info('offline');
    await log.close();
    await feature.killed!({ state: 'completed' });
    expect(publisher.calls.map((c) => c.kind)).toEqual(['upload', 'link']);
  });

  it('bulkLog: the same gzip copy as terminal_bulk.log.gz (application/gzip), compressed once', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const ctx = await taskContext(log, publisher, dir);
    const features = [createLiveLogFeature({ server }).forTask(ctx, {}), bulkLogFeature.forTask(ctx, {})];
    for (const f of features) await f.link!();
    for (let i = 0; i < 1000; i++) log.output.write(`bulk ${i}\n`);
    await log.close();
    // killed hooks run in reverse order.
    for (const f of [...features].reverse()) await f.killed!({ state: 'completed' });
    const bulk = publisher.uploadCalls().find((u) => u.request.name === BULK_LOG)!;
    const backing = publisher.uploadCalls().find((u) => u.request.name === 'public/logs/live_backing.log')!;
    expect(bulk.request.contentType).toBe('application/gzip');
    expect(bulk.request.contentEncoding).toBeUndefined();
    expect(gunzipSync(bulk.bytes)).toEqual(await readFile(log.path));
    expect(bulk.bytes).toEqual(backing.bytes);
    expect(await compressedLeft()).toEqual([]);
  });

  it('a task log that is no file (MemoryTaskLog): the backing log gzip-encoded, or as it is where the storage serves no encoding', async () => {
    for (const servesContentEncoding of [true, false]) {
      const log = new MemoryTaskLog();
      const publisher = new RecordingPublisher({ servesContentEncoding });
      const feature = createLiveLogFeature({ server }).forTask(await taskContext(log, publisher, dir), {});
      await feature.link!();
      log.info('kept in memory');
      log.output.write('output\n');
      await log.close();
      await feature.killed!({ state: 'completed' });
      const [upload] = publisher.uploadCalls();
      const bytes = servesContentEncoding ? gunzipSync(upload!.bytes) : upload!.bytes;
      expect(bytes.toString()).toBe(log.text());
      expect(upload!.request.contentEncoding).toBe(servesContentEncoding ? 'gzip' : undefined);
      expect(await compressedLeft()).toEqual([]);
    }
  });

  it('bulkLog reserves its name; the live log takes a name option', () => {
    expect(createLiveLogFeature().optionsSchema?.properties).toHaveProperty('name');
    expect(bulkLogFeature.reservedArtifacts).toEqual([BULK_LOG]);
    expect(createLiveLogFeature().reservedArtifacts).toEqual(['public/logs/live.log', 'public/logs/live_backing.log']);
  });

  describe('checkHost', () => {
    const worker = { rootUrl: 'http://q', provisionerId: 'p', workerType: 'w', workerGroup: 'g', workerId: 'i', workerNodeType: 'n', host: 'localhost' };

    it('starts the server with the config section, the worker host in URLs by default', async () => {
      const own = new LiveLogServer();
      const feature = createLiveLogFeature({ server: own });
      try {
        expect(own.started).toBe(false);
        await expect(feature.checkHost!(worker, { port: 0 })).resolves.toBeUndefined();
        expect(own.started).toBe(true);
        expect(own.register(newLog()).url).toMatch(new RegExp(`^http://localhost:${own.port}/log/[0-9a-f]{64}$`));
        // Called again (a second worker sharing the server): it stays as it is.
        await expect(feature.checkHost!(worker, { port: 1 })).resolves.toBeUndefined();
      } finally {
        await own.stop();
      }
    });

    it('names the setting when the host cannot give the server its port or certificate', async () => {
      const taken = createLiveLogFeature({ server: new LiveLogServer() });
      await expect(taken.checkHost!(worker, { host: '127.0.0.1', port: server.port })).resolves.toMatch(/^features\.localLiveLog: the live log server cannot listen on 127\.0\.0\.1:\d+/);
      const noCert = createLiveLogFeature({ server: new LiveLogServer() });
      await expect(noCert.checkHost!(worker, { tls: { certificate: join(dir, 'none.pem'), key: join(dir, 'none.key') } })).resolves.toMatch(
        /^features\.localLiveLog\.tls\.certificate: cannot read /,
      );
    });

    it('has nothing to check without a server', async () => {
      await expect(liveLogFeature.checkHost!(worker, {})).resolves.toBeUndefined();
    });
  });
});
