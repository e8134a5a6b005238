import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { PathNotFoundError, type TaskFiles } from '@docker-worker/worker-contract';
import tar from 'tar-stream';

/**
 * A finished task's files, read from its directory on the host as tar streams, following the
 * rules of `TaskFiles` (worker-contract): a missing path rejects with PathNotFoundError; a file
 * is one entry named its base name; a directory is `<base>/` then `<base>/<path below it>`;
 * a symlink is a symlink entry, never followed.
 *
 * Paths are relative to the task directory. The artifacts feature resolves a declared path
 * from `/` (a container's root), so a leading `/` means the task directory too, and `..` can
 * never climb above it.
 */
export class DirectoryFiles implements TaskFiles {
  constructor(readonly root: string) {}

  async archive(path: string): Promise<Readable> {
    const inside = posix.resolve('/', path).slice(1);
    const full = inside === '' ? this.root : join(this.root, ...inside.split('/'));
    let stats: Stats;
    try {
      stats = await lstat(full);
      await this.#refuseEscape(full, path);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new PathNotFoundError(path);
      throw err;
    }
    // The task directory itself gets its own name as base: it has no other.
    const base = basename(full);
    const pack = tar.pack();
    // Entries are produced as the consumer reads (tar-stream holds writes back), so a large
    // directory is never in memory; a failure reaches the reader as the stream's error.
    addEntry(pack, full, base, stats).then(
      () => pack.finalize(),
      (err: unknown) => pack.destroy(err as Error),
    );
    // tar-stream's streams are streamx ones: handing out a Node stream keeps every consumer
    // (stream.pipeline, instanceof checks) on familiar ground.
    return Readable.from(pack, { objectMode: false });
  }

  /**
   * The path itself is never followed, but a symlink among its parents (`out -> /etc`, then
   * `out/passwd`) would lead outside the task directory: that path is not among the task's files.
   */
  async #refuseEscape(full: string, asked: string): Promise<void> {
    if (full === this.root) return;
    const [root, parent] = await Promise.all([realpath(this.root), realpath(dirname(full))]);
    const below = relative(root, parent);
    if (below === '..' || below.startsWith(`..${sep}`)) {
      throw new PathNotFoundError(asked, `${asked} leads outside the task directory through a symlink`);
    }
  }
}

/** What `pack.entry` takes: every header field but the name may be left out. */
type EntryHeader = Partial<tar.Header> & { name: string };

function header(name: string, stats: Stats): EntryHeader {
  return { name, mode: stats.mode & 0o7777, mtime: stats.mtime, uid: stats.uid, gid: stats.gid };
}

/** One entry (and, for a directory, everything below it, in name order). */
async function addEntry(pack: tar.Pack, full: string, name: string, stats: Stats): Promise<void> {
  if (stats.isDirectory()) {
    await writeEntry(pack, { ...header(`${name}/`, stats), type: 'directory' });
    const children = (await readdir(full)).sort();
    for (const child of children) {
      const childPath = join(full, child);
      await addEntry(pack, childPath, `${name}/${child}`, await lstat(childPath));
    }
  } else if (stats.isSymbolicLink()) {
    await writeEntry(pack, { ...header(name, stats), type: 'symlink', linkname: await readlink(full) });
  } else if (stats.isFile()) {
    await writeFile(pack, { ...header(name, stats), type: 'file', size: stats.size }, full);
  } else if (stats.isFIFO()) {
    // Recorded, never read: reading a pipe nobody writes to would wait for ever.
    await writeEntry(pack, { ...header(name, stats), type: 'fifo' });
  }
  // Sockets and devices have nothing an artifact could hold; tar has no entry for a socket.
}

/** An entry without data: a directory, a symlink, a fifo. */
function writeEntry(pack: tar.Pack, entry: EntryHeader): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ ...entry, size: 0 }, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * A file's bytes, streamed into its entry. At most the size the header announced is read, so a
 * file that grew meanwhile still makes a valid archive; one that shrank fails it.
 */
function writeFile(pack: tar.Pack, entry: EntryHeader, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    // An empty file's entry still waits for its (empty) data to end.
    if (entry.size === 0) return void pack.entry(entry, Buffer.alloc(0), done);
    const sink = pack.entry(entry, done);
    const source = createReadStream(path, { start: 0, end: entry.size! - 1 });
    source.once('error', (err) => {
      sink.destroy(err);
      reject(err);
    });
    source.pipe(sink);
  });
}
