/** What a masked secret reads as in a task log. */
export const MASK = '[masked]';

/**
 * Replaces every occurrence of the given secrets in a byte stream with `[masked]`, however
 * the stream is cut into chunks. Occurrences that overlap (or one inside another) become one
 * `[masked]`; occurrences that only touch stay two. The output equals masking the whole
 * stream at once (the unit tests check this for every cut).
 *
 * It holds back only what may still turn out to be the start of a secret: the longest tail
 * of what it has seen that is a proper prefix of some secret, so at most
 * (longest secret − 1) bytes, and usually none, which keeps a live log live. A masked span
 * that reaches into that tail is remembered as `#maskedAhead`, so the bytes it covered are
 * not printed when they come out of the tail later.
 */
export class SecretMasker {
  readonly #secrets: Buffer[];
  readonly #mask = Buffer.from(MASK);
  #carry: Buffer = Buffer.alloc(0);
  /** How many bytes at the start of #carry are inside a span already printed as `[masked]`. */
  #maskedAhead = 0;

  constructor(secrets: Iterable<string>) {
    const unique = new Set([...secrets].filter((secret) => secret.length > 0));
    this.#secrets = [...unique].map((secret) => Buffer.from(secret));
  }

  /** Whether there is anything to mask at all. */
  get active(): boolean {
    return this.#secrets.length > 0;
  }

  /** The next chunk; returns what can be written now. */
  push(chunk: Buffer): Buffer {
    if (!this.active) return chunk;
    return this.#process(this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]), false);
  }

  /** The end of the stream (or a point nothing can continue across): everything held back. */
  flush(): Buffer {
    if (!this.active || this.#carry.length === 0) return Buffer.alloc(0);
    return this.#process(this.#carry, true);
  }

  #process(buffer: Buffer, final: boolean): Buffer {
    const spans = this.#spans(buffer);
    // Nothing before `cut` can be the start of a secret still to come.
    const cut = final ? buffer.length : this.#heldFrom(buffer);
    if (cut === 0) {
      // All of it may begin a secret: hold it, with what it carried in.
      this.#carry = Buffer.from(buffer);
      return Buffer.alloc(0);
    }
    const out: Buffer[] = [];
    let position = 0;
    let maskedAhead = 0;
    for (const [start, end] of spans) {
      if (start >= cut) break;
      if (start > position) out.push(buffer.subarray(position, start));
      // A span that began in an earlier call was printed then.
      if (!(start === 0 && this.#maskedAhead > 0)) out.push(this.#mask);
      position = Math.min(end, cut);
      maskedAhead = Math.max(0, end - cut);
    }
    if (position < cut) out.push(buffer.subarray(position, cut));
    this.#carry = Buffer.from(buffer.subarray(cut));
    this.#maskedAhead = maskedAhead;
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** Every occurrence of every secret (and the span carried in), merged where they overlap. */
  #spans(buffer: Buffer): Array<[number, number]> {
    const found: Array<[number, number]> = this.#maskedAhead > 0 ? [[0, this.#maskedAhead]] : [];
    for (const secret of this.#secrets) {
      for (let at = buffer.indexOf(secret); at !== -1; at = buffer.indexOf(secret, at + 1)) found.push([at, at + secret.length]);
    }
    found.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const span of found) {
      const last = merged[merged.length - 1];
      if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([span[0], span[1]]);
    }
    return merged;
  }

  /** Where the longest tail of `buffer` that begins some secret starts (buffer.length when none). */
  #heldFrom(buffer: Buffer): number {
    let from = buffer.length;
    for (const secret of this.#secrets) {
      const first = secret[0]!;
      for (let at = buffer.indexOf(first, Math.max(0, buffer.length - secret.length + 1)); at !== -1 && at < from; at = buffer.indexOf(first, at + 1)) {
        const tail = buffer.subarray(at);
        if (tail.length < secret.length && tail.equals(secret.subarray(0, tail.length))) {
          from = at;
          break;
        }
      }
    }
    return from;
  }
}

/** Masks a whole text at once (what the stream form must equal). */
export function maskSecrets(text: string | Buffer, secrets: Iterable<string>): Buffer {
  const masker = new SecretMasker(secrets);
  const input = typeof text === 'string' ? Buffer.from(text) : text;
  return Buffer.concat([masker.push(input), masker.flush()]);
}
