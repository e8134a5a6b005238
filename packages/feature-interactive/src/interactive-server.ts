import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { InteractiveConfigError, type InteractiveServerConfig } from './interactive-config.js';

/** 32 random bytes: as hard to guess as a Taskcluster access token. */
const TOKEN_BYTES = 32;
export const SHELL_SOCKET = 'shell.sock';

/** What serves the sessions of one run. */
export type ShellHandler = (socket: WebSocket, query: URLSearchParams) => void;

/** One run's socket, until `unregister()`. */
export interface ShellRegistration {
  /** `ws(s)://<publicHostname>:<port>/<token>/shell.sock` */
  readonly socketUrl: string;
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
  #server: http.Server | undefined;
  #port: number | undefined;
  #wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  #handlers = new Map<string, ShellHandler>();
  #sockets = new Set<Socket>();

  constructor(config?: InteractiveServerConfig) {
    super();
    this.#config = config;
  }

  get started(): boolean {
    return this.#server !== undefined;
  }

  get port(): number {
    if (this.#port === undefined) throw new Error('the interactive server is not started');
    return this.#port;
  }

  /** Listen. Throws InteractiveConfigError when the certificate cannot be used or the port is taken. */
  async start(config?: InteractiveServerConfig): Promise<void> {
    if (this.#server) return;
    if (config) this.#config = config;
    if (!this.#config) throw new Error('the interactive server needs its host, port and publicHostname to start');
    const server = await createServer(this.#config);
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    const { host, port } = this.#config;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      throw new InteractiveConfigError(`features.interactive: the interactive server cannot listen on ${host}:${port}: ${(err as Error).message}`);
    }
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
  }

  /** Stop listening and drop every connection (runs close their sessions first, with a message). */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#port = undefined;
    const closed = once(server, 'close');
    server.close();
    for (const client of this.#wss.clients) client.terminate();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    this.#handlers.clear();
  }

  /** Serve a run's sessions through `handler` at a fresh unguessable path. */
  register(handler: ShellHandler): ShellRegistration {
    if (!this.#config || this.#port === undefined) throw new Error('the interactive server is not started');
    const token = randomBytes(TOKEN_BYTES).toString('hex');
    this.#handlers.set(token, handler);
    const { publicHostname, tls } = this.#config;
    const host = publicHostname.includes(':') && !publicHostname.startsWith('[') ? `[${publicHostname}]` : publicHostname;
    const socketUrl = `${tls ? 'wss' : 'ws'}://${host}:${this.#port}/${token}/${SHELL_SOCKET}`;
    this.emit('registered', { socketUrl });
    return { socketUrl, unregister: () => void this.#handlers.delete(token) };
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'ws://interactive');
    const match = /^\/([0-9a-f]+)\/shell\.sock$/.exec(url.pathname);
    const handler = match ? this.#handlers.get(match[1]!) : undefined;
    if (!handler) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nNo such interactive session: the URL is wrong, or its task run has ended.\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => handler(ws, url.searchParams));
  }
}

async function createServer({ tls }: InteractiveServerConfig): Promise<http.Server> {
  // Plain requests (not websocket upgrades) have nothing to get here.
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Upgrade: 'websocket' }).end('Interactive sessions are websockets.\n');
  };
  if (!tls) return http.createServer(handler);
  const read = async (key: 'certificate' | 'key') => {
    try {
      return await readFile(tls[key]);
    } catch (err) {
      throw new InteractiveConfigError(`features.interactive.tls.${key}: cannot read ${tls[key]}: ${(err as Error).message}`);
    }
  };
  const [cert, key] = [await read('certificate'), await read('key')];
  try {
    return https.createServer({ cert, key }, handler);
  } catch (err) {
    throw new InteractiveConfigError(`features.interactive.tls: ${tls.certificate} and ${tls.key} are not a usable PEM certificate and key: ${(err as Error).message}`);
  }
}
