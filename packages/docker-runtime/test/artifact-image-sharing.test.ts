import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ImageSpec } from '@docker-worker/worker-contract';
import { MemoryTaskLog, until } from '@docker-worker/worker-contract/testing';
import Dockerode from 'dockerode';
import { DockerRuntime } from '../src/index.js';
import { artifactImageName } from '../src/artifact-image.js';
import { collect, imageContext, removeTag, TEST_IMAGE, uniqueId } from './helpers.js';

/**
 * Tasks wanting the same image artifact at once share one download (real engine, a real HTTP
 * server that holds the tarball's second half until told). A canceled task stops waiting
 * without failing the others; the download stops when nobody waits for it.
 */
describe('shared image artifact downloads', () => {
  const docker = new Dockerode();
  const path = 'public/image.tar';
  const made: string[] = [];
  let tarball: Buffer;
  let server: Server;
  let url: string;
  /** Per request: answered in full, or cut off (the client went away). */
  const requests: Array<'complete' | 'closed' | 'open'> = [];
  let releaseSecondHalf: () => void = () => {};
  let firstHalfSent: Promise<void>;

  function holdNextDownload(): void {
    let sent: () => void = () => {};
    firstHalfSent = new Promise((resolve) => (sent = resolve));
    const release = new Promise<void>((resolve) => (releaseSecondHalf = resolve));
    server.removeAllListeners('request');
    server.on('request', (req, res) => {
      const index = requests.push('open') - 1;
      res.on('close', () => {
        if (requests[index] === 'open') requests[index] = 'closed';
      });
      res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': tarball.length });
      const half = Math.floor(tarball.length / 2);
      res.write(tarball.subarray(0, half), () => sent());
      void release.then(() => {
        if (res.destroyed) return;
        res.end(tarball.subarray(half), () => (requests[index] = 'complete'));
      });
    });
  }

  function spec(): { image: ImageSpec; name: string } {
    const taskId = `shared${uniqueId()}aaaaQ`;
    const name = artifactImageName(taskId, path);
    made.push(name);
    return { image: { type: 'task-image', taskId, path }, name };
  }

  function context(signal: AbortSignal, log = new MemoryTaskLog()) {
    return { ...imageContext(log, signal), artifacts: { artifactUrl: () => url, findTask: () => Promise.reject(new Error('no index here')) } };
  }

  beforeAll(async () => {
    tarball = await collect((await docker.getImage(TEST_IMAGE).get()) as unknown as Readable);
    server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/image.tar`;
  });

  afterAll(async () => {
    releaseSecondHalf();
    server.closeAllConnections();
    server.close();
    for (const name of made) await removeTag(docker, name);
  });

  it('one download for two tasks; canceling the first leaves the second its image', async () => {
    const runtime = new DockerRuntime({ docker });
    holdNextDownload();
    const { image } = spec();
    const first = new AbortController();
    const secondLog = new MemoryTaskLog();
    const loadingFirst = runtime.ensureImage(image, context(first.signal));
    await firstHalfSent;
    const before = requests.length;
    const loadingSecond = runtime.ensureImage(image, context(new AbortController().signal, secondLog));
    await until('the second task to join the download', () => secondLog.infos.some((line) => line.includes('is being downloaded for another task; waiting for it')));
    first.abort(new Error('task canceled'));
    await expect(loadingFirst).rejects.toThrow('task canceled');
    releaseSecondHalf();
    const resolved = await loadingSecond;
    expect(resolved.id).toMatch(/^sha256:/);
    // One request, the first task's, carried through to the end for the second.
    expect(requests.slice(before - 1)).toEqual(['complete']);
    expect(secondLog.infos.join('\n')).toMatch(/loaded: [\d.]+ MB/);
  });

  it('stops the download when every waiting task is canceled, and a later task starts afresh', async () => {
    const runtime = new DockerRuntime({ docker });
    holdNextDownload();
    const { image } = spec();
    const a = new AbortController();
    const b = new AbortController();
    const loadingA = runtime.ensureImage(image, context(a.signal));
    await firstHalfSent;
    const logB = new MemoryTaskLog();
    const loadingB = runtime.ensureImage(image, context(b.signal, logB));
    await until('the second task to join the download', () => logB.infos.some((line) => line.includes('waiting for it')));
    a.abort(new Error('canceled a'));
    b.abort(new Error('canceled b'));
    await expect(loadingA).rejects.toThrow('canceled a');
    await expect(loadingB).rejects.toThrow('canceled b');
    const before = requests.length;
    // The abandoned download's connection is cut, not left hanging.
    await until('the abandoned download to be cut', () => requests[before - 1] !== 'open');
    expect(requests[before - 1]).toBe('closed');

    holdNextDownload();
    releaseSecondHalf();
    const again = await runtime.ensureImage(image, context(new AbortController().signal));
    expect(again.id).toMatch(/^sha256:/);
    expect(requests.length).toBe(before + 1);
  });
});
