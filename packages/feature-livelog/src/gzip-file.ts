import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Compress a file to another file and return the compressed size. Through disk rather than
 * memory because an upload needs its length up front and a log can be any size.
 */
export async function gzipFile(source: string, target: string): Promise<number> {
  await pipeline(createReadStream(source), createGzip(), createWriteStream(target));
  return (await stat(target)).size;
}
