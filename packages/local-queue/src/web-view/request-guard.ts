// What keeps other web sites away from the web view's buttons. A page on another origin can
// make a browser send a POST here, but it cannot add a custom header without a CORS preflight,
// which is refused (and no reply carries Access-Control-Allow-* headers, so it cannot read
// anything either); it cannot learn the per-server token, which only the page served here holds.
// The Host check stops DNS rebinding (a foreign name made to resolve to this address): the
// page is served only under an IP address or `localhost`.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ApiError } from '../errors.js';

/** The header the page's POSTs carry the token in. */
export const TOKEN_HEADER = 'x-webview-token';

export class WebViewRefused extends ApiError {
  constructor(message: string) {
    super('WebViewRefused', message, 403);
  }
}

function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** Throws unless the request names this server by an IP address or `localhost`. */
export function checkHost(req: IncomingMessage): void {
  const host = req.headers.host ?? '';
  const name = hostName(host).toLowerCase();
  if (name === 'localhost' || isIP(name) !== 0) return;
  throw new WebViewRefused(`The web view is served under an IP address or localhost only, not under the Host ${JSON.stringify(host)}`);
}

/** Throws unless a state-changing request comes from the page itself: same origin, with the token. */
export function checkSameSite(req: IncomingMessage, token: string): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) {
    throw new WebViewRefused(`Request from another origin (${origin}) refused: the web view's actions are for its own page only`);
  }
  const given = req.headers[TOKEN_HEADER];
  const expected = Buffer.from(token);
  const actual = Buffer.from(typeof given === 'string' ? given : '');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new WebViewRefused(`Header ${TOKEN_HEADER} ${given === undefined ? 'is missing' : 'is wrong'}: the web view's actions take the token its own page carries`);
  }
}
