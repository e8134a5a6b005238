import hawk from 'hawk';
import type { Credentials } from './task.js';

/**
 * Hawk signing as Taskcluster services check it, for the worker's own calls (the core's
 * artifact calls) and for the calls the taskcluster proxy makes on a task's behalf.
 */

/** How long a `/bewit` URL stays valid. */
export const BEWIT_TTL_SEC = 60 * 60;

/**
 * The Hawk `ext` Taskcluster reads: the temporary credentials' certificate, and, when given,
 * the scopes the request is limited to (authorizedScopes: the proxy always limits a task to its
 * own scopes; the worker's own calls are not limited). Undefined when there is nothing to say.
 */
function ext(credentials: Credentials, authorizedScopes: readonly string[] | undefined): string | undefined {
  const content: Record<string, unknown> = {};
  if (authorizedScopes) content.authorizedScopes = authorizedScopes;
  // Claims hand the certificate out as JSON text; some clients keep it parsed.
  const certificate: unknown = credentials.certificate;
  if (certificate) content.certificate = typeof certificate === 'string' ? (JSON.parse(certificate) as unknown) : certificate;
  if (Object.keys(content).length === 0) return undefined;
  return Buffer.from(JSON.stringify(content)).toString('base64');
}

function hawkCredentials(credentials: Credentials) {
  return { id: credentials.clientId, key: credentials.accessToken, algorithm: 'sha256' as const };
}

/** The `Authorization` header for one request (no payload hash: Taskcluster does not ask for one). */
export function authorizationHeader(url: string, method: string, credentials: Credentials, authorizedScopes?: readonly string[]): string {
  return hawk.client.header(url, method, { credentials: hawkCredentials(credentials), ext: ext(credentials, authorizedScopes) }).header;
}

/** `url` with a `bewit` query parameter that authorizes a GET of it for `BEWIT_TTL_SEC`. */
export function signedUrl(url: string, credentials: Credentials, authorizedScopes?: readonly string[]): string {
  const bewit = hawk.client.getBewit(url, { credentials: hawkCredentials(credentials), ttlSec: BEWIT_TTL_SEC, ext: ext(credentials, authorizedScopes) });
  // Appended to the very string signed: re-serializing the URL could change what the service
  // compares the signature against.
  return `${url}${url.includes('?') ? '&' : '?'}bewit=${encodeURIComponent(bewit)}`;
}
