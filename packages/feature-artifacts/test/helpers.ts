import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { TaskContext, TaskFiles } from '@docker-worker/worker-contract';
import { FakeContainer, MemoryTaskLog, RecordingPublisher, fakeShell, testTaskContext } from '@docker-worker/worker-contract/testing';
import tar from 'tar-stream';

export { RecordingPublisher, TEST_WORKER as WORKER } from '@docker-worker/worker-contract/testing';

/** A feature context around a MemoryTaskLog and a RecordingPublisher, with a fresh work directory. */
export function testContext(
  options: { publisher?: RecordingPublisher; config?: Record<string, unknown>; signal?: AbortSignal } = {},
): Promise<TaskContext & { log: MemoryTaskLog; artifacts: RecordingPublisher }> {
  return testTaskContext({ artifacts: options.publisher ?? new RecordingPublisher(), config: options.config, signal: options.signal });
}

/** A stopped fake container holding `files` (absolute path → content). */
export function containerWith(files: Record<string, string | Buffer>): FakeContainer {
  const container = new FakeContainer({ image: 'fake', env: {}, labels: {} }, fakeShell);
  for (const [path, data] of Object.entries(files)) container.files[path] = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return container;
}

export interface RawTarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  data?: string;
  linkname?: string;
}

/** A tar archive with any entry types (FakeContainer's archives only hold files and directories). */
export async function rawTar(entries: RawTarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = buffer(pack as unknown as Readable);
  for (const entry of entries) {
    const data = entry.data ?? '';
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        { name: entry.name, type: entry.type, linkname: entry.linkname, size: entry.type === 'file' ? Buffer.byteLength(data) : 0 },
        entry.type === 'file' ? data : '',
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  pack.finalize();
  return done;
}

/** Task files whose archive() of any path returns `archive`. */
export function containerWithArchive(archive: Buffer): TaskFiles {
  return { archive: async () => Readable.from([archive]) };
}
