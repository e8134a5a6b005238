import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeTree } from './remove-tree.js';

describe('removeTree', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'remove-tree-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('removes a deep, wide tree with links in it, and nothing the links point at', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'keep'), 'kept');
    const root = join(base, 'tree');
    for (let d = 0; d < 5; d++) {
      const sub = join(root, `d${d}`, 'deeper', 'deepest');
      await mkdir(sub, { recursive: true });
      for (let f = 0; f < 300; f++) await writeFile(join(sub, `f${f}`), String(f));
      await writeFile(join(root, `d${d}`, 'top'), 'x');
    }
    await symlink(outside, join(root, 'link-to-dir'));
    await symlink(join(outside, 'keep'), join(root, 'd0', 'link-to-file'));
    await symlink(join(base, 'nowhere'), join(root, 'dangling'));
    await mkdir(join(root, 'empty'));

    await removeTree(root);

    expect(existsSync(root)).toBe(false);
    expect(await readdir(outside)).toEqual(['keep']);
  });

  it('a missing path is no error; a file or a link at the path is removed itself', async () => {
    await expect(removeTree(join(base, 'missing'))).resolves.toBeUndefined();
    await writeFile(join(base, 'file'), 'x');
    await removeTree(join(base, 'file'));
    await mkdir(join(base, 'target'));
    await symlink(join(base, 'target'), join(base, 'link'));
    await removeTree(join(base, 'link'));
    expect((await readdir(base)).sort()).toEqual(['target']);
  });

  it('a removal that fails (a mount point: EBUSY) rejects with that error once the removals in flight end', async () => {
    const root = join(base, 'tree');
    const mountPoint = join(root, 'mounted');
    await mkdir(mountPoint, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
    try {
      await writeFile(join(mountPoint, 'inside'), 'x');
      await expect(removeTree(root)).rejects.toMatchObject({ code: 'EBUSY' });
      // Like rm -rf without --one-file-system, what the mount held went first.
      expect(await readdir(mountPoint)).toEqual([]);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });
});
