import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ImageError, TaskFailedError } from '../outcome.js';
import type { Container, ImageContext, ResolvedImage, Runtime } from '../runtime.js';
import { MemoryTaskLog } from './memory-task-log.js';
import { testTaskDefinition } from './task-fixture.js';
import { readTar } from './tar.js';

/** What a conformance run needs from the runtime under test. */
export interface RuntimeUnderTest {
  runtime: Runtime;
  /**
   * An image name `ensureImage` resolves, whose containers run the commands below: busybox for
   * a real engine, an image registered with `fakeShell` for FakeRuntime.
   */
  image: string;
  /**
   * A name `ensureImage` must reject with ImageError. Defaults to a made-up Docker Hub name;
   * a runtime without internet access should name one on a reachable registry instead.
   */
  missingImage?: string;
  /** Called last, after the suite removed the containers it created. */
  cleanup?: () => Promise<void>;
}

/** Every container the suite creates carries this label (with the run's id), for clean-up. */
export const CONFORMANCE_LABEL = 'org.taskcluster.docker-worker.conformance-run';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/**
 * The behaviours every Runtime must share, as one jest suite. Call it at the top level of a test
 * file; it declares its own `describe` block.
 *
 * The commands are kept to a small set that both a busybox container and FakeRuntime's
 * `fakeShell` understand: `sh -c` scripts of `echo` (with `"$VAR"` and `>&2`), `exit N`,
 * `> /file` redirections, plus `echo` and `sleep N` run directly and one executable that does
 * not exist. A new behaviour needing another command must teach `fakeShell` that command too.
 */
