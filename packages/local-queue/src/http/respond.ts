// Reading JSON request bodies and writing JSON replies and Taskcluster error bodies.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, InputTooLarge, MalformedPayload } from '../errors.js';

/** The real services' JSON body limit. */
export const MAX_JSON_BODY_BYTES = 10 * 1024 * 1024;

export interface Reply {
  status: number;
  /** JSON-encoded when present; absent for 204 */
  body?: unknown;
  /** Bytes sent as they are instead of a JSON body (their content-type in `headers`). */
  raw?: Buffer;
  headers?: Record<string, string>;
}

/** Reads and parses a JSON body; an empty body reads as `{}`. */
export async function readJsonBody(req: IncomingMessage, limit: number = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) {
    req.resume();
    throw new InputTooLarge(`Request body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new InputTooLarge(`Request body is larger than ${limit} bytes`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MalformedPayload(`Request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Node leaves the body out of the answer to a HEAD request itself (its headers stay). */
export function sendReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = reply.raw;
  if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  if (payload === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  headers['content-length'] = String(payload.length);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export interface RequestInfo {
  method: string;
  params: Record<string, string>;
  payload: unknown;
  time: string;
}

/** `{code, message, requestInfo}` with the status belonging to the error's code. */
export function errorReply(err: ApiError, requestInfo: RequestInfo): Reply {
  return {
    status: err.statusCode,
    body: { code: err.code, message: err.message, requestInfo },
  };
}
