import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningKeyError, loadSigningKey, parseSigningKey, rawPublicKey } from './signing-key.js';

function seedOf(privateKeyPem: string): Buffer {
  // The last 32 bytes of an ed25519 PKCS#8 DER are the seed.
  const der = Buffer.from(privateKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
  return der.subarray(der.length - 32);
}

describe('parseSigningKey', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const message = Buffer.from('chain of trust');

  function signsLikeTheOriginal(text: string): void {
    const key = parseSigningKey(text, '/k');
    expect(verify(null, message, publicKey, sign(null, message, key))).toBe(true);
  }

  it('reads a PEM PKCS#8 key', () => signsLikeTheOriginal(pem));
  it('reads base64 of the 32-byte seed', () => signsLikeTheOriginal(seedOf(pem).toString('base64')));
  it('reads base64 of the 64-byte seed + public key (the original format), with a trailing newline', () =>
    signsLikeTheOriginal(`${Buffer.concat([seedOf(pem), rawPublicKey(publicKey)]).toString('base64')}\n`));

  it('reads the key openssl genpkey writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cot-key-'));
    const file = join(dir, 'key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', file]);
    const key = await loadSigningKey(file);
    const publicPem = execFileSync('openssl', ['pkey', '-in', file, '-pubout']).toString();
    expect(verify(null, message, createPublicKey(publicPem), sign(null, message, key))).toBe(true);
  });

  it.each([
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /holds a rsa key/],
    ['a broken PEM', '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', /not a readable PEM private key/],
    ['16 bytes of base64', Buffer.alloc(16, 1).toString('base64'), /holds 16 bytes/],
    ['not base64', 'this is not a key!', /neither a PEM private key nor base64/],
    ['a 64-byte key whose public half does not match', Buffer.concat([seedOf(pem), Buffer.alloc(32, 7)]).toString('base64'), /public half/],
  ])('refuses %s', (_label, text, message) => {
    expect(() => parseSigningKey(text, '/etc/key')).toThrow(SigningKeyError);
    expect(() => parseSigningKey(text, '/etc/key')).toThrow(message);
  });
});

describe('loadSigningKey', () => {
  it('names a missing file', async () => {
    await expect(loadSigningKey('/nonexistent/cot.key')).rejects.toThrow('cannot read the ed25519 signing key /nonexistent/cot.key: no such file');
  });

  it('names an unreadable file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cot-key-'));
    const file = join(dir, 'key');
    await writeFile(file, 'x');
    await chmod(file, 0o000);
    // root reads any file; an unreadable one is then only a directory in its place.
    const target = process.getuid?.() === 0 ? dir : file;
    await expect(loadSigningKey(target)).rejects.toThrow(SigningKeyError);
  });
});