export function runtimeConformance(
  name: string,
  makeRuntime: () => Promise<RuntimeUnderTest>,
  options: { timeoutMs?: number } = {},
): void {
  const timeout = options.timeoutMs ?? 60_000;
  const runId = randomBytes(8).toString('hex');

  describe(`Runtime conformance: ${name}`, () => {
    let subject: RuntimeUnderTest;
    let runtime: Runtime;
    let image: ResolvedImage;
    let log: MemoryTaskLog;

    const context = (): ImageContext => ({ log, signal: new AbortController().signal, task: testTaskDefinition() });

    const create = (command: string[], extra: { env?: Record<string, string>; labels?: Record<string, string> } = {}): Promise<Container> =>
      runtime.createContainer({
        image: image.id,
        command,
        env: extra.env ?? {},
        labels: { [CONFORMANCE_LABEL]: runId, ...extra.labels },
      });

    /** Create, start, wait; the output is collected from before the start. */
    const run = async (command: string[], env?: Record<string, string>): Promise<{ exitCode: number; output: string; container: Container }> => {
      const container = await create(command, { env });
      const output = collect(container.output);
      await container.start();
      const exitCode = await container.wait();
      return { exitCode, output: (await output).toString('utf8'), container };
    };

    beforeAll(async () => {
      subject = await makeRuntime();
      runtime = subject.runtime;
      log = new MemoryTaskLog();
      image = await runtime.ensureImage(subject.image, context());
    }, timeout);

    afterAll(async () => {
      try {
        if (runtime) await runtime.removeContainers({ [CONFORMANCE_LABEL]: runId });
      } finally {
        await subject?.cleanup?.();
      }
    }, timeout);

    it('ping() resolves when the engine is there', async () => {
      await expect(runtime.ping()).resolves.toBeUndefined();
    }, timeout);

    it('ensureImage resolves a present image to an id', async () => {
      expect(image.id).toMatch(/\S/);
      const again = await runtime.ensureImage({ type: 'docker-image', name: subject.image }, context());
      expect(again.id).toBe(image.id);
    }, timeout);

    it('ensureImage of a missing image rejects with an ImageError naming it', async () => {
      const missing = subject.missingImage ?? `dw-conformance/missing-${runId}:latest`;
      const error = await runtime.ensureImage(missing, context()).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ImageError);
      expect((error as Error).message).toContain(missing);
    }, timeout);

    it('delivers what the command prints on output, and exit code 0', async () => {
      const { exitCode, output } = await run(['sh', '-c', 'echo hello from conformance']);
      expect(output).toBe('hello from conformance\n');
      expect(exitCode).toBe(0);
    }, timeout);

    it('runs the command as given, without a shell', async () => {
      const { output } = await run(['echo', 'a', 'b  c']);
      expect(output).toBe('a b  c\n');
    }, timeout);

    it('keeps the order of what one stream prints', async () => {
      const { output } = await run(['sh', '-c', 'echo one; echo two; echo three']);
      expect(output).toBe('one\ntwo\nthree\n');
    }, timeout);

    it('delivers both stdout and stderr', async () => {
      const { output } = await run(['sh', '-c', 'echo to-stdout; echo to-stderr >&2']);
      // The two streams are separate pipes: their relative order is not guaranteed.
      expect(output.split('\n').filter(Boolean).sort()).toEqual(['to-stderr', 'to-stdout']);
    }, timeout);

    it('wait() returns the exit code', async () => {
      const { exitCode } = await run(['sh', '-c', 'exit 7']);
      expect(exitCode).toBe(7);
    }, timeout);

    it('passes env to the container', async () => {
      const value = 'value with  spaces = and "quotes"';
      const { output } = await run(['sh', '-c', 'echo "$DW_CONFORMANCE_VAR"'], { DW_CONFORMANCE_VAR: value });
      expect(output).toBe(`${value}\n`);
    }, timeout);

    it('kill() stops a running container: wait() resolves soon with a non-zero code and output ends', async () => {
      const container = await create(['sleep', '600']);
      const output = collect(container.output);
      await container.start();
      const killedAt = Date.now();
      await container.kill();
      const exitCode = await container.wait();
      await output;
      expect(exitCode).not.toBe(0);
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      // Killing a stopped container is not an error.
      await container.kill();
    }, timeout);

    it('remove() removes a running container and may be called twice', async () => {
      const container = await create(['sleep', '600']);
      const output = collect(container.output);
      await container.start();
      await container.remove();
      await container.remove();
      await output;
    }, timeout);

    it('remove() of a container that never started ends its output', async () => {
      const container = await create(['true']);
      const output = collect(container.output);
      await container.remove();
      expect((await output).length).toBe(0);
    }, timeout);

    it('removeContainers removes every container carrying all the labels and returns the count', async () => {
      const key = `${CONFORMANCE_LABEL}.group`;
      const doomed = [await create(['true'], { labels: { [key]: 'doomed' } }), await create(['true'], { labels: { [key]: 'doomed' } })];
      const kept = await create(['true'], { labels: { [key]: 'kept' } });
      await doomed[0]?.start();
      await doomed[0]?.wait();
      expect(await runtime.removeContainers({ [CONFORMANCE_LABEL]: runId, [key]: 'doomed' })).toBe(2);
      expect(await runtime.removeContainers({ [CONFORMANCE_LABEL]: runId, [key]: 'doomed' })).toBe(0);
      // Removing the others again is harmless.
      for (const container of doomed) await container.remove();
      expect(await runtime.removeContainers({ [CONFORMANCE_LABEL]: runId, [key]: 'kept' })).toBe(1);
      await kept.remove();
      // None of them was started: their output must still end once they are gone.
      await Promise.all([...doomed, kept].map((container) => collect(container.output)));
    }, timeout);

    it('listContainers finds every container carrying all the labels, with all its labels', async () => {
      const key = `${CONFORMANCE_LABEL}.listed`;
      const a = await create(['true'], { labels: { [key]: 'a', [`${key}.extra`]: 'x' } });
      const b = await create(['true'], { labels: { [key]: 'b' } });
      await a.start();
      await a.wait();
      const listed = await runtime.listContainers({ [CONFORMANCE_LABEL]: runId, [key]: 'a' });
      expect(listed).toEqual([{ id: expect.any(String), labels: expect.objectContaining({ [CONFORMANCE_LABEL]: runId, [key]: 'a', [`${key}.extra`]: 'x' }) }]);
      await a.remove();
      expect(await runtime.listContainers({ [CONFORMANCE_LABEL]: runId, [key]: 'a' })).toEqual([]);
      expect((await runtime.listContainers({ [CONFORMANCE_LABEL]: runId, [key]: 'b' })).length).toBe(1);
      await b.remove();
      await expect(runtime.listContainers({})).rejects.toThrow();
      await Promise.all([a, b].map((container) => collect(container.output)));
    }, timeout);

    it('removeContainers refuses an empty label set (it would mean every container)', async () => {
      await expect(runtime.removeContainers({})).rejects.toThrow();
    }, timeout);

    it('networks: createNetwork, listNetworks and removeNetwork all or none; a container joins one; removal is idempotent', async () => {
      const offered = [runtime.createNetwork, runtime.listNetworks, runtime.removeNetwork].filter((method) => method !== undefined).length;
      expect([0, 3]).toContain(offered);
      if (offered === 0) return;
      const labels = { [CONFORMANCE_LABEL]: runId, [`${CONFORMANCE_LABEL}.network`]: 'yes' };
      const network = await runtime.createNetwork!(labels);
      try {
        expect(network.gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(network.subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
        expect(await runtime.listNetworks!(labels)).toEqual([{ id: network.id, labels: expect.objectContaining(labels) }]);
        const container = await runtime.createContainer({ image: image.id, command: ['echo', 'attached'], env: {}, labels: { [CONFORMANCE_LABEL]: runId }, network: network.id });
        const output = collect(container.output);
        await container.start();
        expect(await container.wait()).toBe(0);
        expect((await output).toString('utf8')).toContain('attached');
        await container.remove();
      } finally {
        await runtime.removeNetwork!(network.id);
      }
      expect(await runtime.listNetworks!(labels)).toEqual([]);
      await expect(runtime.removeNetwork!(network.id)).resolves.toBeUndefined();
    }, timeout);

    it('exec (when offered): a process in the running container, stdin and stdout byte-exact, stderr apart, its exit code', async () => {
      const container = await create(['sleep', '30']);
      if (!container.exec) {
        await container.remove();
        return;
      }
      const output = collect(container.output);
      await container.start();
      try {
        const exec = await container.exec({ command: ['sh', '-c', 'cat; echo to-stderr >&2; exit 3'], tty: false });
        const bytes = Buffer.concat([Buffer.from([0xfa, 0xff, 0x0a, 0x00]), randomBytes(256 * 1024)]);
        const printed: Record<string, Buffer[]> = { stdout: [], stderr: [] };
        const read = (async () => {
          for await (const chunk of exec.output) printed[(chunk as { stream: string }).stream]!.push((chunk as { data: Buffer }).data);
        })();
        exec.stdin.end(bytes);
        await read;
        expect(Buffer.concat(printed.stdout!).equals(bytes)).toBe(true);
        expect(Buffer.concat(printed.stderr!).toString('utf8')).toBe('to-stderr\n');
        expect(await exec.exitCode()).toBe(3);
      } finally {
        await container.kill();
        await container.wait();
        await output;
      }
    }, timeout);

    it('a command that does not exist makes start() fail with a TaskFailedError', async () => {
      const container = await create(['dw-conformance-no-such-command']);
      const output = collect(container.output);
      const error = await container.start().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(TaskFailedError);
      expect((error as Error).message).toMatch(/^Failure to properly start execution environment\. .*dw-conformance-no-such-command/);
      // The output still ends, so a reader is not left hanging.
      await output;
      await container.remove();
    }, timeout);

    it('archive() returns a tar stream of a file the container wrote', async () => {
      const { exitCode, container } = await run(['sh', '-c', 'echo archived > /dw-conformance.txt']);
      expect(exitCode).toBe(0);
      const entries = readTar(await collect(await container.archive('/dw-conformance.txt')));
      expect(entries.map((entry) => [entry.name, entry.type, entry.data.toString('utf8')])).toEqual([
        ['dw-conformance.txt', 'file', 'archived\n'],
      ]);
    }, timeout);

    it('archive() of a directory holds it under its base name, then everything below it', async () => {
      const { exitCode, container } = await run(['sh', '-c', 'mkdir -p /dwc/sub && echo one > /dwc/one.txt && echo two > /dwc/sub/two.txt']);
      expect(exitCode).toBe(0);
      const entries = readTar(await collect(await container.archive('/dwc')));
      expect(entries.map((entry) => [entry.name, entry.type, entry.data.toString('utf8')]).sort()).toEqual([
        ['dwc/', 'directory', ''],
        ['dwc/one.txt', 'file', 'one\n'],
        ['dwc/sub/', 'directory', ''],
        ['dwc/sub/two.txt', 'file', 'two\n'],
      ]);
    }, timeout);

    it('archive() of a missing path rejects with code ENOENT', async () => {
      const { container } = await run(['true']);
      const error = await container.archive('/dw-conformance/no/such/path').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as { code?: unknown }).code).toBe('ENOENT');
    }, timeout);
  });
}
