import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

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
 * body must stream with an exact Content-Length (presigned PUT URLs require it).
 */
export async function putStream(url: string, headers: Record<string, string | number>, body: Readable): Promise<void> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = send(target, { method: 'PUT', headers });
  const response = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.length < 16 && chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new HttpStatusError(url, status, Buffer.concat(chunks).toString()));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  // Both must settle: the body may fail to send because the server already answered.
  const [sent, answered] = await Promise.allSettled([pipeline(body, req), response]);
  if (answered.status === 'rejected') throw answered.reason;
  if (sent.status === 'rejected') throw sent.reason;
}
