import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { QueueArtifactPublisher } from '../src/artifacts/queue-artifact-publisher.js';
import { Harness, TEST_IMAGE } from './harness.js';

const run = promisify(execFile);

describe('task-image and indexed-image (real engine, embedded queue)', () => {
  const h = new Harness();
  let producer: string;
  const made: string[] = [];

  /** Publish files as artifacts of one completed "producer" task, as an image-building task would. */
  async function publish(files: Record<string, string>): Promise<string> {
    const taskId = await h.createTask({ image: TEST_IMAGE, maxRunTime: 60 }, { workerType: 'image-producer' });
    const [claim] = await h.client.claimWork('test-prov/image-producer', { workerGroup: 'producers', workerId: 'p1', tasks: 1 });
    const runQueue = h.client.forRun(taskId, claim!.runId, claim!.credentials);
    const publisher = new QueueArtifactPublisher({ queue: runQueue, storageType: 's3', taskExpires: claim!.task.expires });
    for (const [name, file] of Object.entries(files)) {
      const { size } = await stat(file);
      await publisher.upload({ name, contentType: 'application/x-tar', contentLength: size, source: () => createReadStream(file) });
    }
    await runQueue.reportCompleted();
    return taskId;
  }

  beforeAll(async () => {
    await h.start();
    await h.startWorker({ capacity: 2 });
    const tarball = join(h.dir, 'busybox.tar');
    await run('docker', ['save', '-o', tarball, TEST_IMAGE]);
    // Compressed by the real programs, as image-building tasks do.
    await run('zstd', ['-q', '-f', tarball, '-o', `${tarball}.zst`]);
    await run('lz4', ['-q', '-f', tarball, `${tarball}.lz4`]);
    await run('sh', ['-c', `gzip -c ${tarball} > ${tarball}.gz && bzip2 -c ${tarball} > ${tarball}.bz2 && xz -c ${tarball} > ${tarball}.xz`]);
    // A zstd header followed by garbage, and a zip: neither loads.
    await run('sh', ['-c', `head -c 32 ${tarball}.zst > ${h.dir}/corrupt.zst && head -c 100000 /dev/urandom >> ${h.dir}/corrupt.zst`]);
    await writeFile(join(h.dir, 'image.zip'), Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(1000)]));
    // A second image (a different id), to make a tarball holding two.
    const second = `dw-test/second-image:${Date.now()}`;
    made.push(second);
    const { stdout } = await run('docker', ['create', TEST_IMAGE, 'sh', '-c', 'echo second > /second']);
    const container = stdout.trim();
    await run('docker', ['start', '-a', container]);
    await run('docker', ['commit', container, second]);
    await run('docker', ['rm', container]);
    const double = join(h.dir, 'double.tar');
    await run('docker', ['save', '-o', double, TEST_IMAGE, second]);
    producer = await publish({
      'public/image.tar': tarball,
      'public/image.tar.zst': `${tarball}.zst`,
      'public/image.tar.lz4': `${tarball}.lz4`,
      'private/image.tar': tarball,
      'private/image.tar.zst': `${tarball}.zst`,
      'public/double.tar': double,
      // The same archives under names that say nothing, or the wrong thing.
      'public/image.tar.gz': `${tarball}.gz`,
      'public/image.tar.bz2': `${tarball}.bz2`,
      'public/image.tar.xz': `${tarball}.xz`,
      'public/plain': tarball,
      'public/gz': `${tarball}.gz`,
      'public/bz2': `${tarball}.bz2`,
      'public/xz': `${tarball}.xz`,
      'public/image.zst': `${tarball}.zst`,
      'public/lz4-named.tar.zst': `${tarball}.lz4`,
      'public/corrupt.tar.zst': `${h.dir}/corrupt.zst`,
      'public/image.zip': join(h.dir, 'image.zip'),
    });
  });
  afterAll(async () => {
    await h.stop();
    const { stdout } = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', 'task-image-*']);
    for (const name of [...made, ...stdout.split('\n').filter(Boolean)]) await run('docker', ['rmi', name]).catch(() => {});
  });

  async function runWith(image: Record<string, unknown>, scopes: string[] = []) {
    const taskId = await h.createTask({ image, command: ['sh', '-c', 'echo ran from artifact'], maxRunTime: 60 }, { scopes });
    const status = await h.waitResolved(taskId);
    return { status, log: await h.backingLog(taskId) };
  }

  it.each([
    ['public/image.tar', 'a plain tar'],
    ['public/image.tar.zst', 'a zstd-compressed tar'],
    ['public/image.tar.lz4', 'a lz4-compressed tar'],
    ['public/image.tar.gz', 'a gzip-compressed tar'],
    ['public/image.tar.bz2', 'a bzip2-compressed tar'],
    ['public/image.tar.xz', 'a xz-compressed tar'],
    ['public/plain', 'a plain tar'],
    ['public/gz', 'a gzip-compressed tar'],
    ['public/bz2', 'a bzip2-compressed tar'],
    ['public/xz', 'a xz-compressed tar'],
    ['public/image.zst', 'a zstd-compressed tar'],
    ['public/lz4-named.tar.zst', 'a lz4-compressed tar'],
  ])('loads %s (%s, told by its bytes) and runs the task on it', async (path, format) => {
    const { status, log } = await runWith({ type: 'task-image', taskId: producer, path });
    expect(status.state).toBe('completed');
    expect(log).toContain(`Downloading artifact "${path}" from task ID: ${producer}.`);
    expect(log).toMatch(new RegExp(`\\(${format}\\) loaded: [\\d.]+ MB in [\\d.]+ s\\. Using image ID sha256:`));
    expect(log).toContain('ran from artifact');
  });

  it('an indexed-image finds its task through the index', async () => {
    h.queue.index.insert('project.images.busybox.latest', producer);
    const { status, log } = await runWith({ type: 'indexed-image', namespace: 'project.images.busybox.latest', path: 'public/image.tar.zst' });
    expect(status.state).toBe('completed');
    expect(log).toContain(`Index namespace "project.images.busybox.latest" points at task ${producer}`);
  });

  it('an unknown namespace fails, naming it', async () => {
    const { status, log } = await runWith({ type: 'indexed-image', namespace: 'project.images.nothing', path: 'public/image.tar' });
    expect(status.state).toBe('failed');
    expect(log).toContain('Could not find a task associated with "project.images.nothing" namespace');
  });

  it('a private artifact needs queue:get-artifact:<path>: malformed-payload before any download without it', async () => {
    const refused = await runWith({ type: 'task-image', taskId: producer, path: 'private/image.tar' });
    expect(refused.status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(refused.log).toContain('payload.image needs the task scope queue:get-artifact:private/image.tar: the image artifact "private/image.tar" is not public');
    expect(refused.log).not.toContain('Downloading artifact');
    const allowed = await runWith({ type: 'task-image', taskId: producer, path: 'private/image.tar' }, ['queue:get-artifact:private/*']);
    expect(allowed.status.state).toBe('completed');
  });

  it('a private artifact read through a role: the check and the signed download both count it', async () => {
    h.queue.setRole('project:images', ['queue:get-artifact:private/*']);
    const { status, log } = await runWith({ type: 'task-image', taskId: producer, path: 'private/image.tar.zst' }, ['assume:project:images']);
    expect(status.state).toBe('completed');
    expect(log).toContain('Downloading artifact "private/image.tar.zst"');
    expect(log).toContain('ran from artifact');
  });

  it('a tarball holding two images is refused', async () => {
    const { status, log } = await runWith({ type: 'task-image', taskId: producer, path: 'public/double.tar' });
    expect(status.state).toBe('failed');
    expect(log).toContain('holds 2 images; a task image must hold exactly one');
  });

  it('an archive of no known format fails, naming its first bytes; its name decides nothing', async () => {
    const { status, log } = await runWith({ type: 'task-image', taskId: producer, path: 'public/image.zip' });
    expect(status.state).toBe('failed');
    expect(log).toContain(`The image artifact "public/image.zip" of task ${producer} is not an image archive`);
    expect(log).toContain('its first bytes are 50 4b 03 04 00 00');
  });

  it('a corrupt compressed archive fails, as its decoder says', async () => {
    const { status, log } = await runWith({ type: 'task-image', taskId: producer, path: 'public/corrupt.tar.zst' });
    expect(status.state).toBe('failed');
    expect(log).toContain('the image artifact is not valid zstd data');
  });
});
