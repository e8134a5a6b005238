import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Harness, TEST_IMAGE } from './harness.js';

const run = promisify(execFile);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const file = { type: 'file', path: '/etc/hostname' };
const manyVariables = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`V${i}`, 'yyyyyyyyyy']));

describe('bad input is malformed-payload, naming the field, before any container (real engine, embedded queue)', () => {
  const h = new Harness();
  let since: number;
  beforeAll(async () => {
    await h.start();
    await h.startWorker();
    since = Math.floor(Date.now() / 1000) - 1;
  });
  afterAll(async () => {
    await h.stop();
  });

  /** Containers the engine was asked to create for this harness's worker, removed ones included. */
  async function containersCreated(): Promise<string[]> {
    const { stdout } = await run('docker', [
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'event=create',
      '--filter',
      `label=org.taskcluster.docker-worker.worker-group=${h.workerGroup}`,
      '--format',
      '{{.ID}}',
    ]);
    return stdout.split('\n').filter(Boolean);
  }

  it.each<[string, Record<string, unknown>, string[], string]>([
    ['cache name ".."', { cache: { '..': '/cache' } }, ['docker-worker:cache:*'], 'payload.cache[".."]: ".." is not a cache name'],
    ['cache name "."', { cache: { '.': '/cache' } }, ['docker-worker:cache:*'], 'payload.cache["."]: "." is not a cache name'],
    ['cache mount point /', { cache: { root: '/' } }, ['docker-worker:cache:*'], 'payload.cache.root: the mount point "/" cannot be the container\'s root directory'],
    ['cache mount point relative/../x', { cache: { rel: 'relative/../x' } }, ['docker-worker:cache:*'], 'payload.cache.rel: the mount point "relative/../x" must be an absolute path'],
    ['cache mount point /tmp:/hostroot', { cache: { colon: '/tmp:/hostroot' } }, ['docker-worker:cache:*'], 'payload.cache.colon: the mount point "/tmp:/hostroot" cannot contain ":"'],
    ['artifact name with .. segments', { artifacts: { 'public/../../escape.txt': file } }, [], 'payload.artifacts["public/../../escape.txt"]: an artifact name cannot have "." or ".." segments'],
    ['a 10 MB env value', { env: { BIG: 'x'.repeat(10_000_000) } }, [], 'payload.env.BIG: "NAME=value" is 10000004 bytes; Linux passes at most 131071 bytes'],
    ['50,000 env variables', { env: manyVariables }, [], 'payload.env and payload.command: together they take'],
    ['a 5 MB argument', { command: ['echo', 'a'.repeat(5_000_000)] }, [], 'payload.command[1]: the argument is 5000000 bytes'],
    ['a lone surrogate in env', { env: { LONE: 'a\uD800b' } }, [], 'payload.env.LONE: the value is not valid Unicode: it holds a lone surrogate (U+D800)'],
    ['an empty env name', { env: { '': 'x' } }, [], 'payload.env[""]: an environment variable needs a name'],
    ['a NUL byte in env', { env: { NUL: 'a\u0000b' } }, [], 'payload.env.NUL: the value holds a NUL byte'],
    ['a 300-character image name', { image: 'a'.repeat(300) }, [], 'the repository name is 300 characters long; Docker allows at most 255'],
  ])('%s', async (_label, payload, scopes, message) => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, ...payload }, { scopes });
    const status = await h.waitResolved(taskId);
    expect([status.state, status.runs[0]!.reasonResolved]).toEqual(['exception', 'malformed-payload']);
    expect(await h.backingLog(taskId)).toContain(message);
    expect(await containersCreated()).toEqual([]);
    // Nothing appeared beside the cache root (a ".." cache once made <root>/../<uuid>).
    expect((await readdir(h.dir)).filter((name) => UUID.test(name))).toEqual([]);
  }, 90_000);

  it('env and command just under the limits reach the container whole (in a URL, once a 431)', async () => {
    // Path lists, as a real task has them: "/" and ":" triple in a URL, to 1.4 MB here, past the engine's 1 MB header limit.
    const value = '/opt/tool/bin:'.repeat(10_000).slice(0, 120_000);
    // 7 × 120 kB + 100 kB: 0.94 MB, under the 1 MiB the worker allows, each string under Linux's 128 KiB.
    const env = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`BIG${i}`, value]));
    const argument = 'a'.repeat(100_000);
    const script = 'for v in BIG0 BIG1 BIG2 BIG3 BIG4 BIG5 BIG6; do eval "printf %s \\"\\$$v\\"" | wc -c; done; printf %s "$1" | wc -c';
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', script, 'sh', argument], maxRunTime: 60, env });
    const status = await h.waitResolved(taskId);
    const log = await h.backingLog(taskId);
    expect([status.state, log]).toEqual(['completed', expect.stringContaining(`\n${'120000\n'.repeat(7)}100000\n`)]);
  }, 90_000);
});
