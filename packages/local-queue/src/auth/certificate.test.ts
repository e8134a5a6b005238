import tc from 'taskcluster-client';
import { certificateSignature, CertificateError, deriveTemporaryAccessToken, parseCertificate, verifyCertificate, type IssuerClient } from './certificate.js';

const ROOT = { clientId: 'root', accessToken: 'root-access-token-root-access-token-00000000' };
const clients: Record<string, IssuerClient> = {
  root: { accessToken: ROOT.accessToken, scopes: ['*'] },
  limited: { accessToken: 'limited-token-limited-token-limited-token-00', scopes: ['queue:status:*'] },
};
const lookup = (id: string) => clients[id];
const HOUR = 3600_000;

function temp(options: { clientId?: string; scopes?: string[]; start?: number; expiry?: number; issuer?: typeof ROOT }) {
  return tc.createTemporaryCredentials({
    ...(options.clientId ? { clientId: options.clientId } : {}),
    start: new Date(options.start ?? Date.now()),
    expiry: new Date(options.expiry ?? Date.now() + HOUR),
    scopes: options.scopes ?? ['queue:status:*'],
    credentials: options.issuer ?? ROOT,
  });
}

describe('verifyCertificate', () => {
  it('accepts unnamed temporary credentials and derives the same access token as the client', () => {
    const creds = temp({ scopes: ['a', 'b:*'] });
    expect(creds.clientId).toBe('root');
    const verified = verifyCertificate(creds.clientId, creds.certificate, lookup);
    expect(verified).toEqual({ accessToken: creds.accessToken, scopes: ['a', 'b:*'], issuer: 'root' });
  });

  it('accepts named temporary credentials, as a string or an object', () => {
    const creds = temp({ clientId: 'task-client/x/0/on/g/w/until/123' });
    expect(verifyCertificate(creds.clientId, creds.certificate, lookup).accessToken).toBe(creds.accessToken);
    expect(verifyCertificate(creds.clientId, JSON.parse(creds.certificate), lookup).issuer).toBe('root');
  });

  it('refuses a certificate presented under another name', () => {
    const creds = temp({ clientId: 'name-a' });
    expect(() => verifyCertificate('name-b', creds.certificate, lookup)).toThrow(/signature/);
  });

  it('refuses altered scopes, expiry or seed', () => {
    const creds = temp({});
    for (const change of [
      (c: Record<string, unknown>) => (c.scopes = ['*']),
      (c: Record<string, unknown>) => (c.expiry = (c.expiry as number) + HOUR),
      (c: Record<string, unknown>) => (c.seed = 'x'.repeat(44)),
    ]) {
      const cert = JSON.parse(creds.certificate);
      change(cert);
      expect(() => verifyCertificate(creds.clientId, cert, lookup)).toThrow(CertificateError);
    }
  });

  it('applies 5 minutes of grace to start and expiry', () => {
    const now = Date.now();
    const expired = temp({ start: now - 2 * HOUR, expiry: now - 6 * 60_000 });
    expect(() => verifyCertificate('root', expired.certificate, lookup, now)).toThrow(/expired/);
    const recentlyExpired = temp({ start: now - 2 * HOUR, expiry: now - 4 * 60_000 });
    expect(() => verifyCertificate('root', recentlyExpired.certificate, lookup, now)).not.toThrow();
    const future = temp({ start: now + 6 * 60_000, expiry: now + HOUR });
    expect(() => verifyCertificate('root', future.certificate, lookup, now)).toThrow(/not yet valid/);
    const nearFuture = temp({ start: now + 4 * 60_000, expiry: now + HOUR });
    expect(() => verifyCertificate('root', nearFuture.certificate, lookup, now)).not.toThrow();
  });

  it('requires a known issuer whose scopes cover the certificate', () => {
    const unknown = tc.createTemporaryCredentials({ expiry: new Date(Date.now() + HOUR), scopes: [], credentials: { clientId: 'ghost', accessToken: 'x'.repeat(44) } });
    expect(() => verifyCertificate('ghost', unknown.certificate, lookup)).toThrow(/not a known client/);
    const overreach = temp({ issuer: { clientId: 'limited', accessToken: clients.limited!.accessToken }, scopes: ['queue:status:x', 'queue:get-task:x'] });
    expect(() => verifyCertificate('limited', overreach.certificate, lookup)).toThrow(/queue:get-task:x/);
    const fine = temp({ issuer: { clientId: 'limited', accessToken: clients.limited!.accessToken }, scopes: ['queue:status:x'] });
    expect(verifyCertificate('limited', fine.certificate, lookup).scopes).toEqual(['queue:status:x']);
    // naming a credential needs auth:create-client:<name>
    const named = temp({ clientId: 'my-name', issuer: { clientId: 'limited', accessToken: clients.limited!.accessToken }, scopes: ['queue:status:x'] });
    expect(() => verifyCertificate('my-name', named.certificate, lookup)).toThrow(/auth:create-client:my-name/);
  });

  it('refuses certificates spanning more than 31 days and malformed ones', () => {
    const cert = parseCertificate(temp({}).certificate);
    const long = { ...cert, expiry: cert.start + 32 * 24 * HOUR };
    long.signature = certificateSignature(long, 'root', ROOT.accessToken);
    expect(() => verifyCertificate('root', long, lookup)).toThrow(/31 days/);
    expect(() => parseCertificate('{not json')).toThrow(CertificateError);
    expect(() => parseCertificate({ ...cert, version: 2 })).toThrow(/version/);
    expect(() => parseCertificate({ ...cert, scopes: 'a' })).toThrow(/scopes/);
  });
});

describe('deriveTemporaryAccessToken', () => {
  it('is unpadded base64url of HMAC-SHA256(issuer token, seed)', () => {
    const token = deriveTemporaryAccessToken('key', 'seed');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).toBe(Buffer.from(token, 'base64url').toString('base64url'));
  });
});
