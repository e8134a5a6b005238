import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { stripVTControlCharacters } from 'node:util';
import picocolors from 'picocolors';
import { LogEcho, colorsFor } from './output.js';

const clock = () => new Date('2026-01-02T03:04:05.678Z');

async function echoed(chunks: string[], options: { color: boolean; timestamps: boolean }): Promise<string> {
  const view = new LogEcho({ colors: picocolors.createColors(options.color), timestamps: options.timestamps, clock });
  return text(Readable.from(chunks.map((c) => Buffer.from(c))).pipe(view));
}

describe('colour', () => {
  it('on a terminal only, never with NO_COLOR, on a pipe with FORCE_COLOR', () => {
    expect(colorsFor({ isTTY: true }, {}).isColorSupported).toBe(true);
    expect(colorsFor({ isTTY: false }, {}).isColorSupported).toBe(false);
    expect(colorsFor({}, {}).isColorSupported).toBe(false);
    expect(colorsFor({ isTTY: true }, { NO_COLOR: '1' }).isColorSupported).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(colorsFor({ isTTY: true }, { NO_COLOR: '' }).isColorSupported).toBe(true);
    expect(colorsFor({ isTTY: false }, { FORCE_COLOR: '1' }).isColorSupported).toBe(true);
    expect(colorsFor({ isTTY: false }, { FORCE_COLOR: '1', NO_COLOR: '1' }).isColorSupported).toBe(false);
  });
});

describe('LogEcho', () => {
  const log = '[taskcluster 2026-01-02T00:00:00.000Z] Task ID: x\nplain output\n[taskcluster:error] boom\n[taskcluster:warning] careful\n';

  it('passes the log through unchanged when plain', async () => {
    expect(await echoed([log], { color: false, timestamps: false })).toBe(log);
  });

  it('when plain, hands each chunk on as it came, even the start of a possible marker', async () => {
    const view = new LogEcho({ colors: picocolors.createColors(false), timestamps: false });
    const seen: Buffer[] = [];
    view.on('data', (chunk: Buffer) => seen.push(chunk));
    const chunks = [Buffer.from('[taskc'), Buffer.from('luster:error] x\npartial'), Buffer.from([0xe2, 0x98])];
    for (const chunk of chunks) {
      view.write(chunk);
      // Nothing is held back to look at with the next chunk.
      await new Promise((resolve) => setImmediate(resolve));
      expect(Buffer.concat(seen)).toEqual(Buffer.concat(chunks.slice(0, chunks.indexOf(chunk) + 1)));
    }
    view.end();
    await new Promise((resolve) => view.once('end', resolve));
    expect(seen).toHaveLength(chunks.length);
    seen.forEach((chunk, i) => expect(chunk).toBe(chunks[i]));
  });

  it('colours the worker\'s lines by kind, even when a marker is cut between chunks', async () => {
    const whole = await echoed([log], { color: true, timestamps: false });
    const { cyan, red, yellow } = picocolors.createColors(true);
    expect(whole).toBe(`${cyan('[taskcluster 2026-01-02T00:00:00.000Z] Task ID: x')}\nplain output\n${red('[taskcluster:error] boom')}\n${yellow('[taskcluster:warning] careful')}\n`);
    for (let cut = 1; cut < log.length; cut++) {
      const pieces = await echoed([log.slice(0, cut), log.slice(cut)], { color: true, timestamps: false });
      // Colour codes may be split where the chunk was; the text and markers' colours stay.
      expect(stripVTControlCharacters(pieces)).toBe(log);
      expect(pieces).toContain(red('[taskcluster:error]').slice(0, 5));
    }
  });

  it('prefixes every line with a timestamp, a partial line once', async () => {
    const out = await echoed(['first\nsec', 'ond\n', 'no newline at the end'], { color: false, timestamps: true });
    const t = '2026-01-02T03:04:05.678Z ';
    expect(out).toBe(`${t}first\n${t}second\n${t}no newline at the end`);
  });

  it('keeps multi-byte characters cut between chunks intact', async () => {
    const bytes = Buffer.from('café ☕\n');
    const view = new LogEcho({ colors: picocolors.createColors(false), timestamps: false });
    const out = await text(Readable.from([bytes.subarray(0, 4), bytes.subarray(4, 7), bytes.subarray(7)]).pipe(view));
    expect(out).toBe('café ☕\n');
  });
});
