import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { FeatureServer } from '@docker-worker/worker-contract';
import { WebSocketServer, type WebSocket } from 'ws';
import { InteractiveConfigError, type InteractiveServerConfig } from './interactive-config.js';

/** 32 random bytes: as hard to guess as a Taskcluster access token. */
const TOKEN_BYTES = 32;
export const SHELL_SOCKET = 'shell.sock';
export const DISPLAY_SOCKET = 'display.sock';
export const DISPLAY_LISTING = 'displays';

/** What serves the sessions of one run. */
export type ShellHandler = (socket: WebSocket, query: URLSearchParams) => void;

/** What a run's display listing answers: a JSON value, or an error (503 with its message). */
export type DisplaysHandler = () => Promise<unknown>;

/** A run's display endpoints, next to its shell under the same token. */
export interface DisplayHandlers {
  /** `display.sock`: raw RFB bytes for a VNC client. */
  display: ShellHandler;
  /** `GET displays`: the container's X displays. */
  displays: DisplaysHandler;
}

/** One run's socket, until `unregister()`. */
export interface ShellRegistration {
  /** `ws(s)://<publicHostname>:<port>/<token>/shell.sock` */
  readonly socketUrl: string;
  /** `ws(s)://…/<token>/display.sock` (with display handlers) */
  readonly displaySocketUrl?: string;
  /** `http(s)://…/<token>/displays` (with display handlers) */
  readonly displaysUrl?: string;
  /** No new session reaches the run; sessions open stay the run's to close. */
  unregister(): void;
}

/**
 * The interactive server: one per worker process, on its own port, serving each interactive
 * run's shell socket at an unguessable path. A request for any other path (a wrong token, a run
 * that ended) is answered 404 before the websocket is accepted, so it never reaches a container.
 */
export interface InteractiveServerEvents {
  /** A run's socket was registered (`worker run` prints it, so a terminal can connect). */
  registered: [{ socketUrl: string }];
}

export class InteractiveServer extends EventEmitter<InteractiveServerEvents> {
  #config: InteractiveServerConfig | undefined;
  #server: FeatureServer | undefined;
  #wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  #handlers = new Map<string, { shell: ShellHandler } & Partial<DisplayHandlers>>();

  constructor(config?: InteractiveServerConfig) {
    super();
    this.#config = config;
  }

  get started(): boolean {
    return this.#server !== undefined;
  }

  get port(): number {
    if (!this.#server) throw new Error('the interactive server is not started');
    return this.#server.port;
  }

  /** Listen. Throws InteractiveConfigError when the certificate cannot be used or the port is taken. */
  async start(config?: InteractiveServerConfig): Promise<void> {
    if (this.#server) return;
    if (config) this.#config = config;
    if (!this.#config) throw new Error('the interactive server needs its host, port and publicHostname to start');
    this.#server = await FeatureServer.listen(this.#config, (req, res) => this.#request(req, res), {
      configKey: 'features.interactive',
      what: 'interactive server',
      toError: (message) => new InteractiveConfigError(message),
    });
    this.#server.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  /** Stop listening and drop every connection (runs close their sessions first, with a message). */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await server.close(() => {
      for (const client of this.#wss.clients) client.terminate();
    });
    this.#handlers.clear();
  }

  /** Serve a run's sessions through `handler` (and its display through `display`) at a fresh unguessable path. */
  register(handler: ShellHandler, display?: DisplayHandlers): ShellRegistration {
    if (!this.#config || !this.#server) throw new Error('the interactive server is not started');
    const token = randomBytes(TOKEN_BYTES).toString('hex');
    this.#handlers.set(token, { shell: handler, ...display });
    const { publicHostname, tls } = this.#config;
    const host = publicHostname.includes(':') && !publicHostname.startsWith('[') ? `[${publicHostname}]` : publicHostname;
    const base = `${host}:${this.#server.port}/${token}`;
    const socketUrl = `${tls ? 'wss' : 'ws'}://${base}/${SHELL_SOCKET}`;
    this.emit('registered', { socketUrl });
    return {
      socketUrl,
      ...(display && { displaySocketUrl: `${tls ? 'wss' : 'ws'}://${base}/${DISPLAY_SOCKET}`, displaysUrl: `${tls ? 'https' : 'http'}://${base}/${DISPLAY_LISTING}` }),
      unregister: () => void this.#handlers.delete(token),
    };
  }

  /** The run and endpoint a path names: `/<token>/<endpoint>`. */
  #route(path: string): { handlers: { shell: ShellHandler } & Partial<DisplayHandlers>; endpoint: string } | undefined {
    const match = /^\/([0-9a-f]+)\/([a-z.]+)$/.exec(path);
    const handlers = match ? this.#handlers.get(match[1]!) : undefined;
    return handlers ? { handlers, endpoint: match![2]! } : undefined;
  }

  /**
   * Plain requests: only a run's display listing, for the UI's display page on another origin
   * (so any origin may read it: the unguessable path is what guards it, as for the sockets).
   */
  #request(req: http.IncomingMessage, res: http.ServerResponse): void {
    const route = this.#route(new URL(req.url ?? '/', 'http://interactive').pathname);
    const displays = route?.endpoint === DISPLAY_LISTING ? route.handlers.displays : undefined;
    if (!displays) {
      const known = route?.endpoint === SHELL_SOCKET || (route?.endpoint === DISPLAY_SOCKET && route.handlers.display);
      if (known) res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' }).end('Interactive sessions are websockets.\n');
      else res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(NOT_FOUND);
      return;
    }
    const cors = { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET, OPTIONS' };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { ...cors, Allow: 'GET, OPTIONS' }).end();
    const json = { ...cors, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' };
    displays().then(
      (value) => res.writeHead(200, json).end(JSON.stringify(value)),
      (err: Error) => res.writeHead(503, json).end(JSON.stringify({ message: err.message })),
    );
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'ws://interactive');
    const route = this.#route(url.pathname);
    const handler = route?.endpoint === SHELL_SOCKET ? route.handlers.shell : route?.endpoint === DISPLAY_SOCKET ? route.handlers.display : undefined;
    if (!handler) {
      socket.end(`HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${NOT_FOUND}`);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => handler(ws, url.searchParams));
  }
}

const NOT_FOUND = 'No such interactive session: the URL is wrong, or its task run has ended.\n';

