import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheDirName, HostCacheManager } from './host-cache-manager.js';

describe('HostCacheManager', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dw-caches-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('gives concurrent tasks different instances and reuses the most recently used', async () => {
    const caches = new HostCacheManager(root);
    const a = await caches.acquire('checkouts');
    const b = await caches.acquire('checkouts');
    expect(a.id).not.toBe(b.id);
    expect([a.hit, b.hit]).toEqual([false, false]);
    await caches.release(a);
    await new Promise((r) => setTimeout(r, 5));
    await caches.release(b);
    const c = await caches.acquire('checkouts');
    expect(c).toMatchObject({ id: b.id, hit: true });
  });

  it('purges: flagged instances go when released, free ones at once, newer ones stay', async () => {
    const caches = new HostCacheManager(root);
    const busy = await caches.acquire('x');
    const idle = await caches.acquire('x');
    await writeFile(join(idle.hostPath, 'f'), 'data');
    await caches.release(idle);
    await caches.purge('x');
    expect(await readdir(join(root, 'x'))).toEqual([busy.id]);
    await caches.release(busy);
    expect(await readdir(join(root, 'x'))).toEqual([]);
    const old = await caches.acquire('y');
    await new Promise((r) => setTimeout(r, 5));
    const cut = new Date();
    const fresh = await caches.acquire('y');
    await caches.release(old);
    await caches.release(fresh);
    await caches.purge('y', cut);
    expect((await caches.instances('y')).map((i) => i.id)).toEqual([fresh.id]);
  });

  it('survives a restart: the index is reused, unknown directories are removed', async () => {
    const first = new HostCacheManager(root);
    const a = await first.acquire('name/with slash');
    await writeFile(join(a.hostPath, 'kept'), 'yes');
    await first.release(a);
    await mkdir(join(root, 'stray', 'orphan'), { recursive: true });
    const second = new HostCacheManager(root);
    const again = await second.acquire('name/with slash');
    expect(again).toMatchObject({ id: a.id, hit: true });
    expect(await readFile(join(again.hostPath, 'kept'), 'utf8')).toBe('yes');
    expect(await readdir(join(root, 'stray'))).toEqual([]);
  });

  it('release with purge deletes the instance (onExitStatus.purgeCaches)', async () => {
    const caches = new HostCacheManager(root);
    const a = await caches.acquire('z');
    await caches.release(a, { purge: true });
    expect(await caches.instances('z')).toEqual([]);
    expect((await caches.acquire('z')).hit).toBe(false);
  });

  it('keeps every name inside the root, one directory per name: dots, the empty name, slashes, percent signs', async () => {
    const caches = new HostCacheManager(join(root, 'caches'));
    const names = ['..', '.', '...', '', '%2E%2E', '%', 'a/../..', '../x', 'plain.name'];
    const instances = await Promise.all(names.map((name) => caches.acquire(name)));
    for (const instance of instances) {
      // <root>/<one segment for the name>/<id>, with the segment never . or ..
      expect(dirname(dirname(instance.hostPath))).toBe(join(root, 'caches'));
      expect(['.', '..', '']).not.toContain(instance.hostPath.split('/').at(-2));
    }
    expect(new Set(instances.map((i) => dirname(i.hostPath))).size).toBe(names.length);
    // Nothing was made beside the root.
    expect((await readdir(root)).sort()).toEqual(['caches']);
  });

  it('encodes names injectively, leaving ordinary names as they were', () => {
    expect(cacheDirName('..')).toBe('%2E%2E');
    expect(cacheDirName('.')).toBe('%2E');
    expect(cacheDirName('%2E')).toBe('%252E');
    expect(cacheDirName('')).toBe('%');
    expect(cacheDirName('%')).toBe('%25');
    expect(cacheDirName('project-level-3.checkouts')).toBe('project-level-3.checkouts');
    expect(cacheDirName('name/with slash')).toBe('name%2Fwith%20slash');
  });

  it('ignores index entries it could not have written (an id that is a path)', async () => {
    await writeFile(join(root, 'index.json'), JSON.stringify([{ name: 'x', id: '../../escape', createdAt: 0, lastUsed: 0, purge: false }]));
    const caches = new HostCacheManager(root);
    const instance = await caches.acquire('x');
    expect(instance.hit).toBe(false);
    expect(dirname(dirname(instance.hostPath))).toBe(root);
  });
});
