// Request authentication, as Taskcluster services do it: a Hawk Authorization header or a `?bewit=` signed URL,
// with permanent credentials or temporary ones (certificate in `ext`), optionally narrowed by
// `authorizedScopes`. Requests without either are anonymous and get the anonymous scopes.

import type { IncomingMessage } from 'node:http';
import hawk from 'hawk';
import { AuthenticationFailed } from '../errors.js';
import { CertificateError, verifyCertificate } from './certificate.js';
import type { ClientStore } from './clients.js';
import type { RoleStore } from './roles.js';
import { satisfiesScope } from './scopes.js';

export interface AuthResult {
  /** undefined for anonymous requests */
  clientId: string | undefined;
  scopes: string[];
}

/**
 * What deployments usually grant the anonymous role: reading public artifacts, task
 * definitions, status and artifact lists, index lookups, and expanding scopes (how a worker
 * learns what roles a task's scopes assume, with the task's own credentials).
 */
export const ANONYMOUS_SCOPES: readonly string[] = [
  'auth:expand-scopes',
  'queue:get-artifact:public/*',
  'queue:get-task:*',
  'queue:status:*',
  'queue:list-artifacts:*',
  'queue:list-task-group:*',
  'queue:list-dependent-tasks:*',
  'index:find-task:*',
  'index:list-namespaces:*',
  'index:list-tasks:*',
];

/** The real auth service accepts Hawk timestamps within 15 minutes of its clock. */
const TIMESTAMP_SKEW_SEC = 15 * 60;

interface ResolvedCredentials {
  key: string;
  scopes: string[];
}

function decodeExt(ext: string | undefined): Record<string, unknown> {
  if (!ext) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(ext, 'base64').toString('utf8'));
  } catch {
    throw new AuthenticationFailed('Failed to parse ext: not base64-encoded JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AuthenticationFailed('ext must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/**
 * The scopes a request holds: its client's (or certificate's), expanded through the roles they
 * assume, as the auth service expands them, then limited to `authorizedScopes` when given.
 */
function resolveCredentials(clients: ClientStore, roles: RoleStore, clientId: string, ext: Record<string, unknown>): ResolvedCredentials {
  let resolved: ResolvedCredentials;
  if (ext.certificate !== undefined) {
    try {
      const verified = verifyCertificate(clientId, ext.certificate, (id) => clients.get(id));
      resolved = { key: verified.accessToken, scopes: verified.scopes };
    } catch (err) {
      if (err instanceof CertificateError) throw new AuthenticationFailed(`ext.certificate is invalid: ${err.message}`);
      throw err;
    }
  } else {
    const client = clients.get(clientId);
    if (!client) throw new AuthenticationFailed(`Client ID ${clientId} does not exist`);
    resolved = { key: client.accessToken, scopes: [...client.scopes] };
  }
  resolved = { key: resolved.key, scopes: roles.expand(resolved.scopes) };
  if (ext.authorizedScopes !== undefined) {
    const authorized = ext.authorizedScopes;
    if (!Array.isArray(authorized) || !authorized.every((s) => typeof s === 'string')) {
      throw new AuthenticationFailed('ext.authorizedScopes must be a list of strings');
    }
    const overstepped = authorized.filter((scope) => !satisfiesScope(resolved.scopes, scope));
    if (overstepped.length > 0) {
      throw new AuthenticationFailed(`ext.authorizedScopes oversteps your scopes: ${overstepped.join(', ')}`);
    }
    resolved = { key: resolved.key, scopes: roles.expand(authorized) };
  }
  return resolved;
}

/** Hawk throws Boom errors; the client sees each of them as 401 AuthenticationFailed. */
function hawkFailure(err: unknown): never {
  if (err instanceof AuthenticationFailed) throw err;
  const message = err instanceof Error ? err.message : String(err);
  throw new AuthenticationFailed(`Hawk authentication failed: ${message}`);
}

function parseBewit(bewit: string): { id: string; ext: string } {
  let decoded: string;
  try {
    decoded = Buffer.from(bewit, 'base64url').toString('utf8');
  } catch {
    throw new AuthenticationFailed('Invalid bewit encoding');
  }
  const parts = decoded.split('\\');
  if (parts.length !== 4 || !parts[0]) throw new AuthenticationFailed('Invalid bewit structure');
  return { id: parts[0], ext: parts[3] ?? '' };
}

/**
 * Every client also holds the anonymous role's scopes, as in a real deployment (reading a
 * public artifact needs no grant of its own) — unless the request restricted itself with
 * `authorizedScopes`, which limits it to exactly those.
 */
function withAnonymous(scopes: string[], ext: unknown): string[] {
  if ((ext as { authorizedScopes?: unknown } | undefined)?.authorizedScopes !== undefined) return scopes;
  return [...scopes, ...ANONYMOUS_SCOPES];
}

/**
 * Authenticates a request. `query` is the parsed query string (for `bewit`). Throws
 * AuthenticationFailed (401) for bad credentials; returns anonymous scopes when the request
 * carries none.
 */
export async function authenticateRequest(
  req: IncomingMessage,
  query: URLSearchParams,
  clients: ClientStore,
  roles: RoleStore,
): Promise<AuthResult> {
  const authorization = req.headers.authorization;
  if (authorization) {
    let attributes;
    try {
      attributes = hawk.utils.parseAuthorizationHeader(authorization);
    } catch (err) {
      hawkFailure(err);
    }
    if (!attributes.id) throw new AuthenticationFailed('Hawk header has no id');
    const clientId = attributes.id;
    const ext = decodeExt(attributes.ext);
    const creds = resolveCredentials(clients, roles, clientId, ext);
    try {
      await hawk.server.authenticate(req, async () => ({ key: creds.key, algorithm: 'sha256' }), {
        timestampSkewSec: TIMESTAMP_SKEW_SEC,
      });
    } catch (err) {
      hawkFailure(err);
    }
    return { clientId, scopes: withAnonymous(creds.scopes, ext) };
  }

  const bewit = query.get('bewit');
  if (bewit !== null) {
    const { id, ext: rawExt } = parseBewit(bewit);
    const ext = decodeExt(rawExt);
    const creds = resolveCredentials(clients, roles, id, ext);
    try {
      await hawk.server.authenticateBewit(req, async () => ({ key: creds.key, algorithm: 'sha256' }));
    } catch (err) {
      hawkFailure(err);
    }
    return { clientId: id, scopes: withAnonymous(creds.scopes, ext) };
  }

  return { clientId: undefined, scopes: [...ANONYMOUS_SCOPES] };
}
