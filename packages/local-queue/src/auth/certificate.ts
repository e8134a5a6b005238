// Verification of temporary-credential certificates, as the auth service does it:
// the certificate travels in the Hawk `ext`, is signed by its issuer's access token, and the
// temporary access token is derived from the issuer's token and the certificate's seed.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { satisfiesScope } from './scopes.js';

export interface Certificate {
  version: number;
  scopes: string[];
  start: number;
  expiry: number;
  seed: string;
  signature: string;
  issuer?: string;
}

/** A permanent client as the issuer lookup returns it. */
export interface IssuerClient {
  accessToken: string;
  scopes: readonly string[];
}

export interface VerifiedCertificate {
  /** The temporary access token the request must be signed with. */
  accessToken: string;
  scopes: string[];
  issuer: string;
}

export class CertificateError extends Error {}

/** The auth service tolerates this much clock drift on `start` and `expiry`. */
export const CERTIFICATE_GRACE_MS = 5 * 60 * 1000;
const MAX_SPAN_MS = 31 * 24 * 60 * 60 * 1000;

/** Accepts a certificate as a JSON string or as an object, the way the client may send it. */
export function parseCertificate(raw: unknown): Certificate {
  let cert: unknown = raw;
  if (typeof raw === 'string') {
    try {
      cert = JSON.parse(raw);
    } catch {
      throw new CertificateError('certificate is not valid JSON');
    }
  }
  if (typeof cert !== 'object' || cert === null || Array.isArray(cert)) throw new CertificateError('certificate must be an object');
  const c = cert as Record<string, unknown>;
  if (c.version !== 1) throw new CertificateError('certificate version must be 1');
  if (!Array.isArray(c.scopes) || !c.scopes.every((s) => typeof s === 'string')) {
    throw new CertificateError('certificate scopes must be a list of strings');
  }
  if (typeof c.start !== 'number' || typeof c.expiry !== 'number') throw new CertificateError('certificate start and expiry must be numbers');
  if (typeof c.seed !== 'string' || c.seed.length !== 44) throw new CertificateError('certificate seed must be 44 characters');
  if (typeof c.signature !== 'string') throw new CertificateError('certificate signature must be a string');
  if (c.issuer !== undefined && typeof c.issuer !== 'string') throw new CertificateError('certificate issuer must be a string');
  const result: Certificate = {
    version: 1,
    scopes: c.scopes as string[],
    start: c.start,
    expiry: c.expiry,
    seed: c.seed,
    signature: c.signature,
  };
  if (typeof c.issuer === 'string') result.issuer = c.issuer;
  return result;
}

/** base64 HMAC-SHA256 over the certificate lines, keyed with the issuer's access token. */
export function certificateSignature(cert: Certificate, clientId: string, issuerAccessToken: string): string {
  const lines = [`version:${cert.version}`];
  if (cert.issuer !== undefined) lines.push(`clientId:${clientId}`, `issuer:${cert.issuer}`);
  lines.push(`seed:${cert.seed}`, `start:${cert.start}`, `expiry:${cert.expiry}`, 'scopes:');
  return createHmac('sha256', issuerAccessToken)
    .update(lines.join('\n') + '\n' + cert.scopes.join('\n'))
    .digest('base64');
}

/** base64url (no padding) of HMAC-SHA256(issuerAccessToken, seed). */
export function deriveTemporaryAccessToken(issuerAccessToken: string, seed: string): string {
  return createHmac('sha256', issuerAccessToken).update(seed).digest('base64url');
}

function sameString(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Checks a certificate presented by `clientId`. Unnamed temporary credentials use the
 * issuer's own clientId; named ones carry `issuer`, and the issuer must then also hold
 * `auth:create-client:<clientId>`. Throws CertificateError with the reason on any failure.
 */
export function verifyCertificate(
  clientId: string,
  rawCertificate: unknown,
  lookupClient: (clientId: string) => IssuerClient | undefined,
  now: number = Date.now(),
): VerifiedCertificate {
  const cert = parseCertificate(rawCertificate);
  const issuerId = cert.issuer ?? clientId;
  if (cert.issuer !== undefined && cert.issuer === clientId) {
    throw new CertificateError('a named temporary credential must not have its issuer as its name');
  }
  const issuer = lookupClient(issuerId);
  if (!issuer) throw new CertificateError(`certificate issuer '${issuerId}' is not a known client`);
  if (cert.expiry - cert.start > MAX_SPAN_MS) throw new CertificateError('temporary credentials cannot span more than 31 days');
  if (cert.start > now + CERTIFICATE_GRACE_MS) throw new CertificateError('certificate is not yet valid (start is in the future)');
  if (cert.expiry < now - CERTIFICATE_GRACE_MS) throw new CertificateError('certificate has expired');
  if (!sameString(certificateSignature(cert, clientId, issuer.accessToken), cert.signature)) {
    throw new CertificateError('certificate signature is invalid');
  }
  const overreach = cert.scopes.filter((scope) => !satisfiesScope(issuer.scopes, scope));
  if (overreach.length > 0) {
    throw new CertificateError(`certificate issuer '${issuerId}' lacks the scopes it grants: ${overreach.join(', ')}`);
  }
  if (cert.issuer !== undefined && !satisfiesScope(issuer.scopes, `auth:create-client:${clientId}`)) {
    throw new CertificateError(`certificate issuer '${issuerId}' lacks auth:create-client:${clientId}`);
  }
  return {
    accessToken: deriveTemporaryAccessToken(issuer.accessToken, cert.seed),
    scopes: cert.scopes,
    issuer: issuerId,
  };
}
