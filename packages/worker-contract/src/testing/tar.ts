/**
 * A minimal ustar writer and reader, enough for FakeRuntime's `archive()` and for tests that
 * check what a runtime's `archive()` returned. Not a general tar library: no long names on the
 * writing side, no links, no sparse files. The reader understands the PAX `path` records the
 * Docker engine writes for long names, and skips every other extension header.
 */

const BLOCK = 512;

export interface TarEntry {
  /** Path inside the archive, without a leading slash; directories end with `/`. */
  name: string;
  type: 'file' | 'directory';
  /** File contents (empty for directories). */
  data: Buffer;
}

function octal(value: number, width: number): string {
  // width - 1 octal digits, then NUL: the classic ustar numeric field.
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, typeflag: '0' | '5', mode: number): Buffer {
  const nameBytes = Buffer.from(name);
  if (nameBytes.length > 100) throw new Error(`tar entry name longer than 100 bytes: ${name}`);
  const block = Buffer.alloc(BLOCK);
  nameBytes.copy(block, 0);
  block.write(octal(mode, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii'); // uid
  block.write(octal(0, 8), 116, 'ascii'); // gid
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(0, 12), 136, 'ascii'); // mtime
  block.write(typeflag, 156, 'ascii');
  block.write('ustar\0' + '00', 257, 'ascii');
  // The checksum is computed with its own field read as eight spaces.
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return block;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** A complete tar archive (with the two zero blocks that end it) holding `entries` in order. */
export function buildTar(entries: Array<{ name: string; data?: Buffer | string; type?: 'file' | 'directory' }>): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    if (entry.type === 'directory') {
      const name = entry.name.endsWith('/') ? entry.name : `${entry.name}/`;
      parts.push(header(name, 0, '5', 0o755));
      continue;
    }
    const data = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data ?? '');
    parts.push(header(entry.name, data.length, '0', 0o644), data, padding(data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

function parsePaxPath(data: Buffer): string | undefined {
  // Records are "<length> <key>=<value>\n".
  for (const record of data.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

/** The files and directories of a tar archive held in memory. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const size = parseInt(readString(block, 124, 12).trim() || '0', 8);
    const typeflag = String.fromCharCode(block[156] ?? 0);
    const prefix = readString(block, 345, 155);
    const shortName = readString(block, 0, 100);
    const data = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x') {
      paxPath = parsePaxPath(data);
      continue;
    }
    if (typeflag === 'g') continue;
    const name = paxPath ?? (prefix ? `${prefix}/${shortName}` : shortName);
    paxPath = undefined;
    if (typeflag === '5') entries.push({ name, type: 'directory', data: Buffer.alloc(0) });
    else if (typeflag === '0' || typeflag === '\0') entries.push({ name, type: 'file', data: Buffer.from(data) });
  }
  return entries;
}
