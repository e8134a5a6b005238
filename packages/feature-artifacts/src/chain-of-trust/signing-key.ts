import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** The signing key file is missing, unreadable or not an ed25519 private key. */
export class SigningKeyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningKeyError';
  }
}

/** DER prefix of a PKCS#8 ed25519 private key around its 32-byte seed (RFC 8410, section 7). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix of an SPKI ed25519 public key around its 32 raw bytes (RFC 8410, section 4). */
const SPKI_ED25519_PREFIX_LENGTH = 12;

/** The raw 32 bytes of an ed25519 public key (of a private key: its public key's). */
export function rawPublicKey(key: KeyObject): Buffer {
  const der = (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
  return der.subarray(SPKI_ED25519_PREFIX_LENGTH);
}

/**
 * An ed25519 private key from the text of a key file, in either of two formats:
 *   - PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`), what `openssl genpkey -algorithm ed25519` writes;
 *   - base64 of the 32-byte seed, or of the 64-byte seed + public key that the original
 *     docker-worker stored at `ed25519SigningKeyLocation` (NaCl's secret key layout).
 */
export function parseSigningKey(text: string, location: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  if (trimmed.startsWith('-----BEGIN')) {
    try {
      key = createPrivateKey(trimmed);
    } catch (err) {
      throw new SigningKeyError(`${location} is not a readable PEM private key: ${(err as Error).message}`, { cause: err });
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new SigningKeyError(`${location} holds a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not an ed25519 key`);
    }
    return key;
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    throw new SigningKeyError(`${location} is neither a PEM private key nor base64 (of a 32-byte ed25519 seed or a 64-byte secret key)`);
  }
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32 && bytes.length !== 64) {
    throw new SigningKeyError(`${location} holds ${bytes.length} bytes of base64; an ed25519 key is 32 (seed) or 64 (seed + public key)`);
  }
  key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, bytes.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  if (bytes.length === 64 && !rawPublicKey(key).equals(bytes.subarray(32))) {
    throw new SigningKeyError(`${location}: the public half of the 64-byte key does not belong to its seed`);
  }
  return key;
}

/** Reads and parses the key file; every failure is a SigningKeyError naming the file. */
export async function loadSigningKey(location: string): Promise<KeyObject> {
  let text: string;
  try {
    text = await readFile(location, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new SigningKeyError(`cannot read the ed25519 signing key ${location}: ${why}`, { cause: err });
  }
  return parseSigningKey(text, location);
}
