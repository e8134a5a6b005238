import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import S3rver from 's3rver';
import type { RunQueue } from '../queue/queue-client.js';
import { QueueArtifactPublisher } from './queue-artifact-publisher.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const EXPIRES = new Date(Date.now() + 86400_000).toISOString();

/** A RunQueue stand-in whose createArtifact(s3) hands out `putUrl(name, contentType)`. */
function s3Queue(putUrl: (name: string, contentType: string) => string): RunQueue & { created: string[] } {
  const created: string[] = [];
  return {
    created,
    async createArtifact(name: string, request: Record<string, unknown>) {
      created.push(name);
      if (request.storageType !== 's3') return { storageType: request.storageType };
      return { storageType: 's3', putUrl: putUrl(name, String(request.contentType)), contentType: request.contentType, expires: request.expires };
    },
  } as unknown as RunQueue & { created: string[] };
}

/**
 * A query-string-signed S3 URL (signature version 2, which s3rver verifies; it accepts
 * version 4 without checking it). Content-Type is part of what is signed, as on AWS.
 */
function presign(endpoint: string, method: 'GET' | 'PUT', bucket: string, key: string, contentType = ''): string {
  const expires = Math.floor(Date.now() / 1000) + 900;
  const resource = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const signature = createHmac('sha1', 'S3RVER').update(`${method}\n\n${contentType}\n${expires}\n${resource}`).digest('base64');
  return `${endpoint}${resource}?AWSAccessKeyId=S3RVER&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
}

async function get(url: string): Promise<{ status: number; headers: Headers; body: Buffer }> {
  // Not fetch: it would decode Content-Encoding, and these tests want the stored bytes.
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      buffer(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: new Headers(res.headers as Record<string, string>), body }), reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('QueueArtifactPublisher against s3rver (an S3 implementation), through presigned PUT URLs', () => {
  let s3: S3rver;
  let endpoint: string;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3rver-'));
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: 'artifacts' }] });
    const { port } = await s3.run();
    endpoint = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  const publisher = () =>
    new QueueArtifactPublisher({
      queue: s3Queue((name, contentType) => presign(endpoint, 'PUT', 'artifacts', name, contentType)),
      storageType: 's3',
      taskExpires: EXPIRES,
    });

  it('streams a file there byte-exact with its content type, and reports its sha256 and size', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const p = publisher();
    const result = await p.upload({ name: 'public/build/target.bin', contentType: 'application/octet-stream', contentLength: data.length, source: () => Readable.from([data]) });
    expect(result).toEqual({ sha256: sha256(data), size: data.length });
    const stored = await get(presign(endpoint, 'GET', 'artifacts', 'public/build/target.bin'));
    expect(stored.status).toBe(200);
    expect(stored.headers.get('content-type')).toBe('application/octet-stream');
    expect(sha256(stored.body)).toBe(sha256(data));
    expect(p.uploads()).toEqual([{ name: 'public/build/target.bin', contentType: 'application/octet-stream', sha256: sha256(data), size: data.length }]);
  });

  it('keeps Content-Encoding gzip, and reports the sha256 of the decoded content a reader gets', async () => {
    const text = Buffer.from('line\n'.repeat(10_000));
    const gz = gzipSync(text);
    const result = await publisher().upload({
      name: 'public/logs/live_backing.log',
      contentType: 'text/plain; charset=utf-8',
      contentEncoding: 'gzip',
      contentLength: gz.length,
      source: () => Readable.from([gz]),
    });
    expect(result).toEqual({ sha256: sha256(text), size: gz.length });
    const stored = await get(presign(endpoint, 'GET', 'artifacts', 'public/logs/live_backing.log'));
    expect(stored.headers.get('content-encoding')).toBe('gzip');
    expect(stored.body.equals(gz)).toBe(true);
  });

  it('a Content-Type other than the signed one is refused (403) and not retried', async () => {
    const queue = s3Queue((name) => presign(endpoint, 'PUT', 'artifacts', name, 'text/plain'));
    const p = new QueueArtifactPublisher({ queue, storageType: 's3', taskExpires: EXPIRES, minRetryDelay: 1 });
    await expect(p.upload({ name: 'public/x.html', contentType: 'text/html', contentLength: 2, source: () => Readable.from([Buffer.from('hi')]) })).rejects.toThrow(/answered 403/);
    expect(queue.created).toHaveLength(1);
    expect(p.uploads()).toEqual([]);
  });
});

/** A PUT sink whose answers a test scripts: a status per attempt, or 'reset' to cut the connection. */
class Sink {
  server!: Server;
  url!: string;
  script: Array<number | 'reset'> = [];
  received: Buffer[] = [];
  attempts = 0;
  inFlight = 0;
  peakInFlight = 0;
  holdMs = 0;

  async start(): Promise<void> {
    // A client that gives up mid-body makes handle() reject: nothing to answer then.
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.attempts++;
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    try {
      const step = this.script.shift() ?? 200;
      if (step === 'reset') {
        req.socket.destroy();
        return;
      }
      const body = await buffer(req);
      if (this.holdMs) await new Promise((r) => setTimeout(r, this.holdMs));
      if (step === 200) this.received.push(body);
      res.writeHead(step, { 'content-length': '0' }).end();
    } finally {
      this.inFlight--;
    }
  }
}

describe('QueueArtifactPublisher retries, limits and aborts', () => {
  const sink = new Sink();
  beforeAll(() => sink.start());
  afterAll(() => sink.stop());
  beforeEach(() => {
    Object.assign(sink, { script: [], received: [], attempts: 0, peakInFlight: 0, holdMs: 0 });
  });

  const publisher = (options: { concurrency?: number; hashContent?: boolean } = {}) =>
    new QueueArtifactPublisher({ queue: s3Queue((name) => `${sink.url}/${name}`), storageType: 's3', taskExpires: EXPIRES, minRetryDelay: 5, ...options });
  const request = (data: Buffer, name = 'public/a.bin') => ({ name, contentType: 'application/octet-stream', contentLength: data.length, source: () => Readable.from([data]) });

  it('retries 5xx answers and dropped connections with a fresh stream, then succeeds', async () => {
    sink.script = [500, 'reset', 503];
    const data = randomBytes(200_000);
    const result = await publisher().upload(request(data));
    expect(sink.attempts).toBe(4);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.equals(data)).toBe(true);
    expect(result?.sha256).toBe(sha256(data));
  });

  it('without hashContent uploads the same bytes but hashes nothing and lists nothing', async () => {
    const data = randomBytes(200_000);
    const p = publisher({ hashContent: false });
    expect(await p.upload(request(data))).toBeUndefined();
    expect(sink.received[0]!.equals(data)).toBe(true);
    expect(p.uploads()).toEqual([]);
  });

  it('gives up after the retries', async () => {
    sink.script = Array(10).fill(500);
    await expect(publisher().upload(request(Buffer.from('x')))).rejects.toThrow(/answered 500/);
    expect(sink.attempts).toBe(6);
  });

  it('does not retry a 4xx answer, nor a source of the wrong length', async () => {
    sink.script = [400];
    await expect(publisher().upload(request(Buffer.from('x')))).rejects.toThrow(/answered 400/);
    expect(sink.attempts).toBe(1);
    const short = { ...request(Buffer.from('abc')), contentLength: 10 };
    await expect(publisher().upload(short)).rejects.toThrow(/declared 10 bytes but its source gave 3/);
  });

  it('runs at most `concurrency` uploads at once', async () => {
    sink.holdMs = 30;
    const p = publisher({ concurrency: 2 });
    expect(p.maxConcurrentUploads).toBe(2);
    await Promise.all(Array.from({ length: 8 }, (_, i) => p.upload(request(randomBytes(1000), `public/f${i}`))));
    expect(sink.received).toHaveLength(8);
    expect(sink.peakInFlight).toBe(2);
    expect(p.uploads().map((u) => u.name).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `public/f${i}`).sort());
  });

  describe('with the bytes in memory (`data`)', () => {
    // A source that must not be read: the publisher sends `data` itself.
    const inMemory = (data: Buffer, name = 'public/a.bin') => ({
      ...request(data, name),
      data,
      source: (): Readable => {
        throw new Error('source() read although the data was given');
      },
    });

    it('sends them as they are, retrying 5xx answers and dropped connections, and hashes them', async () => {
      sink.script = [500, 'reset'];
      const data = randomBytes(1024);
      const p = publisher();
      expect(await p.upload(inMemory(data))).toEqual({ sha256: sha256(data), size: 1024 });
      expect(sink.attempts).toBe(3);
      expect(sink.received).toHaveLength(1);
      expect(sink.received[0]!.equals(data)).toBe(true);
      expect(p.uploads()).toEqual([{ name: 'public/a.bin', contentType: 'application/octet-stream', sha256: sha256(data), size: 1024 }]);
    });

    it('hashes nothing without hashContent, and refuses data of another length than declared without sending it', async () => {
      const data = randomBytes(10);
      expect(await publisher({ hashContent: false }).upload(inMemory(data))).toBeUndefined();
      expect(sink.received[0]!.equals(data)).toBe(true);
      await expect(publisher().upload({ ...inMemory(data), contentLength: 11 })).rejects.toThrow(/declared 11 bytes but its source gave 10/);
      expect(sink.attempts).toBe(1);
    });

    it('lists a name uploaded twice once, with its latest content, after the others', async () => {
      const p = publisher();
      const [a1, b, a2] = [randomBytes(5), randomBytes(6), randomBytes(7)];
      await p.upload(inMemory(a1, 'public/a'));
      await p.upload(inMemory(b, 'public/b'));
      await p.upload(inMemory(a2, 'public/a'));
      expect(p.uploads().map((u) => [u.name, u.sha256])).toEqual([
        ['public/b', sha256(b)],
        ['public/a', sha256(a2)],
      ]);
    });
  });

  it('stops retrying once the signal aborts', async () => {
    sink.script = Array(10).fill(500);
    const abort = new AbortController();
    const p = new QueueArtifactPublisher({ queue: s3Queue((name) => `${sink.url}/${name}`), storageType: 's3', taskExpires: EXPIRES, minRetryDelay: 200 });
    const upload = p.upload({ ...request(Buffer.from('x')), signal: abort.signal });
    await new Promise((r) => setTimeout(r, 50));
    abort.abort(new Error('run canceled'));
    await expect(upload).rejects.toThrow();
    const attempts = sink.attempts;
    await new Promise((r) => setTimeout(r, 400));
    expect(sink.attempts).toBe(attempts);
  });
});

describe('QueueArtifactPublisher with object storage', () => {
  // The object service keeps no content encoding: gzip bytes would reach every reader as gzip.
  it('says it serves no content encoding, and refuses a gzip upload before creating anything', async () => {
    const queue = s3Queue(() => 'http://unused/');
    const p = new QueueArtifactPublisher({ queue, storageType: 'object', taskExpires: EXPIRES });
    expect(p.servesContentEncoding).toBe(false);
    expect(new QueueArtifactPublisher({ queue, storageType: 's3', taskExpires: EXPIRES }).servesContentEncoding).toBe(true);
    const gz = gzipSync('text');
    await expect(
      p.upload({ name: 'public/logs/live_backing.log', contentType: 'text/plain', contentEncoding: 'gzip', contentLength: gz.length, source: () => Readable.from([gz]) }),
    ).rejects.toThrow("artifact public/logs/live_backing.log: object artifacts have no content encoding, so 'gzip' cannot be uploaded");
    expect(queue.created).toEqual([]);
  });
});
