import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { authorizationHeader, signedUrl, type Credentials } from '@docker-worker/worker-contract';
import { proxyTarget } from './proxy-target.js';
import { inSubnet } from './subnet.js';

/** Sent as `X-Taskcluster-Proxy-Version`: this package's version, read from its package.json. */
export const PROXY_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Headers that describe one connection, not the request: never forwarded either way. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** A `/bewit` body is one URL: anything longer is not one. */
const MAX_BEWIT_BODY = 64 * 1024;

export interface ProxyServerOptions {
  rootUrl: string;
  credentials: Credentials;
  /** What every signed request is limited to (Hawk `authorizedScopes`). */
  authorizedScopes: readonly string[];
  /** Only connections from this IPv4 range (CIDR) are served; the others are dropped at once. */
  clients: string;
}

/**
 * One run's proxy: signs each request with the run's credentials as they were when it arrived
 * (a swap applies to later requests only) and forwards it, bodies streamed both ways, status,
 * headers and redirects passed back unchanged.
 */
export class ProxyServer {
  #options: ProxyServerOptions;
  #credentials: Credentials;
  #server: http.Server;
  /** Keeps connections to the deployment open across a task's calls. */
  #agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(options: ProxyServerOptions) {
    this.#options = options;
    this.#credentials = options.credentials;
    this.#server = http.createServer((req, res) => this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      if (!inSubnet(socket.remoteAddress, options.clients)) socket.destroy();
    });
  }

  /** New requests are signed with these; requests in flight finish with the ones they started with. */
  set credentials(credentials: Credentials) {
    this.#credentials = credentials;
  }

  /** Starts listening; resolves with the port (the one given, or the one picked for port 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops listening and drops every connection: the task's later requests fail to connect. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
      this.#agents.http.destroy();
      this.#agents.https.destroy();
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const credentials = this.#credentials;
    const path = req.url ?? '/';
    if (path === '/bewit' || path.startsWith('/bewit?')) {
      if (req.method !== 'POST') return reply(res, 405, { message: 'POST the URL to sign to /bewit' });
      void this.#bewit(req, res, credentials);
      return;
    }
    const target = proxyTarget(this.#options.rootUrl, path);
    if ('error' in target) return reply(res, 404, { message: target.error });
    this.#forward(req, res, target.url, credentials);
  }

  #forward(req: IncomingMessage, res: ServerResponse, url: string, credentials: Credentials): void {
    const method = req.method ?? 'GET';
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      // The task's own Host and Authorization are replaced: the request is the proxy's to sign.
      if (!HOP_BY_HOP.has(name) && name !== 'host' && name !== 'authorization' && value !== undefined) headers[name] = value;
    }
    headers.authorization = authorizationHeader(url, method, credentials, this.#options.authorizedScopes);
    const secure = url.startsWith('https:');
    const upstream = (secure ? https : http).request(url, { method, headers, agent: secure ? this.#agents.https : this.#agents.http });
    upstream.on('response', (answer) => {
      const out: OutgoingHttpHeaders = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
      }
      out['x-taskcluster-endpoint'] = url;
      out['x-taskcluster-proxy-version'] = PROXY_VERSION;
      out['x-taskcluster-authorized-scopes'] = JSON.stringify(this.#options.authorizedScopes);
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, out);
      pipeline(answer, res, () => {});
    });
    // The task went away: so does the request it made.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    // The request body's pipeline and the upstream request both report a failure to connect: one answer.
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      if (!res.headersSent) reply(res, 502, { message: `The proxy could not reach ${url}: ${err.message}` });
      else res.destroy(err);
    };
    upstream.on('error', fail);
    pipeline(req, upstream, (err) => {
      if (err) fail(err);
    });
  }

  /** `POST /bewit` with a URL: answers 303 with the URL signed for an hour, in Location and the body. */
  async #bewit(req: IncomingMessage, res: ServerResponse, credentials: Credentials): Promise<void> {
    let body = '';
    try {
      for await (const chunk of req) {
        body += String(chunk);
        if (body.length > MAX_BEWIT_BODY) return reply(res, 400, { message: 'the /bewit body must be one URL' });
      }
    } catch {
      return;
    }
    const url = this.#bewitTarget(body.trim());
    if ('error' in url) return reply(res, 400, { message: url.error });
    const signed = signedUrl(url.url, credentials, this.#options.authorizedScopes);
    res.writeHead(303, { location: signed, 'content-type': 'text/plain; charset=utf-8', 'x-taskcluster-proxy-version': PROXY_VERSION });
    res.end(signed);
  }

  /** The URL to sign: one on the deployment, or a proxy URL (`http://taskcluster/...`) mapped onto it. */
  #bewitTarget(text: string): { url: string } | { error: string } {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return { error: `the /bewit body must be an absolute URL (got ${JSON.stringify(text.slice(0, 200))})` };
    }
    if (parsed.hostname === 'taskcluster') return proxyTarget(this.#options.rootUrl, `${parsed.pathname}${parsed.search}`);
    const root = new URL(this.#options.rootUrl);
    if (parsed.origin !== root.origin) return { error: `the proxy signs URLs of ${root.origin} only (got ${parsed.origin})` };
    return { url: text };
  }
}

function reply(res: ServerResponse, status: number, body: { message: string }): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'application/json', 'x-taskcluster-proxy-version': PROXY_VERSION });
  res.end(JSON.stringify({ code: status === 404 ? 'ResourceNotFound' : 'ProxyError', message: body.message }));
}
