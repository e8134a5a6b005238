import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A PUT the server answered with an error status; 5xx are worth another attempt. */
export class PutStatusError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'PutStatusError';
  }
}

/**
 * PUTs a stream with the given headers (a presigned URL needs its exact Content-Length up
 * front), without holding the body in memory: Node's own client, because fetch cannot send a
 * stream with a length of our choosing.
 */
export async function putStream(url: string, headers: Record<string, string>, body: Readable, signal?: AbortSignal): Promise<void> {
  const target = new URL(url);
  const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method: 'PUT', headers, signal });
  const answered = new Promise<void>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text = (text + chunk).slice(0, 500)));
      res.once('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new PutStatusError(status, `PUT ${target.pathname} answered ${status}: ${text}`));
      });
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  // Both must settle: a server that answers early (a 4xx) may stop reading the body.
  const [sent, reply] = await Promise.allSettled([pipeline(body, req), answered]);
  if (reply.status === 'rejected') throw reply.reason;
  if (sent.status === 'rejected') throw sent.reason;
}
