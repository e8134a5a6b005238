import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ImageError, ResourceUnavailableError } from '@docker-worker/worker-contract';
import { MemoryTaskLog } from '@docker-worker/worker-contract/testing';
import Dockerode from 'dockerode';
import { artifactImageName } from '../src/artifact-image.js';
import { DockerRuntime } from '../src/index.js';
import { collect, imageContext, removeTag, TEST_IMAGE, uniqueId } from './helpers.js';

const TIMEOUT = 120_000;

/** `program -c` of `data`, through the real Debian program. */
async function compressWith(program: string, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, ['-c', '-q'], { encoding: 'buffer', maxBuffer: 1 << 30 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    child.stdin!.end(data);
  });
}

/**
 * An image artifact's format is told by its bytes, whatever its name (real engine, a real HTTP
 * server serving each archive): every format `docker load` reads, plus lz4, loads; the hash
 * recorded is the download's; what is no archive, or a corrupt one, fails naming what it is.
 */
describe('image artifacts of every format', () => {
  const docker = new Dockerode();
  const made: string[] = [];
  const served = new Map<string, { body: Buffer; length?: number }>();
  let server: Server;
  let base: string;
  let tarball: Buffer;

  beforeAll(async () => {
    tarball = await collect((await docker.getImage(TEST_IMAGE).get()) as unknown as Readable);
    served.set('/tar', { body: tarball });
    served.set('/gzip', { body: gzipSync(tarball) });
    for (const program of ['bzip2', 'xz', 'zstd', 'lz4']) served.set(`/${program}`, { body: await compressWith(program, tarball) });
    served.set('/zip', { body: Buffer.concat([Buffer.from('504b030414000000', 'hex'), Buffer.alloc(600)]) });
    const zstd = served.get('/zstd')!.body;
    served.set('/corrupt-zstd', { body: Buffer.concat([zstd.subarray(0, 16), Buffer.alloc(zstd.length - 16, 0x55)]) });
    const text = Buffer.from('this is not a tar archive\n'.repeat(10_000));
    served.set('/gzip-of-text', { body: gzipSync(text) });
    served.set('/lz4-of-text', { body: await compressWith('lz4', text) });
    served.set('/cut-short', { body: served.get('/xz')!.body.subarray(0, 4096), length: served.get('/xz')!.body.length });
    server = createServer((req, res) => {
      const entry = served.get(req.url ?? '');
      if (!entry) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.length ?? entry.body.length });
      if (entry.length === undefined) res.end(entry.body);
      else res.write(entry.body, () => res.destroy());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, TIMEOUT);

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    for (const name of made) await removeTag(docker, name);
  });

  async function load(route: string, path: string, log = new MemoryTaskLog()) {
    const taskId = `formats${uniqueId()}aaQ`;
    made.push(artifactImageName(taskId, path));
    const runtime = new DockerRuntime({ docker });
    const context = { ...imageContext(log), artifacts: { artifactUrl: () => `${base}${route}`, findTask: () => Promise.reject(new Error('no index here')) } };
    return runtime.ensureImage({ type: 'task-image', taskId, path }, context);
  }

  it.each([
    ['tar', 'public/image', 'a plain tar'],
    ['gzip', 'public/image.tar.zst', 'a gzip-compressed tar'],
    ['bzip2', 'public/image.tar.bz2', 'a bzip2-compressed tar'],
    ['xz', 'public/image.lz4', 'a xz-compressed tar'],
    ['zstd', 'public/image', 'a zstd-compressed tar'],
    ['lz4', 'public/image.tar', 'a lz4-compressed tar'],
  ])('%s served as %s loads, and the hash recorded is the downloaded bytes\'', async (format, path, described) => {
    const log = new MemoryTaskLog();
    const resolved = await load(`/${format}`, path, log);
    expect(resolved.id).toMatch(/^sha256:/);
    expect(resolved.artifactSha256).toBe(createHash('sha256').update(served.get(`/${format}`)!.body).digest('hex'));
    expect(resolved).toMatchObject({ source: 'loaded', bytes: served.get(`/${format}`)!.body.length });
    expect(log.infos.join('\n')).toContain(`(${described}) loaded:`);
    const inspected = await docker.getImage(resolved.name).inspect();
    expect(inspected.Id).toBe(resolved.id);
  }, TIMEOUT);

  it('what is no image archive fails naming its first bytes, whatever its name', async () => {
    const failure = await load('/zip', 'public/image.tar').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ImageError);
    expect((failure as Error).message).toContain('is not an image archive');
    expect((failure as Error).message).toContain('its first bytes are 50 4b 03 04 14 00 00 00');
  }, TIMEOUT);

  it('corrupt compressed data fails as the decoder says; a compressed non-tar fails as not a tar', async () => {
    await expect(load('/corrupt-zstd', 'public/image.tar.zst')).rejects.toThrow(ImageError);
    await expect(load('/corrupt-zstd', 'public/image2.tar.zst')).rejects.toThrow(/not valid zstd data/);
    const notTar = await load('/gzip-of-text', 'public/image.tar.gz').catch((err: unknown) => err);
    expect(notTar).toBeInstanceOf(ImageError);
    expect((notTar as Error).message).toContain('does not hold a valid tar archive');
    await expect(load('/lz4-of-text', 'public/image.tar.lz4')).rejects.toThrow(/does not hold a valid tar archive/);
  }, TIMEOUT);

  it('a download cut short is resource-unavailable (retried), not a corrupt archive', async () => {
    const failure = await load('/cut-short', 'public/image.tar.xz').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ResourceUnavailableError);
  }, TIMEOUT);
});
