import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/** A feature server's TLS settings: PEM files of its certificate (chain) and private key. */
export interface ServerTls {
  certificate: string;
  key: string;
}

/** Where a feature server listens, as its worker config section gives it. */
export interface FeatureServerSettings {
  host: string;
  /** 0: any free port. */
  port: number;
  tls?: ServerTls;
}

/** How its problems are named: `configKey` is the section (`features.localLiveLog`), `what` the server. */
export interface FeatureServerNaming {
  configKey: string;
  what: string;
  toError: (message: string) => Error;
}

/**
 * The listening HTTP(S) server of a feature that serves readers from outside the machine (the
 * live log, interactive sessions). A certificate that cannot be read or used, or a port that
 * cannot be listened on, is `naming.toError(message)` with the message naming the setting, so
 * the worker refuses to start naming it. It tracks its connections, so `close` ends them all.
 */
export class FeatureServer {
  readonly #sockets = new Set<Socket>();

  private constructor(
    readonly server: http.Server,
    readonly port: number,
  ) {
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  static async listen(settings: FeatureServerSettings, handler: http.RequestListener, naming: FeatureServerNaming): Promise<FeatureServer> {
    const server = await createServer(settings.tls, handler, naming);
    const { host, port } = settings;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      throw naming.toError(`${naming.configKey}: the ${naming.what} cannot listen on ${host}:${port}: ${(err as Error).message}`);
    }
    return new FeatureServer(server, (server.address() as AddressInfo).port);
  }

  /** Stops listening and destroys every connection left once `endClients` has had its say. */
  async close(endClients: () => void = () => {}): Promise<void> {
    const closed = once(this.server, 'close');
    this.server.close();
    endClients();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

async function createServer(tls: ServerTls | undefined, handler: http.RequestListener, { configKey, toError }: FeatureServerNaming): Promise<http.Server> {
  if (!tls) return http.createServer(handler);
  const read = async (key: keyof ServerTls) => {
    try {
      return await readFile(tls[key]);
    } catch (err) {
      throw toError(`${configKey}.tls.${key}: cannot read ${tls[key]}: ${(err as Error).message}`);
    }
  };
  const [cert, key] = [await read('certificate'), await read('key')];
  try {
    return https.createServer({ cert, key }, handler);
  } catch (err) {
    throw toError(`${configKey}.tls: ${tls.certificate} and ${tls.key} are not a usable PEM certificate and key: ${(err as Error).message}`);
  }
}

/** Loopback names: a URL with one of them only works on this machine anyway. */
function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * A feature server's settings from its (validated) config section. `publicHostname` defaults to
 * the worker's `host`. The bind address defaults to loopback when that name is a loopback name
 * (a local `worker run`: nothing outside can use the URL, so nothing outside should reach the
 * port) and to every interface otherwise; the port to 0 (any free one).
 */
export function featureServerSettings(
  section: { host?: string; port?: number; publicHostname?: string; tls?: ServerTls },
  defaults: { publicHostname: string },
): FeatureServerSettings & { publicHostname: string } {
  const publicHostname = section.publicHostname?.trim() || defaults.publicHostname;
  const host = section.host?.trim() || (isLoopback(publicHostname) ? '127.0.0.1' : '0.0.0.0');
  return { host, port: section.port ?? 0, publicHostname, ...(section.tls ? { tls: section.tls } : {}) };
}
