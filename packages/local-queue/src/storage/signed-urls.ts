// Tokens for the data URLs this server hands out (S3-style putUrls and download URLs).
// Like a pre-signed S3 URL, whoever holds the URL may use it until it expires, and nobody
// can make one up: the token is an HMAC over purpose, resource and expiry with a secret
// that never leaves the process.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class UrlSigner {
  private readonly secret = randomBytes(32);

  token(purpose: string, resource: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`${purpose}\n${resource}\n${expires}`).digest('base64url');
  }

  /** The query string (`expires=..&sig=..`) for a URL valid until `expires` (ms). */
  query(purpose: string, resource: string, expires: number): string {
    return `expires=${expires}&sig=${this.token(purpose, resource, expires)}`;
  }

  verify(purpose: string, resource: string, query: URLSearchParams, now: number = Date.now()): boolean {
    const expires = Number(query.get('expires'));
    const sig = query.get('sig') ?? '';
    if (!Number.isFinite(expires) || expires < now) return false;
    const expected = Buffer.from(this.token(purpose, resource, expires));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** Encodes each segment of a name but keeps its slashes, for readable data URLs. */
export function encodePathName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}
