import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it, jest } from '@jest/globals';
import { EngineUnavailableError, ImageError, ResourceUnavailableError } from '@docker-worker/worker-contract';
import type Dockerode from 'dockerode';
import { parseImageReference } from './image-reference.js';
import { classifyPullFailure, ImagePuller } from './pull.js';

type CreateImage = (options: Record<string, unknown>) => Promise<Readable>;

function stubDocker(createImage: CreateImage) {
  const fn = jest.fn(createImage);
  return { docker: { createImage: fn } as unknown as Dockerode, createImage: fn };
}

const lines = (...events: object[]): Readable => Readable.from([events.map((e) => JSON.stringify(e)).join('\r\n') + '\r\n']);
const httpError = (status: number, message: string) => Object.assign(new Error(`(HTTP code ${status}) unexpected - ${message} `), { statusCode: status, json: null });
const options = { timeoutMs: 10_000, attempts: 3, retryDelayMs: 1 };
const image = parseImageReference('127.0.0.1:5000/some/image');
const never = () => new AbortController().signal;

describe('ImagePuller', () => {
  it('pulls with the parsed reference and sums layers and downloaded bytes', async () => {
    const { docker, createImage } = stubDocker(async () =>
      lines(
        { status: 'Pulling from some/image', id: 'latest' },
        { status: 'Already exists', id: 'aaa' },
        { status: 'Pulling fs layer', id: 'bbb' },
        { status: 'Downloading', id: 'bbb', progressDetail: { current: 10, total: 2_500_000 } },
        { status: 'Downloading', id: 'bbb', progressDetail: { current: 2_000_000, total: 2_500_000 } },
        { status: 'Pull complete', id: 'bbb' },
        { status: 'Status: Downloaded newer image for 127.0.0.1:5000/some/image:latest' },
      ),
    );
    const summary = await new ImagePuller(docker, options).pull(image, never());
    expect(summary).toMatchObject({ layers: 2, bytes: 2_500_000 });
    expect(createImage).toHaveBeenCalledTimes(1);
    expect(createImage.mock.calls[0]?.[0]).toMatchObject({ fromImage: '127.0.0.1:5000/some/image', tag: 'latest' });
  });

  it('pulls a pinned image by digest', async () => {
    const { docker, createImage } = stubDocker(async () => lines({ status: 'done' }));
    const digest = `sha256:${'b'.repeat(64)}`;
    await new ImagePuller(docker, options).pull(parseImageReference(`a/b:1@${digest}`), never());
    expect(createImage.mock.calls[0]?.[0]).toMatchObject({ fromImage: 'a/b', tag: digest });
  });

  it('does not retry an image that does not exist, and names it', async () => {
    const { docker, createImage } = stubDocker(async () => {
      throw httpError(404, 'manifest for 127.0.0.1:5000/some/image:latest not found: manifest unknown');
    });
    const error = await new ImagePuller(docker, options).pull(image, never()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ImageError);
    expect((error as Error).message).toBe(
      'Image "127.0.0.1:5000/some/image:latest" could not be pulled: manifest for 127.0.0.1:5000/some/image:latest not found: manifest unknown',
    );
    expect(createImage).toHaveBeenCalledTimes(1);
  });

  it('treats an error reported inside the progress stream by what it says', async () => {
    const denied = stubDocker(async () => lines({ status: 'Pulling' }, { error: 'x', errorDetail: { message: 'unauthorized: authentication required' } }));
    await expect(new ImagePuller(denied.docker, options).pull(image, never())).rejects.toBeInstanceOf(ImageError);
    expect(denied.createImage).toHaveBeenCalledTimes(1);

    let calls = 0;
    const flaky = stubDocker(async () => (++calls === 1 ? lines({ errorDetail: { message: 'read: connection reset by peer' }, error: 'reset' }) : lines({ status: 'ok' })));
    await expect(new ImagePuller(flaky.docker, options).pull(image, never())).resolves.toMatchObject({ layers: 0 });
    expect(flaky.createImage).toHaveBeenCalledTimes(2);
  });

  it('retries registry trouble, then gives up as resource-unavailable', async () => {
    const { docker, createImage } = stubDocker(async () => {
      throw httpError(500, 'Get "https://registry.example/v2/": dial tcp: lookup registry.example: no such host');
    });
    const error = await new ImagePuller(docker, options).pull(image, never()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ResourceUnavailableError);
    expect((error as Error).message).toMatch(/^Image "127\.0\.0\.1:5000\/some\/image:latest" could not be pulled after 3 attempts: Get/);
    expect(createImage).toHaveBeenCalledTimes(3);
  });

  it('reports an unreachable engine as the engine being away (handed back, not the task failing)', async () => {
    const { docker } = stubDocker(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    });
    const error = await new ImagePuller(docker, options).pull(image, never()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as EngineUnavailableError).outcome).toEqual({ state: 'exception', reason: 'worker-shutdown' });
  });

  it('shares one pull between concurrent requests for the same image', async () => {
    const stream = new PassThrough();
    const { docker, createImage } = stubDocker(async () => stream);
    const puller = new ImagePuller(docker, options);
    const first = puller.pull(image, never());
    const second = puller.pull(parseImageReference('127.0.0.1:5000/some/image:latest'), never());
    const other = puller.pull(parseImageReference('127.0.0.1:5000/other'), never());
    stream.end(JSON.stringify({ status: 'Pulling fs layer', id: 'l1' }) + '\n');
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    await other;
    expect(createImage).toHaveBeenCalledTimes(2);
  });

  it('lets one waiter give up without stopping the pull for the others', async () => {
    const stream = new PassThrough();
    const { docker, createImage } = stubDocker(async () => stream);
    const puller = new ImagePuller(docker, options);
    const quitter = new AbortController();
    const quitting = puller.pull(image, quitter.signal);
    const staying = puller.pull(image, never());
    await new Promise((resolve) => setImmediate(resolve));
    quitter.abort(new Error('task canceled'));
    await expect(quitting).rejects.toThrow('task canceled');
    expect(stream.destroyed).toBe(false);
    stream.end(`${JSON.stringify({ status: 'Already exists', id: 'l1' })}\n`);
    await expect(staying).resolves.toMatchObject({ layers: 1 });
    expect(createImage).toHaveBeenCalledTimes(1);
  });

  it('abandons the pull when every waiter gave up, and a later request starts a new one', async () => {
    const streams: PassThrough[] = [];
    const { docker, createImage } = stubDocker(async () => {
      const stream = new PassThrough();
      streams.push(stream);
      return stream;
    });
    const puller = new ImagePuller(docker, options);
    const controller = new AbortController();
    const pulling = puller.pull(image, controller.signal);
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('canceled'));
    await expect(pulling).rejects.toThrow('canceled');
    expect(streams[0]?.destroyed).toBe(true);
    const again = puller.pull(image, never());
    await new Promise((resolve) => setImmediate(resolve));
    streams[1]?.end();
    await expect(again).resolves.toMatchObject({ layers: 0 });
    expect(createImage).toHaveBeenCalledTimes(2);
  });

  it('gives up on a pull that takes longer than the timeout', async () => {
    const stream = new PassThrough();
    const { docker } = stubDocker(async () => stream);
    const error = await new ImagePuller(docker, { ...options, timeoutMs: 50 }).pull(image, never()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ResourceUnavailableError);
    expect((error as Error).message).toMatch(/could not be pulled within 0.05 s/);
    expect(stream.destroyed).toBe(true);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { docker, createImage } = stubDocker(async () => lines());
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(new ImagePuller(docker, options).pull(image, controller.signal)).rejects.toThrow('too late');
    expect(createImage).not.toHaveBeenCalled();
  });

  it('ignores progress lines that are not JSON', async () => {
    const { docker } = stubDocker(async () => Readable.from(['not json\n{"status":"Pulling fs layer","id":"x"}\n{"sta', 'tus":"Already exists","id":"y"}']));
    await expect(new ImagePuller(docker, options).pull(image, never())).resolves.toMatchObject({ layers: 2 });
  });
});

describe('classifyPullFailure', () => {
  it.each([
    [httpError(404, 'pull access denied for nope/nothing, repository does not exist'), 'image'],
    [httpError(400, 'invalid reference format'), 'image'],
    [httpError(429, 'toomanyrequests'), 'transient'],
    [httpError(500, 'Get "https://registry-1.docker.io/v2/": net/http: TLS handshake timeout'), 'transient'],
    [httpError(500, 'unauthorized: authentication required'), 'image'],
    // What the engine says for a private registry when no credentials are configured.
    [httpError(500, 'Head "http://127.0.0.1:5000/v2/x/manifests/latest": no basic auth credentials'), 'image'],
    [Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }), 'engine'],
  ])('%s → %s', (error, kind) => {
    expect(classifyPullFailure(error)).toBe(kind);
  });
});
