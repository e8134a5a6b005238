// Against a stand-in deployment (a plain HTTP server that records what reaches it): what the
// embedded queue cannot show, large bodies both ways and which credentials signed a request.
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProxyServer } from '../src/index.js';

const MB = 1024 * 1024;

interface Seen {
  url: string;
  host: string | undefined;
  hawkId: string | undefined;
  bytes: number;
  sha256: string;
}

/** A server standing in for the deployment; `handle` answers after the body was read. */
async function deployment(handle: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void): Promise<{ rootUrl: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const record = { url: req.url ?? '', host: req.headers.host, hawkId: /id="([^"]*)"/.exec(req.headers.authorization ?? '')?.[1], bytes, sha256: hash.digest('hex') };
      seen.push(record);
      handle(req, res, record);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    rootUrl: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const oldCredentials = { clientId: 'task-client/old', accessToken: 'old-token' };
const newCredentials = { clientId: 'task-client/new', accessToken: 'new-token' };

async function proxyTo(rootUrl: string): Promise<{ server: ProxyServer; base: string }> {
  const server = new ProxyServer({ rootUrl, credentials: oldCredentials, authorizedScopes: ['queue:get-task:*'], clients: '127.0.0.0/8' });
  const port = await server.listen('127.0.0.1', 0);
  return { server, base: `http://127.0.0.1:${port}` };
}

describe('ProxyServer streaming and signing (stand-in deployment)', () => {
  it('streams a 10 MB upload to the service intact, signed by the proxy, not the task', async () => {
    const upstream = await deployment((_req, res) => res.end('stored'));
    const { server, base } = await proxyTo(upstream.rootUrl);
    try {
      const body = Buffer.alloc(10 * MB);
      for (let i = 0; i < body.length; i += 4096) body[i] = i % 251;
      const response = await fetch(`${base}/object/v1/upload/x?q=1`, { method: 'PUT', body, headers: { authorization: 'Hawk id="task-own"', 'content-type': 'application/octet-stream' } });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('stored');
      expect(upstream.seen).toEqual([
        { url: '/api/object/v1/upload/x?q=1', host: new URL(upstream.rootUrl).host, hawkId: 'task-client/old', bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') },
      ]);
    } finally {
      await server.close();
      await upstream.close();
    }
  });

  it('streams a 50 MB download through at the task reading pace, not holding it', async () => {
    const chunk = Buffer.alloc(MB, 7);
    let sent = 0;
    const upstream = await deployment((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(50 * MB) });
      const more = () => {
        while (sent < 50 * MB) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    const { server, base } = await proxyTo(upstream.rootUrl);
    try {
      let received = 0;
      let aheadMost = 0;
      await new Promise<void>((resolve, reject) => {
        http.get(`${base}/queue/v1/task/x/artifacts/big`, (res) => {
          expect(res.headers['content-length']).toBe(String(50 * MB));
          // A slow reader: the deployment may only be ahead by what the sockets and streams buffer.
          res.on('data', (data: Buffer) => {
            received += data.length;
            aheadMost = Math.max(aheadMost, sent - received);
            res.pause();
            setTimeout(() => res.resume(), 1);
          });
          res.on('end', resolve);
          res.on('error', reject);
        }).on('error', reject);
      });
      expect(received).toBe(50 * MB);
      // Loopback socket buffers (kernel autotuning) hold around 10 MB here; a proxy holding the
      // download would let the deployment run 50 MB ahead.
      expect(aheadMost).toBeLessThan(25 * MB);
    } finally {
      await server.close();
      await upstream.close();
    }
  });

  it('finishes a request in flight during a credentials swap with the old credentials; later ones use the new', async () => {
    const held: ServerResponse[] = [];
    const upstream = await deployment((_req, res) => {
      if (held.length === 0) held.push(res);
      else res.end('second');
    });
    const { server, base } = await proxyTo(upstream.rootUrl);
    try {
      const first = fetch(`${base}/queue/v1/task/a`);
      await until(() => held.length === 1);
      server.credentials = newCredentials;
      expect(await (await fetch(`${base}/queue/v1/task/b`)).text()).toBe('second');
      held[0]!.end('first');
      expect(await (await first).text()).toBe('first');
      expect(upstream.seen.map((s) => [s.url, s.hawkId])).toEqual([
        ['/api/queue/v1/task/a', 'task-client/old'],
        ['/api/queue/v1/task/b', 'task-client/new'],
      ]);
    } finally {
      await server.close();
      await upstream.close();
    }
  });

  it('answers 502 when the deployment cannot be reached', async () => {
    const upstream = await deployment((_req, res) => res.end());
    await upstream.close();
    const { server, base } = await proxyTo(upstream.rootUrl);
    try {
      const response = await fetch(`${base}/queue/v1/ping`);
      expect(response.status).toBe(502);
      expect(((await response.json()) as { message: string }).message).toMatch(/could not reach/);
    } finally {
      await server.close();
    }
  });
});

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
