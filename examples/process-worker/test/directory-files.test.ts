// DirectoryFiles against the TaskFiles rules of worker-contract, on a real directory.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { DirectoryFiles } from '../src/directory-files.js';

interface Entry {
  name: string;
  type: string | null | undefined;
  linkname?: string | null;
  data: string;
}

async function entries(archive: Readable): Promise<Entry[]> {
  const extract = tar.extract();
  archive.pipe(extract);
  const found: Entry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    found.push({ name: entry.header.name, type: entry.header.type, linkname: entry.header.linkname, data: Buffer.concat(chunks).toString() });
  }
  return found;
}

describe('DirectoryFiles', () => {
  let root: string;
  let files: DirectoryFiles;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'directory-files-'));
    await mkdir(join(root, 'out/sub'), { recursive: true });
    await writeFile(join(root, 'out/a.txt'), 'A');
    await writeFile(join(root, 'out/sub/b.txt'), 'BB');
    await writeFile(join(root, 'out/empty'), '');
    await symlink('/etc/passwd', join(root, 'out/link'));
    await symlink('/etc', join(root, 'escape'));
    files = new DirectoryFiles(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('gives a file as one entry named its base name', async () => {
    assert.deepEqual(await entries(await files.archive('out/sub/b.txt')), [{ name: 'b.txt', type: 'file', linkname: null, data: 'BB' }]);
  });

  it('reads a leading / as the task directory, as the artifacts feature sends it', async () => {
    const [entry] = await entries(await files.archive('/out/a.txt'));
    assert.equal(entry?.data, 'A');
  });

  it('gives a directory as <base>/ then <base>/<path>, symlinks as symlinks, not followed', async () => {
    const found = await entries(await files.archive('out'));
    assert.deepEqual(
      found.map(({ name, type, linkname, data }) => [name, type, linkname ?? '', data]),
      [
        ['out/', 'directory', '', ''],
        ['out/a.txt', 'file', '', 'A'],
        ['out/empty', 'file', '', ''],
        ['out/link', 'symlink', '/etc/passwd', ''],
        ['out/sub/', 'directory', '', ''],
        ['out/sub/b.txt', 'file', '', 'BB'],
      ],
    );
  });

  it('gives a symlink asked for by name as a symlink entry', async () => {
    const found = await entries(await files.archive('out/link'));
    assert.deepEqual(found.map((e) => [e.name, e.type, e.linkname]), [['link', 'symlink', '/etc/passwd']]);
  });

  it('rejects a missing path with ENOENT (PathNotFoundError)', async () => {
    await assert.rejects(files.archive('out/nope.txt'), { name: 'PathNotFoundError', code: 'ENOENT' });
    await assert.rejects(files.archive('out/a.txt/below'), { code: 'ENOENT' });
  });

  it('never climbs out: .. stops at the task directory, a symlinked parent is not among its files', async () => {
    const [entry] = await entries(await files.archive('../../out/a.txt'));
    assert.equal(entry?.data, 'A');
    await assert.rejects(files.archive('escape/passwd'), { code: 'ENOENT' });
  });
});
