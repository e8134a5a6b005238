// Many small artifacts: small PUT bodies are written in one call (a new file in place, a
// replaced one through a rename), and the expiry sweep skips its scan until something can
// have expired, yet still removes what has.

import { createHash, randomBytes } from 'node:crypto';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tc from 'taskcluster-client';
import { DiskStorage, SizeMismatchError, SMALL_BODY_BYTES } from '../src/storage/disk.js';
import { createAndClaim, rawRequest, startHarness, waitFor, type Harness } from './helpers.js';

let h: Harness;
afterEach(async () => {
  await h.stop();
});

const put = (url: string, body: Buffer, length = body.length) =>
  rawRequest(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(length) }, body });

const gone = (path: string) => access(path).then(
  () => false,
  () => true,
);

describe('small s3 uploads', () => {
  beforeEach(async () => {
    h = await startHarness({ claimTimeout: 60 });
  });

  it('stores bodies below, at and above the in-memory size, each with its bytes, and a second PUT replaces the first', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    for (const size of [0, 1, 1024, SMALL_BODY_BYTES, SMALL_BODY_BYTES + 1]) {
      const name = `public/size-${size}.bin`;
      const { putUrl } = await taskQueue.createArtifact(taskId, 0, name, { storageType: 's3', expires: tc.fromNowJSON('1 day'), contentType: 'application/octet-stream' });
      const first = randomBytes(size);
      expect((await put(putUrl, first)).status).toBe(200);
      const { url } = await h.queue.getArtifact(taskId, 0, name);
      expect((await rawRequest(url)).body.equals(first)).toBe(true);
      const second = randomBytes(size);
      expect((await put(putUrl, second)).status).toBe(200);
      expect((await rawRequest(url)).body.equals(second)).toBe(true);
      expect((await readFile(h.lq.artifactPath(taskId, 0, name)!)).equals(second)).toBe(true);
    }
  });

  it('refuses a small body of another length than declared and keeps what was stored before', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lq-disk-'));
    try {
      const disk = new DiskStorage(dir);
      await disk.init();
      const path = disk.pathFor('s3', 'kept');
      const kept = randomBytes(100);
      await disk.writeStream(path, Readable.from([kept]), 100, { hash: false });
      await expect(disk.writeStream(path, Readable.from([randomBytes(60), randomBytes(60)]), 100, { hash: false })).rejects.toThrow(SizeMismatchError);
      await expect(disk.writeStream(path, Readable.from([randomBytes(60)]), 100, { hash: false })).rejects.toThrow('received 60 bytes, but 100 were declared');
      expect((await readFile(path)).equals(kept)).toBe(true);
      // Only the stored file: no temporary one left behind.
      expect(await readdir(join(dir, 's3'))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('hashes of stored data', () => {
  it('are computed only when asked (objects), for small and streamed bodies alike', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lq-disk-'));
    try {
      const disk = new DiskStorage(dir);
      await disk.init();
      for (const size of [10, SMALL_BODY_BYTES + 10]) {
        const data = randomBytes(size);
        const plain = await disk.writeStream(disk.pathFor('s3', `plain-${size}`), Readable.from([data]), size, { hash: false });
        expect(plain).toEqual({ path: disk.pathFor('s3', `plain-${size}`), size });
        const hashed = await disk.writeStream(disk.pathFor('object', `hashed-${size}`), Readable.from([data]), size, { hash: true });
        expect(hashed.sha256).toBe(createHash('sha256').update(data).digest('hex'));
        expect(hashed.sha512).toBe(createHash('sha512').update(data).digest('hex'));
        expect((await readFile(hashed.path)).equals(data)).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the expiry sweep', () => {
  beforeEach(async () => {
    h = await startHarness({ claimTimeout: 60, expiryCheckInterval: 20 });
  });

  it('removes an expiring artifact and its data, created before or after sweeps that found nothing to do, and keeps the rest', async () => {
    const { taskId, taskQueue } = await createAndClaim(h);
    const upload = async (name: string, expires: string) => {
      const { putUrl } = await taskQueue.createArtifact(taskId, 0, name, { storageType: 's3', expires, contentType: 'application/octet-stream' });
      expect((await put(putUrl, randomBytes(10))).status).toBe(200);
      return h.lq.artifactPath(taskId, 0, name)!;
    };
    const kept = await Promise.all(Array.from({ length: 50 }, (_, i) => upload(`public/kept-${i}`, tc.fromNowJSON('1 day'))));
    // Expiring a few seconds from now: time enough to upload its data before the sweep sees it.
    const first = await upload('public/expiring-1', tc.fromNowJSON('3 seconds'));
    // The record goes first, its data a moment later (the sweep removes the file after it).
    await waitFor(async () => h.lq.artifactPath(taskId, 0, 'public/expiring-1') === undefined && (await gone(first)), 20_000);
    // Sweeps since have seen only artifacts of tomorrow; one expiring now must still be found.
    const second = await upload('public/expiring-2', tc.fromNowJSON('3 seconds'));
    // The record goes first, its data a moment later (the sweep removes the file after it).
    await waitFor(async () => h.lq.artifactPath(taskId, 0, 'public/expiring-2') === undefined && (await gone(second)), 20_000);
    for (const path of kept) expect(await gone(path)).toBe(false);
    expect(h.lq.artifactPath(taskId, 0, 'public/kept-0')).toBeDefined();
  }, 60_000);
});
