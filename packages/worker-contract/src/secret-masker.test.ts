import { MASK, SecretMasker, maskSecrets } from './secret-masker.js';

/**
 * The reference: every occurrence of every secret in the whole text, spans merged where they
 * overlap, each merged span one `[masked]`. Written independently of the streaming code.
 */
function reference(text: string, secrets: string[]): string {
  const spans: Array<[number, number]> = [];
  for (const secret of secrets.filter((s) => s.length > 0)) {
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) spans.push([at, at + secret.length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let position = 0;
  let end = -1;
  for (const [s, e] of spans) {
    if (s < end) {
      end = Math.max(end, e);
      continue;
    }
    if (end >= 0) position = end;
    out += text.slice(position, s) + MASK;
    end = e;
  }
  if (end >= 0) position = end;
  return out + text.slice(position);
}

/** Streams `text` through a masker cut at the given offsets. */
function streamed(text: string, secrets: string[], cuts: number[]): string {
  const masker = new SecretMasker(secrets);
  const bytes = Buffer.from(text);
  const parts: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(masker.push(bytes.subarray(from, cut)));
    from = cut;
  }
  parts.push(masker.flush());
  return Buffer.concat(parts).toString();
}

/** A small deterministic generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('SecretMasker', () => {
  it('masks a secret in one chunk, and leaves text without secrets alone', () => {
    expect(maskSecrets('token=hunter2 ok', ['hunter2']).toString()).toBe(`token=${MASK} ok`);
    expect(maskSecrets('nothing here', ['hunter2']).toString()).toBe('nothing here');
    expect(maskSecrets('no secrets given', []).toString()).toBe('no secrets given');
  });

  it('masks a secret cut at every possible place between two chunks', () => {
    const text = 'before hunter2 after';
    for (let cut = 0; cut <= text.length; cut++) {
      expect(streamed(text, ['hunter2'], [cut])).toBe(`before ${MASK} after`);
    }
  });

  it('masks a secret delivered one byte a chunk', () => {
    const text = 'a hunter2 b hunter2hunter2 c';
    const cuts = Array.from({ length: text.length }, (_, i) => i);
    expect(streamed(text, ['hunter2'], cuts)).toBe(`a ${MASK} b ${MASK}${MASK} c`);
  });

  it('holds back only a possible start of a secret, never more than its length - 1 bytes', () => {
    const masker = new SecretMasker(['hunter2']);
    expect(masker.push(Buffer.from('plain line\n')).toString()).toBe('plain line\n');
    expect(masker.push(Buffer.from('say hun')).toString()).toBe('say ');
    expect(masker.push(Buffer.from('dred')).toString()).toBe('hundred');
    expect(masker.push(Buffer.from('hunter')).toString()).toBe('');
    expect(masker.push(Buffer.from('2!')).toString()).toBe(`${MASK}!`);
    expect(masker.push(Buffer.from('hunt')).toString()).toBe('');
    expect(masker.flush().toString()).toBe('hunt');
  });

  it('merges overlapping and nested secrets into one mask, so no part of the longer one leaks', () => {
    expect(maskSecrets('xabcdefx', ['abc', 'cdef']).toString()).toBe(`x${MASK}x`);
    expect(maskSecrets('xabcdx', ['abcd', 'bc']).toString()).toBe(`x${MASK}x`);
    // A shorter secret that begins a longer one: the longer one is masked whole, even across a cut.
    expect(streamed('xabcdx', ['ab', 'abcd'], [3])).toBe(`x${MASK}x`);
    expect(streamed('xabx', ['ab', 'abcd'], [3])).toBe(`x${MASK}x`);
    // A span that reaches into the held-back tail is printed once.
    expect(streamed('aaaaaaa', ['aa'], [1, 2, 3, 4, 5, 6])).toBe(MASK);
  });

  it('masks multi-byte UTF-8 secrets cut inside a character', () => {
    const text = 'mot de passe: café☕ fin';
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(streamed(text, ['café☕'], [cut])).toBe(`mot de passe: ${MASK} fin`);
    }
  });

  it('equals masking the whole stream, for random texts, secrets and chunkings', () => {
    const next = random(42);
    const alphabet = 'abc\n';
    const word = (length: number) => Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    for (let round = 0; round < 3000; round++) {
      const secrets = Array.from({ length: 1 + Math.floor(next() * 3) }, () => word(1 + Math.floor(next() * 5)));
      const text = word(Math.floor(next() * 40));
      const cuts = Array.from({ length: Math.floor(next() * 6) }, () => Math.floor(next() * (text.length + 1))).sort((a, b) => a - b);
      const expected = reference(text, secrets);
      const got = streamed(text, secrets, cuts);
      if (got !== expected) throw new Error(`secrets ${JSON.stringify(secrets)}, text ${JSON.stringify(text)}, cuts ${JSON.stringify(cuts)}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
    }
  });

  it('ignores empty secrets (they would match everywhere)', () => {
    const masker = new SecretMasker(['']);
    expect(masker.active).toBe(false);
    expect(maskSecrets('text', ['']).toString()).toBe('text');
  });
});
