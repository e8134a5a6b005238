import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const IDLE_TIMEOUT_MS = 5 * 60 * 1000;

/** An HTTP error response; `retriable` for 5xx, which are worth another attempt. */
export class HttpStatusError extends Error {
  readonly statusCode: number;
  constructor(url: string, statusCode: number, body: string) {
    super(`PUT ${new URL(url).pathname} answered ${statusCode}${body ? `: ${body.slice(0, 300)}` : ''}`);
    this.name = 'HttpStatusError';
    this.statusCode = statusCode;
  }
  get retriable(): boolean {
    return this.statusCode >= 500;
  }
}

/**
 * PUT a stream to a URL without holding it in memory. Node's own http client, because the
 * body must stream with an exact Content-Length (presigned PUT URLs require it). `through`
 * (e.g. a hasher) sits between the body and the request; `signal` abandons the request.
 */
export async function putStream(
  url: string,
  headers: Record<string, string | number>,
  body: Readable,
  options: { through?: Transform; signal?: AbortSignal } = {},
): Promise<void> {
  const { req, response } = open(url, headers, options.signal);
  // Both must settle: the body may fail to send because the server already answered.
  const sending = options.through ? pipeline(body, options.through, req) : pipeline(body, req);
  const [sent, answered] = await Promise.allSettled([sending, response]);
  if (answered.status === 'rejected') throw answered.reason;
  if (sent.status === 'rejected') throw sent.reason;
}

/** PUT a body that is already in memory, in one write (a small file: no stream to pipe). */
export async function putBuffer(url: string, headers: Record<string, string | number>, body: Buffer, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { req, response } = open(url, headers, options.signal);
  req.end(body);
  await response;
}

/** The request, and its answer: resolved on 2xx, rejected with HttpStatusError otherwise or with the request's error. */
function open(url: string, headers: Record<string, string | number>, signal: AbortSignal | undefined): { req: ClientRequest; response: Promise<void> } {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(target, { method: 'PUT', headers, signal });
  const response = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.length < 16 && chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve();
        reject(new HttpStatusError(url, status, Buffer.concat(chunks).toString()));
        // A server that answered early may have stopped reading: stop sending the body.
        req.destroy();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  // A connection that moves no byte for this long is dead; the attempt fails and is retried.
  req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`PUT ${target.pathname}: no progress for ${IDLE_TIMEOUT_MS / 1000} s`)));
  return { req, response };
}
