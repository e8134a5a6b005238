import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ImageContext } from '@docker-worker/worker-contract';
import { MemoryTaskLog, testTaskDefinition } from '@docker-worker/worker-contract/testing';
import Dockerode from 'dockerode';

/** The busybox image the project's setup script imports (`docker import`, no internet needed). */
export const TEST_IMAGE = process.env.DW_TEST_IMAGE ?? 'dw-test/busybox:latest';

export function uniqueId(): string {
  return randomBytes(6).toString('hex');
}

export function imageContext(log: MemoryTaskLog = new MemoryTaskLog(), signal: AbortSignal = new AbortController().signal): ImageContext {
  return { log, signal, task: testTaskDefinition() };
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Read an engine progress stream (push, pull) to its end; throws the first error it reports. */
export async function followProgress(stream: NodeJS.ReadableStream): Promise<void> {
  const text = (await collect(stream as Readable)).toString('utf8');
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { error?: string };
    if (event.error) throw new Error(event.error);
  }
}

/** Tag `source` as `repository:tag` on the engine and push it to its registry. */
export async function push(docker: Dockerode, source: string, repository: string, tag: string): Promise<void> {
  await docker.getImage(source).tag({ repo: repository, tag });
  // The engine wants an X-Registry-Auth header even for a registry without authentication.
  await followProgress(await docker.getImage(repository).push({ tag, authconfig: { username: '', password: '' } }));
}

/** Remove an image tag this test made; a tag already gone is fine. */
export async function removeTag(docker: Dockerode, name: string): Promise<void> {
  await docker
    .getImage(name)
    .remove({ noprune: false })
    .catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
}

/**
 * Commit a container of TEST_IMAGE that ran `script` as `repository:tag`, push it and drop the
 * local tag: an image with a layer of its own that only the registry has.
 */
export async function pushCommittedImage(docker: Dockerode, repository: string, tag: string, script: string, labels: Record<string, string>): Promise<void> {
  const name = `${repository}:${tag}`;
  const maker = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['sh', '-c', script], Labels: labels });
  await maker.start();
  await maker.wait();
  await maker.commit({ repo: repository, tag });
  await maker.remove({ force: true });
  await push(docker, name, repository, tag);
  await removeTag(docker, name);
}
