import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';

/** A feature server's TLS settings: PEM files of its certificate (chain) and private key. */
export interface ServerTls {
  certificate: string;
  key: string;
}

/**
 * The HTTP server of a feature that serves readers from outside (the live log, interactive
 * sessions): plain, or HTTPS from the PEM files its config names. A file that cannot be read,
 * or a pair that is not a usable certificate and key, is reported as `toError(message)`, the
 * message naming `<configKey>.tls...`, so the worker refuses to start naming the setting.
 */
export async function createFeatureServer(
  tls: ServerTls | undefined,
  handler: http.RequestListener,
  configKey: string,
  toError: (message: string) => Error,
): Promise<http.Server> {
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
