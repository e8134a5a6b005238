import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { ImageError, InternalError, MalformedPayloadError } from '../outcome.js';
import type { ContainerSpec, ImageContext } from '../runtime.js';
import { runtimeConformance } from './conformance.js';
import { FakeRuntime } from './fake-runtime.js';
import { fakeShell } from './fake-shell.js';
import { MemoryTaskLog } from './memory-task-log.js';
import { testTaskDefinition } from './task-fixture.js';
import { buildTar, readTar } from './tar.js';

runtimeConformance('FakeRuntime', async () => {
  const runtime = new FakeRuntime();
  runtime.addImage('dw-test/busybox');
  return { runtime, image: 'dw-test/busybox' };
});

const ctx = (): ImageContext => ({ log: new MemoryTaskLog(), signal: new AbortController().signal, task: testTaskDefinition() });
const spec = (command: string[], env: Record<string, string> = {}): ContainerSpec => ({ image: 'img', command, env, labels: {} });

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function text(stream: Readable): Promise<string> {
  return (await bytes(stream)).toString('utf8');
}

describe('fakeShell', () => {
  const outputOf = async (command: string[], env?: Record<string, string>) => {
    const run = await fakeShell(spec(command, env));
    return { ...run, text: (run.output as Array<string | { sleepMs: number }>).filter((item) => typeof item === 'string').join('') };
  };

  it('handles quotes, escapes and variables like sh', async () => {
    const { text: out } = await outputOf(['sh', '-c', `echo 'single $X' "double $X" \${X}bare\\ escaped "\\"q\\""`], { X: 'v' });
    expect(out).toBe('single $X double v vbare escaped "q"\n');
  });

  it('follows ; && || and exit', async () => {
    const run = await outputOf(['sh', '-c', 'false && echo no; true || echo no; echo yes; exit 3; echo never']);
    expect(run.text).toBe('yes\n');
    expect(run.exitCode).toBe(3);
  });

  it('reports unknown commands inside sh like busybox', async () => {
    const run = await outputOf(['sh', '-c', 'nosuch']);
    expect(run.text).toBe('sh: nosuch: not found\n');
    expect(run.exitCode).toBe(127);
  });

  it('writes redirected output to files, resolved from /', async () => {
    const run = await fakeShell(spec(['sh', '-c', 'echo a > out.txt; echo b >> /out.txt; echo c 1>&2; echo d 2>/dev/null']));
    expect(run.files).toEqual({ '/out.txt': 'a\nb\n' });
    expect(run.output).toEqual(['c\n', 'd\n']);
  });

  it('turns sleep into a pause', async () => {
    expect((await fakeShell(spec(['sleep', '2']))).output).toEqual([{ sleepMs: 2000 }]);
  });

  it('fails to start a missing executable', () => {
    expect(() => fakeShell(spec(['nope']))).toThrow('Failure to properly start execution environment. exec: "nope": executable file not found in $PATH');
  });
});

describe('FakeRuntime', () => {
  it('runs a registered script, with pauses, and records the spec', async () => {
    const runtime = new FakeRuntime({ images: { custom: () => ({ output: ['a', { sleepMs: 20 }, Buffer.from('b')], exitCode: 4 }) } });
    const image = await runtime.ensureImage('custom', ctx());
    expect(image.name).toBe('custom:latest');
    const container = await runtime.createContainer({ image: image.id, command: [], env: { A: '1' }, labels: { l: 'x' } });
    const output = text(container.output);
    await container.start();
    expect(await container.wait()).toBe(4);
    expect(await output).toBe('ab');
    expect(runtime.containers[0]?.spec.env).toEqual({ A: '1' });
  });

  it('treats the unsupported image kinds and unknown images like the real runtime', async () => {
    const runtime = new FakeRuntime();
    await expect(runtime.ensureImage({ type: 'indexed-image', namespace: 'a', path: 'b' }, ctx())).rejects.toBeInstanceOf(MalformedPayloadError);
    await expect(runtime.ensureImage('nope', ctx())).rejects.toBeInstanceOf(ImageError);
    await expect(runtime.createContainer(spec(['true']))).rejects.toBeInstanceOf(InternalError);
  });

  it('honours an aborted signal', async () => {
    const runtime = new FakeRuntime({ images: { a: undefined } });
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(runtime.ensureImage('a', { ...ctx(), signal: controller.signal })).rejects.toThrow('stop');
  });

  it('archives directories from the file map', async () => {
    const runtime = new FakeRuntime({ images: { a: () => ({ files: { '/out/x.txt': 'x', '/out/sub/y.txt': 'y', '/other': 'o' } }) } });
    const container = await runtime.createContainer({ image: 'a', command: [], env: {}, labels: {} });
    void text(container.output);
    await container.start();
    await container.wait();
    const entries = readTar(await bytes(await container.archive('/out/')));
    expect(entries.map((e) => `${e.type}:${e.name}:${e.data.toString()}`)).toEqual(['directory:out/:', 'directory:out/sub/:', 'file:out/sub/y.txt:y', 'file:out/x.txt:x']);
  });

  it('holds a container back while nobody reads its output', async () => {
    const block = Buffer.alloc(64 * 1024, 'z');
    const runtime = new FakeRuntime({ images: { a: () => ({ output: Array.from({ length: 64 }, () => block) }) } });
    const container = await runtime.createContainer({ image: 'a', command: [], env: {}, labels: {} });
    await container.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(container.output.readableLength).toBeLessThan(4 * block.length);
    expect((await text(container.output)).length).toBe(64 * block.length);
    expect(await container.wait()).toBe(0);
  });

  it('ping() fails when told to', async () => {
    const runtime = new FakeRuntime();
    runtime.pingError = new Error('down');
    await expect(runtime.ping()).rejects.toThrow('down');
  });

  it('wait() before start() is an error', async () => {
    const runtime = new FakeRuntime({ images: { a: undefined } });
    const container = await runtime.createContainer({ image: 'a', command: ['true'], env: {}, labels: {} });
    await expect(container.wait()).rejects.toThrow('before start');
  });
});

describe('tar', () => {
  it('reads back what it wrote', () => {
    const data = Buffer.alloc(1000, 7);
    const archive = buildTar([{ name: 'd', type: 'directory' }, { name: 'd/f', data }, { name: 'e', data: '' }]);
    expect(archive.length % 512).toBe(0);
    expect(readTar(archive)).toEqual([
      { name: 'd/', type: 'directory', data: Buffer.alloc(0) },
      { name: 'd/f', type: 'file', data },
      { name: 'e', type: 'file', data: Buffer.alloc(0) },
    ]);
  });
});

describe('MemoryTaskLog', () => {
  it('keeps notices on fresh lines and feeds following readers until closed', async () => {
    const log = new MemoryTaskLog();
    const reader = text(log.createReader({ follow: true }));
    log.info('hello');
    log.output.write('partial');
    log.error('bad');
    log.output.write('more');
    log.warn('careful');
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.output.write('rest\n');
    await log.close();
    const expected = '[taskcluster] hello\npartial\n[taskcluster:error] bad\nmore\n[taskcluster:warning] careful\nrest\n';
    expect(await reader).toBe(expected);
    expect(log.text()).toBe(expected);
    expect(log.infos).toEqual(['hello']);
    expect(log.errors).toEqual(['bad']);
    expect(log.warnings).toEqual(['careful']);
    expect(log.bytesWritten).toBe(expected.length);
  });
});
