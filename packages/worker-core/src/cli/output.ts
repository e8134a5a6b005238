import { Transform, type TransformCallback } from 'node:stream';
import picocolors from 'picocolors';
import type { Colors } from 'picocolors/types.js';

/**
 * Colour for a stream that is a terminal, unless NO_COLOR is set (to anything but empty, as
 * no-color.org says); FORCE_COLOR turns it on for a pipe. Decided per stream: stdout piped
 * into a file stays plain while stderr on the terminal is coloured.
 */
export function colorsFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Colors {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
  return picocolors.createColors(!noColor && (forced || stream.isTTY === true));
}

/** How the task log's own markers look (the log keeps them as written; only the terminal copy is coloured). */
const MARKERS: ReadonlyArray<[string, keyof Colors]> = [
  ['[taskcluster:error]', 'red'],
  ['[taskcluster:warning]', 'yellow'],
  ['[taskcluster ', 'cyan'],
];
const LONGEST_MARKER = Math.max(...MARKERS.map(([marker]) => marker.length));

export interface EchoOptions {
  colors: Colors;
  /** Prefix each line with the time it is printed. */
  timestamps: boolean;
  clock?: () => Date;
}

/**
 * The task log on its way to a terminal or pipe: the worker's lines coloured by kind, each
 * line prefixed with a timestamp when asked. Bytes of a line go out as they come (a progress
 * bar without a newline still shows); only the first few bytes of a line are held, until it
 * is known whether they are a worker marker.
 */
export class LogEcho extends Transform {
  readonly #options: EchoOptions;
  #atLineStart = true;
  /** The start of a line too short to tell whether it is a marker. */
  #pending = '';
  /** The colour of the line being printed, when it is one of the worker's. */
  #lineColor: keyof Colors | undefined;

  /**
   * Neither colour nor timestamps: every byte goes out as it came, so chunks pass through
   * untouched. Rendering them would turn each into a string, line by line, for the same bytes:
   * for a 200 MB log on a pipe that was a second of the worker's CPU and most of its garbage.
   */
  readonly #plain: boolean;

  constructor(options: EchoOptions) {
    super();
    this.#options = options;
    this.#plain = !options.colors.isColorSupported && !options.timestamps;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#plain) return callback(null, chunk);
    this.push(this.#render(this.#pending + chunk.toString('latin1'), false));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.push(this.#render(this.#pending, true));
    callback();
  }

  /** Works on latin1 text (one char a byte), so a UTF-8 character cut between chunks is passed on intact. */
  #render(text: string, final: boolean): Buffer {
    this.#pending = '';
    let out = '';
    let position = 0;
    while (position < text.length) {
      if (this.#atLineStart) {
        const rest = text.slice(position, position + LONGEST_MARKER);
        if (!final && rest.length < LONGEST_MARKER && !rest.includes('\n') && MARKERS.some(([marker]) => marker.startsWith(rest))) {
          this.#pending = text.slice(position);
          break;
        }
        this.#lineColor = MARKERS.find(([marker]) => rest.startsWith(marker))?.[1];
        if (this.#options.timestamps) out += this.#color('dim', `${(this.#options.clock ?? (() => new Date()))().toISOString()} `);
        this.#atLineStart = false;
      }
      const newline = text.indexOf('\n', position);
      const end = newline === -1 ? text.length : newline;
      out += this.#color(this.#lineColor, text.slice(position, end));
      if (newline === -1) break;
      out += '\n';
      position = newline + 1;
      this.#atLineStart = true;
    }
    return Buffer.from(out, 'latin1');
  }

  #color(color: keyof Colors | undefined, text: string): string {
    if (!color || text === '' || !this.#options.colors.isColorSupported) return text;
    // Colour codes are ASCII, so they pass through latin1 unchanged.
    return (this.#options.colors[color] as (input: string) => string)(text);
  }
}
