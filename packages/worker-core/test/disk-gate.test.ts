import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Harness, TEST_IMAGE } from './harness.js';

const run = promisify(execFile);
const MB = 1024 * 1024;

describe('the free-disk gate (a real 20 MB tmpfs as the Docker volume)', () => {
  const h = new Harness();
  let volume: string;
  beforeAll(async () => {
    await h.start();
    volume = join(h.dir, 'volume');
    await mkdir(volume);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=20m', 'tmpfs', volume]);
  });
  afterAll(async () => {
    await h.stop().catch(() => {});
    await run('umount', [volume]).catch(() => {});
  });

  it('holds claims back while free space is under the threshold, and says so once each way', async () => {
    const filler = join(volume, 'filler');
    await writeFile(filler, Buffer.alloc(15 * MB));
    const { log } = await h.startWorker({ dockerVolume: volume, capacityManagement: { diskspaceThreshold: 10 * MB } });
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60 });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await h.client.status(taskId)).state).toBe('pending');
    expect(log.records.filter((r) => r.type === 'diskspace threshold reached')).toHaveLength(1);

    await rm(filler);
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    expect(log.records.filter((r) => r.type === 'diskspace threshold cleared')).toHaveLength(1);
    expect(log.records.filter((r) => r.type === 'diskspace threshold reached')).toHaveLength(1);
  });
});
