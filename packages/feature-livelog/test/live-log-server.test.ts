import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTaskLog } from '@docker-worker/worker-contract';
import { LiveLogConfigError } from '../src/live-log-config.js';
import { LiveLogServer, type LiveLogRegisteredEvent } from '../src/live-log-server.js';
import { makeCertificate, openReader, until } from './helpers.js';

describe('LiveLogServer', () => {
  let dir: string;
  let server: LiveLogServer;
  let logs: FileTaskLog[];
  let count = 0;

  function newLog(): FileTaskLog {
    const log = new FileTaskLog(join(dir, `task-${count++}.log`));
    logs.push(log);
    return log;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livelog-server-'));
  });
  beforeEach(async () => {
    logs = [];
    server = new LiveLogServer({ host: '127.0.0.1', port: 0, publicHostname: 'localhost' });
    await server.start();
  });
  afterEach(async () => {
    await server.stop();
    await Promise.all(logs.map((log) => log.close()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an unknown token, another path or a bare /log/ answers 404; POST answers 405', async () => {
    newLog().info('secret');
    const base = `http://127.0.0.1:${server.port}`;
    for (const path of [`/log/${'0'.repeat(64)}`, '/', '/log/', '/logs']) {
      const reader = await openReader(`${base}${path}`);
      expect(reader.status).toBe(404);
      await reader.ended;
      expect(reader.received().toString()).not.toContain('secret');
    }
    const registration = server.register(newLog());
    const post = await openReader(registration.url.replace('localhost', '127.0.0.1'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('URLs carry the public hostname, the port and a 64-hex-digit token, different each time', () => {
    const log = newLog();
    const a = server.register(log).url;
    const b = server.register(log).url;
    expect(a).toMatch(new RegExp(`^http://localhost:${server.port}/log/[0-9a-f]{64}$`));
    expect(a).not.toBe(b);
  });

  it('a reader gets the log from its first byte, then follows it until it is closed', async () => {
    const log = newLog();
    log.info('first line');
    const { url } = server.register(log);
    const reader = await openReader(url);
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(reader.headers['transfer-encoding']).toBe('chunked');
    expect(reader.headers['x-accel-buffering']).toBe('no');
    expect(reader.headers['cache-control']).toContain('no-cache');
    await until('first line', () => reader.received().toString().includes('first line'));
    log.output.write('second part\n');
    await until('second part', () => reader.received().toString().includes('second part'));
    let ended = false;
    void reader.ended.then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(ended).toBe(false);
    log.info('last line');
    await log.close();
    expect(await reader.ended).toBe('end');
    const { readFile } = await import('node:fs/promises');
    expect(reader.received()).toEqual(await readFile(log.path));
  });

  it('a reader arriving after the log was closed gets all of it at once', async () => {
    const log = newLog();
    for (let i = 0; i < 1000; i++) log.output.write(`line ${i}\n`);
    await log.close();
    const reader = await openReader(server.register(log).url);
    expect(await reader.ended).toBe('end');
    expect(reader.received().toString().split('\n')).toHaveLength(1001);
  });

  it('HEAD answers the headers only', async () => {
    const log = newLog();
    log.info('hello');
    const reader = await openReader(server.register(log).url, { method: 'HEAD' });
    expect(reader.status).toBe(200);
    expect(await reader.ended).toBe('end');
    expect(reader.received().length).toBe(0);
  });

  it('unregister: new readers get 404, a connected reader still reads to the end', async () => {
    const log = newLog();
    log.info('before');
    const registration = server.register(log);
    const early = await openReader(registration.url);
    await until('before', () => early.received().toString().includes('before'));
    registration.unregister();
    expect((await openReader(registration.url)).status).toBe(404);
    log.info('after');
    await log.close();
    expect(await early.ended).toBe('end');
    expect(early.received().toString()).toContain('after');
  });

  it('stop() closes every reader and the port', async () => {
    const log = newLog();
    log.info('running');
    const { url } = server.register(log);
    const readers = await Promise.all([openReader(url), openReader(url)]);
    await until('two readers', () => server.readers === 2);
    const port = server.port;
    await server.stop();
    expect(await Promise.all(readers.map((r) => r.ended))).toEqual(['aborted', 'aborted']);
    expect(server.readers).toBe(0);
    await expect(openReader(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a reader that leaves frees its place (and its file handle)', async () => {
    const log = newLog();
    log.info('running');
    const reader = await openReader(server.register(log).url);
    await until('reader', () => server.readers === 1);
    reader.response.destroy();
    await until('reader gone', () => server.readers === 0);
  });

  it('emits `registered` with the URL and what it was told', () => {
    const events: LiveLogRegisteredEvent[] = [];
    server.on('registered', (event) => events.push(event));
    const { url } = server.register(newLog(), { taskId: 'abc', runId: 2 });
    expect(events).toEqual([{ url, taskId: 'abc', runId: 2 }]);
  });

  it('a client that takes nothing while data waits is dropped after the stall timeout; a quiet task is not', async () => {
    const stalling = new LiveLogServer({ host: '127.0.0.1', port: 0, publicHostname: '127.0.0.1', stallTimeoutMs: 300 });
    await stalling.start();
    try {
      const big = newLog();
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      for (let i = 0; i < 32; i++) big.output.write(chunk);
      await big.flush();
      const quiet = newLog();
      quiet.info('nothing more for a while');
      const bigPath = new URL(stalling.register(big).url).pathname;
      // A raw socket that sends the request and then never reads.
      const socket = net.connect(stalling.port, '127.0.0.1');
      socket.write(`GET ${bigPath} HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.pause();
      const quietReader = await openReader(stalling.register(quiet).url);
      await until('two readers', () => stalling.readers === 2);
      await until('stalled reader dropped', () => stalling.readers === 1, 5_000);
      await new Promise((r) => setTimeout(r, 700));
      expect(stalling.readers).toBe(1);
      quiet.info('still here');
      await until('quiet reader still served', () => quietReader.received().toString().includes('still here'));
      socket.destroy();
    } finally {
      await stalling.stop();
    }
  });

  it('https with the configured certificate and key', async () => {
    const tls = makeCertificate(dir);
    const secure = new LiveLogServer({ host: '127.0.0.1', port: 0, publicHostname: 'localhost', tls });
    await secure.start();
    try {
      const log = newLog();
      log.info('over tls');
      await log.close();
      const { url } = secure.register(log);
      expect(url).toMatch(/^https:\/\/localhost:\d+\/log\//);
      const reader = await openReader(url, { ca: tls.pem });
      expect(await reader.ended).toBe('end');
      expect(reader.received().toString()).toContain('over tls');
      await expect(openReader(url)).rejects.toThrow(/self[- ]signed/i);
    } finally {
      await secure.stop();
    }
  });

  it('an unreadable certificate or a taken port is a LiveLogConfigError naming the setting', async () => {
    const noCert = new LiveLogServer({ host: '127.0.0.1', port: 0, publicHostname: 'localhost', tls: { certificate: join(dir, 'nope.pem'), key: join(dir, 'nope.key') } });
    await expect(noCert.start()).rejects.toThrow(LiveLogConfigError);
    await expect(noCert.start()).rejects.toThrow(/tls\.certificate: cannot read .*nope\.pem/);
    const taken = new LiveLogServer({ host: '127.0.0.1', port: server.port, publicHostname: 'localhost' });
    await expect(taken.start()).rejects.toThrow(/features\.localLiveLog: the live log server cannot listen on 127\.0\.0\.1:\d+/);
  });
});
