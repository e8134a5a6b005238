/**
 * `volume` artifacts end to end: a host directory mounted into a real container on the Docker
 * engine, published to the embedded queue over HTTP straight from the host, after an exit, after
 * maxRunTime and on a worker shutdown (the real bin, SIGTERM), and gone with the run.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Harness, TEST_IMAGE } from './harness.js';

interface Fetched {
  status: number;
  contentType: string | null;
  body: Buffer;
}

async function artifact(h: Harness, taskId: string, name: string): Promise<Fetched> {
  const response = await fetch(h.client.artifactUrl(taskId, 0, name));
  return { status: response.status, contentType: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

/** The run's payload artifacts below `prefix/`, relative name → content type. */
async function listedUnder(h: Harness, taskId: string, prefix: string): Promise<Map<string, string>> {
  const listed = await h.client.listArtifacts(taskId, 0);
  return new Map(listed.filter((a) => a.name.startsWith(`${prefix}/`)).map((a) => [a.name.slice(prefix.length + 1), a.contentType]));
}

/** What is left of the worker's run directories. */
async function runDirs(workDir: string): Promise<string[]> {
  return readdir(join(workDir, 'runs')).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
}

/** A user who is not root, so the writes below show a non-root task can write to the volume. */
const ADD_USER = 'echo "u:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd && echo "u:x:1000:" >> /etc/group';

/**
 * Files, nested directories, an empty one, a file only its owner may read and two symlinks
 * leading out of the directory (a file, and the whole root), in `$D`; run by `su u`.
 */
const WRITE_TREE = [
  'mkdir -p $D/nested/deeper $D/empty',
  'echo "<h1>report</h1>" > $D/index.html',
  `echo '{"a": 1}' > $D/nested/data.json`,
  'chmod 600 $D/nested/data.json',
  'printf "\\000\\001\\002binary" > $D/nested/deeper/blob',
  'id -u > $D/uid.txt',
  'ln -s /etc/passwd $D/passwd-link',
  'ln -s / $D/root-link',
].join(' && ');

describe('volume artifacts', () => {
  const h = new Harness();
  let workDir: string;
  beforeAll(async () => {
    await h.start();
    workDir = join(h.dir, 'volume-work');
    await h.startWorker({ workDir, artifacts: { storageType: 's3' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a non-root task writes into the volume; it is published as a directory artifact of the same files would be, links not followed, and nothing is left on the host', async () => {
    const taskId = await h.createTask({
      image: TEST_IMAGE,
      command: ['sh', '-c', `${ADD_USER} && mkdir -m 777 /out && su u -c "D=/vol; $WRITE_TREE" && su u -c "D=/out; $WRITE_TREE"`],
      env: { WRITE_TREE },
      maxRunTime: 60,
      artifacts: {
        'public/vol': { type: 'volume', path: '/vol' },
        'public/dir': { type: 'directory', path: '/out' },
      },
    });
    const status = await h.waitResolved(taskId);
    expect(status.state).toBe('completed');

    const fromVolume = await listedUnder(h, taskId, 'public/vol');
    const fromDirectory = await listedUnder(h, taskId, 'public/dir');
    expect([...fromVolume.keys()].sort()).toEqual(['index.html', 'nested/data.json', 'nested/deeper/blob', 'uid.txt']);
    expect(fromVolume).toEqual(fromDirectory);
    expect(fromVolume.get('index.html')).toBe('text/html');
    expect(fromVolume.get('nested/deeper/blob')).toBe('application/octet-stream');
    for (const relative of fromVolume.keys()) {
      const [volume, directory] = await Promise.all([artifact(h, taskId, `public/vol/${relative}`), artifact(h, taskId, `public/dir/${relative}`)]);
      expect(volume.status).toBe(200);
      expect(volume.body.equals(directory.body)).toBe(true);
    }
    expect((await artifact(h, taskId, 'public/vol/uid.txt')).body.toString()).toBe('1000\n');
    expect((await artifact(h, taskId, 'public/vol/nested/data.json')).body.toString()).toBe('{"a": 1}\n');
    expect(await h.backingLog(taskId)).toContain('Uploaded artifact "public/vol" (4 files,');
    await h.until('the run directory removed', async () => (await runDirs(workDir)).length === 0);
  });

  it('a volume the engine could not mount (at /) is a malformed payload, said in the log', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, artifacts: { 'public/all': { type: 'volume', path: '/' } } });
    const status = await h.waitResolved(taskId);
    expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'malformed-payload' });
    expect(await h.backingLog(taskId)).toContain('payload.artifacts["public/all"].path: a volume cannot be mounted at "/"');
  });

  it('maxRunTime exceeded: the task fails and the volume is still published', async () => {
    const taskId = await h.createTask({
      image: TEST_IMAGE,
      command: ['sh', '-c', 'echo partial > /vol/partial.txt && sleep 60'],
      maxRunTime: 3,
      artifacts: { 'public/vol': { type: 'volume', path: '/vol/' } },
    });
    expect((await h.waitResolved(taskId)).state).toBe('failed');
    expect((await artifact(h, taskId, 'public/vol/partial.txt')).body.toString()).toBe('partial\n');
    await h.until('the run directory removed', async () => (await runDirs(workDir)).length === 0);
  });
});

describe('volume artifacts on a worker shutdown (the real bin)', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('SIGTERM: the run ends worker-shutdown, its volume is published, a directory artifact is not, and nothing is left', async () => {
    const workDir = join(h.dir, 'vd0');
    const d = h.daemon([], 'vd0', { DW_WORK_DIR: workDir });
    const taskId = await h.createTask({
      image: TEST_IMAGE,
      command: ['sh', '-c', 'mkdir -p /vol/sub /out && echo saved > /vol/sub/saved.txt && echo lost > /out/lost.txt && touch /vol/written && sleep 60'],
      maxRunTime: 600,
      artifacts: {
        'public/vol': { type: 'volume', path: '/vol' },
        'public/out': { type: 'directory', path: '/out' },
      },
    });
    // The task has written its files once the marker is in the volume's host directory.
    await h.until(
      'the task wrote to its volume',
      async () => {
        for (const run of await runDirs(workDir)) {
          const inRun = await readdir(join(workDir, 'runs', run));
          for (const volume of inRun.filter((name) => name.startsWith('volume-'))) {
            if ((await readdir(join(workDir, 'runs', run, volume))).includes('written')) return true;
          }
        }
        return false;
      },
      60_000,
    );
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    expect((await h.client.status(taskId)).runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'worker-shutdown' });
    const saved = await artifact(h, taskId, 'public/vol/sub/saved.txt');
    expect(saved.status).toBe(200);
    expect(saved.contentType).toBe('text/plain');
    expect(saved.body.toString()).toBe('saved\n');
    const names = (await h.client.listArtifacts(taskId, 0)).map((a) => a.name);
    expect(names).toContain('public/vol/written');
    expect(names.filter((name) => name.startsWith('public/out'))).toEqual([]);
    expect(await runDirs(workDir)).toEqual([]);
    expect(await h.containers()).toEqual([]);
  }, 120_000);
});
