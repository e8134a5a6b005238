import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FileTaskLog } from '@docker-worker/worker-contract';
import { BULK_LOG, bulkLogFeature } from '../src/bulk-log-feature.js';
import { createLiveLogFeature, liveLogFeature } from '../src/live-log-feature.js';
import { LiveLogServer } from '../src/live-log-server.js';
import { RecordingPublisher, openReader, taskContext } from './helpers.js';

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

  it('link: live.log is a reference to the server; killed: gzip backing log, then live.log links to it', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = createLiveLogFeature({ server }).forTask(taskContext(log, publisher));
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
    expect(existsSync(`${log.path}.gz`)).toBe(false);
  });

  it('payload.log renames the live log and its backing twin', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = createLiveLogFeature({ server }).forTask(taskContext(log, publisher, { log: 'private/logs/custom.log' }));
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
    const feature = createLiveLogFeature({ server }).forTask(taskContext(log, publisher));
    await feature.link!();
    const url = (publisher.calls[0] as { url: string }).url;
    log.info('canceled soon');
    await log.close();
    await feature.killed!({ state: 'canceled' });
    expect(publisher.calls.map((c) => c.kind)).toEqual(['reference']);
    expect((await openReader(url)).status).toBe(404);
    expect(existsSync(`${log.path}.gz`)).toBe(false);
  });

  it('a payload that failed validation (only killed runs) still gets its backing log', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = createLiveLogFeature({ server }).forTask(taskContext(log, publisher));
    log.error('The task payload is invalid');
    await log.close();
    await feature.killed!({ state: 'exception', reason: 'malformed-payload' });
    expect(publisher.calls.map((c) => c.kind)).toEqual(['upload', 'link']);
    expect(gunzipSync(publisher.uploadCalls()[0]!.bytes).toString()).toContain('The task payload is invalid');
  });

  it('without a server (liveLogFeature): no reference, the backing log and link only', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const feature = liveLogFeature.forTask(taskContext(log, publisher));
    await feature.link!();
    log.info('offline');
    await log.close();
    await feature.killed!({ state: 'completed' });
    expect(publisher.calls.map((c) => c.kind)).toEqual(['upload', 'link']);
  });

  it('bulkLog: the same gzip copy as terminal_bulk.log.gz (application/gzip), compressed once', async () => {
    const log = newLog();
    const publisher = new RecordingPublisher();
    const ctx = taskContext(log, publisher, { features: { bulkLog: true } });
    const features = [createLiveLogFeature({ server }).forTask(ctx), bulkLogFeature.forTask(ctx)];
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
    expect(existsSync(`${log.path}.gz`)).toBe(false);
  });

  it('bulkLog is off by default and reserves its name', () => {
    expect(bulkLogFeature.defaultEnabled).toBe(false);
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
