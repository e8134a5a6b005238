/**
 * Payload artifacts and the chain of trust, end to end: real containers on the Docker engine,
 * the embedded queue over HTTP (its `s3` putUrls and its object service), the worker wired as
 * the `worker` bin wires it.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Harness, TEST_IMAGE } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../dist/bin/worker.js');
const exec = promisify(execFile);

interface Fetched {
  status: number;
  contentType: string | null;
  body: Buffer;
}

/** An artifact as a Taskcluster client reads it: redirects followed, Content-Encoding decoded. */
async function artifact(h: Harness, taskId: string, name: string, runId = 0): Promise<Fetched> {
  const response = await fetch(h.client.artifactUrl(taskId, runId, name));
  return { status: response.status, contentType: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

/** sha256 of an artifact, streamed (never held in memory). */
async function artifactSha256(h: Harness, taskId: string, name: string): Promise<string> {
  const response = await fetch(h.client.artifactUrl(taskId, 0, name));
  if (!response.ok || !response.body) throw new Error(`GET ${name}: HTTP ${response.status}`);
  const hash = createHash('sha256');
  await pipeline(Readable.fromWeb(response.body as never), hash);
  return hash.digest('hex');
}

async function artifactNames(h: Harness, taskId: string): Promise<Map<string, { storageType: string; contentType: string }>> {
  return new Map((await h.client.listArtifacts(taskId, 0)).map((a) => [a.name, { storageType: a.storageType, contentType: a.contentType }]));
}

/** Leaves files, a nested directory with an empty subdirectory and a symlink, in the container. */
const MAKE_FILES = [
  'mkdir -p /out/dir/nested/deeper /out/dir/empty',
  'echo single file > /out/single.txt',
  'echo "<h1>report</h1>" > /out/dir/index.html',
  'echo \'{"a": 1}\' > /out/dir/nested/data.json',
  'printf "\\000\\001\\002binary" > /out/dir/nested/deeper/blob',
  'ln -s /etc/passwd /out/dir/passwd-link',
  'echo relative > /rel.txt',
].join(' && ');

const DECLARED = {
  'public/single.txt': { type: 'file', path: '/out/single.txt' },
  'public/dir': { type: 'directory', path: '/out/dir' },
  'public/rel.txt': { type: 'file', path: 'rel.txt' },
  'public/missing.txt': { type: 'file', path: '/out/nope.txt' },
  'public/dir-as-file': { type: 'file', path: '/out/dir' },
  'public/file-as-dir': { type: 'directory', path: '/out/single.txt' },
};

describe.each(['object', 's3'] as const)('payload artifacts with storageType %s', (storageType) => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
    await h.startWorker({ artifacts: { storageType } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a directory of many small files and a few large ones: every file arrives with its bytes and content type', async () => {
    // 600 small files in two kinds (in memory on the way), two above 256 KiB (spooled), one empty.
    const script = [
      'mkdir -p /out/many/sub',
      'i=0; while [ $i -lt 300 ]; do echo "text $i" > /out/many/t$i.txt; printf "{\\"n\\": %d}" $i > /out/many/sub/j$i.json; i=$((i+1)); done',
      'head -c 300000 /dev/zero | tr "\\0" a > /out/many/big.txt',
      'head -c 262145 /dev/zero > /out/many/sub/edge.bin',
      ': > /out/many/empty.txt',
    ].join(' && ');
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', script], maxRunTime: 120, artifacts: { 'public/many': { type: 'directory', path: '/out/many' } } });
    expect((await h.waitResolved(taskId, 120_000)).state).toBe('completed');
    const listed = await artifactNames(h, taskId);
    const expected = new Map<string, { contentType: string; body: Buffer }>();
    for (let i = 0; i < 300; i++) {
      expected.set(`public/many/t${i}.txt`, { contentType: 'text/plain', body: Buffer.from(`text ${i}\n`) });
      expected.set(`public/many/sub/j${i}.json`, { contentType: 'application/json', body: Buffer.from(`{"n": ${i}}`) });
    }
    expected.set('public/many/big.txt', { contentType: 'text/plain', body: Buffer.alloc(300_000, 'a') });
    expected.set('public/many/sub/edge.bin', { contentType: 'application/octet-stream', body: Buffer.alloc(262_145) });
    expected.set('public/many/empty.txt', { contentType: 'text/plain', body: Buffer.alloc(0) });
    expect([...listed.keys()].filter((name) => name.startsWith('public/many/')).sort()).toEqual([...expected.keys()].sort());
    for (const [name, want] of expected) {
      expect(listed.get(name)).toEqual({ storageType, contentType: want.contentType });
      const got = await artifact(h, taskId, name);
      expect(got.status).toBe(200);
      expect(got.body.equals(want.body)).toBe(true);
    }
  }, 180_000);

  it('files and directories arrive with their names, contents and content types; missing and wrong-type paths become error artifacts', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sh', '-c', MAKE_FILES], maxRunTime: 60, artifacts: DECLARED });
    const status = await h.waitResolved(taskId);
    expect(status.state).toBe('completed');

    const listed = await artifactNames(h, taskId);
    const payloadArtifacts = [...listed.keys()].filter((name) => !name.startsWith('public/logs/')).sort();
    expect(payloadArtifacts).toEqual(
      [
        'public/dir-as-file',
        'public/dir/index.html',
        'public/dir/nested/data.json',
        'public/dir/nested/deeper/blob',
        'public/file-as-dir',
        'public/missing.txt',
        'public/rel.txt',
        'public/single.txt',
      ].sort(),
    );
    expect(listed.get('public/single.txt')).toEqual({ storageType, contentType: 'text/plain' });
    expect(listed.get('public/dir/index.html')).toEqual({ storageType, contentType: 'text/html' });
    expect(listed.get('public/dir/nested/data.json')).toEqual({ storageType, contentType: 'application/json' });
    expect(listed.get('public/dir/nested/deeper/blob')).toEqual({ storageType, contentType: 'application/octet-stream' });

    const single = await artifact(h, taskId, 'public/single.txt');
    expect(single.status).toBe(200);
    expect(single.contentType).toBe('text/plain');
    expect(single.body.toString()).toBe('single file\n');
    expect((await artifact(h, taskId, 'public/dir/index.html')).body.toString()).toBe('<h1>report</h1>\n');
    expect((await artifact(h, taskId, 'public/dir/nested/data.json')).body.toString()).toBe('{"a": 1}\n');
    expect([...(await artifact(h, taskId, 'public/dir/nested/deeper/blob')).body]).toEqual([0, 1, 2, ...Buffer.from('binary')]);
    expect((await artifact(h, taskId, 'public/rel.txt')).body.toString()).toBe('relative\n');

    const missing = await artifact(h, taskId, 'public/missing.txt');
    expect(missing.status).toBe(424);
    expect(JSON.parse(missing.body.toString())).toMatchObject({
      reason: 'file-missing-on-worker',
      message: 'Artifact "public/missing.txt" not found at "/out/nope.txt"',
    });
    for (const [name, actual, declared] of [
      ['public/dir-as-file', 'directory', 'file'],
      ['public/file-as-dir', 'file', 'directory'],
    ]) {
      const wrong = await artifact(h, taskId, name!);
      expect(wrong.status).toBe(424);
      expect(JSON.parse(wrong.body.toString())).toMatchObject({
        reason: 'invalid-resource-on-worker',
        message: `Error uploading "${name}". Expected artifact to be a "${declared}" but was "${actual}"`,
      });
    }

    const log = await h.backingLog(taskId);
    expect(log).toMatch(/\[taskcluster [^\]]+\] Artifact "public\/missing\.txt" not found at "\/out\/nope\.txt"\n/);
    expect(log).toContain('[taskcluster:error] Error uploading "public/dir-as-file". Expected artifact to be a "file" but was "directory"');
    expect(log).toContain('Uploaded artifact "public/dir" (3 files,');
  });

  it('the storage fails the first two data PUTs with 500: the artifact still arrives', async () => {
    h.queue.injectFault(`${storageType}.put`, 500, 2);
    const before = h.requests.length;
    const taskId = await h.createTask({
      image: TEST_IMAGE,
      // Over 8 KiB, so the object service is sent a PUT too (smaller objects go inline).
      command: ['sh', '-c', 'mkdir -p /out && head -c 100000 /dev/urandom > /out/data.bin && sha256sum /out/data.bin'],
      maxRunTime: 60,
      artifacts: { 'public/data.bin': { type: 'file', path: '/out/data.bin' } },
    });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    const puts = h.requests.slice(before).filter((r) => r.method === 'PUT' && r.path.startsWith(`/_data/${storageType}/`));
    expect(puts.slice(0, 3).map((r) => r.status)).toEqual([500, 500, 200]);
    const printed = /([0-9a-f]{64}) {2}\/out\/data\.bin/.exec(await h.backingLog(taskId))![1];
    expect(await artifactSha256(h, taskId, 'public/data.bin')).toBe(printed);
  });
});

describe('artifacts when things go wrong', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
    await h.startWorker({ artifacts: { storageType: 's3' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('an upload that still fails after the retries ends the task exception/internal-error', async () => {
    // One attempt and five retries, all refused; the log upload after it goes through.
    h.queue.injectFault('s3.put', 500, 6);
    const taskId = await h.createTask({
      image: TEST_IMAGE,
      command: ['sh', '-c', 'mkdir -p /out && echo x > /out/x.txt'],
      maxRunTime: 60,
      artifacts: { 'public/x.txt': { type: 'file', path: '/out/x.txt' } },
    });
    const status = await h.waitResolved(taskId, 90_000);
    expect(status.state).toBe('exception');
    expect(status.runs[0]!.reasonResolved).toBe('internal-error');
    const log = await h.backingLog(taskId);
    expect(log).toMatch(/\[taskcluster:error\] Error uploading "public\/x\.txt" artifact\. PUT \S+ answered 500/);
    expect(log).toContain('[taskcluster:error] Encountered error when uploading artifact(s)');
  }, 90_000);

  it('maxRunTime exceeded: the task fails and its artifacts are still uploaded', async () => {
    const taskId = await h.createTask({
      image: TEST_IMAGE,
      command: ['sh', '-c', 'mkdir -p /out && echo partial > /out/partial.txt && sleep 60'],
      maxRunTime: 3,
      artifacts: { 'public/partial.txt': { type: 'file', path: '/out/partial.txt' } },
    });
    const status = await h.waitResolved(taskId);
    expect(status.state).toBe('failed');
    expect((await artifact(h, taskId, 'public/partial.txt')).body.toString()).toBe('partial\n');
    expect(await h.backingLog(taskId)).toContain('Task timeout after 3 seconds. Force killing container.');
  });
});

describe('no artifacts for a canceled run or a worker shutdown', () => {
  const h = new Harness();
  beforeAll(async () => {
    // Short claims: a cancel is noticed at the next reclaim (no Pulse here), within seconds.
    await h.start({ claimTimeout: 6 });
  });
  afterAll(async () => {
    await h.stop();
  });

  const payload = {
    image: TEST_IMAGE,
    command: ['sh', '-c', 'mkdir -p /out && echo never > /out/never.txt && sleep 120'],
    maxRunTime: 300,
    artifacts: { 'public/never.txt': { type: 'file', path: '/out/never.txt' } },
  };
  const createdArtifacts = (taskId: string) => h.requests.filter((r) => r.name === 'createArtifact' && r.path.includes(taskId)).map((r) => r.path);

  it('canceled: nothing is uploaded', async () => {
    await h.startWorker();
    const taskId = await h.createTask(payload);
    await h.waitRunning(taskId);
    await h.until('the container to run', async () => (await h.containers()).length > 0);
    await h.client.cancelTask(taskId);
    await h.until('the container to be removed', async () => (await h.containers()).length === 0, 30_000);
    await h.workers[0]!.stop({ finishTasks: true });
    expect(createdArtifacts(taskId).filter((p) => p.includes('never'))).toEqual([]);
  });

  it('worker shutdown: resolved worker-shutdown with its log, without the payload artifacts', async () => {
    const { worker } = await h.startWorker();
    const taskId = await h.createTask(payload);
    await h.waitRunning(taskId);
    await h.until('the container to run', async () => (await h.containers()).length > 0);
    await worker.stop({ finishTasks: false });
    const status = await h.client.status(taskId);
    expect(status.runs[0]!.reasonResolved).toBe('worker-shutdown');
    const names = [...(await artifactNames(h, taskId)).keys()];
    expect(names).toContain('public/logs/live_backing.log');
    expect(names).not.toContain('public/never.txt');
  });
});

describe('chain of trust', () => {
  const h = new Harness();
  let keyDir: string;
  let publicKeyPem: string;
  let keyLocation: string;
  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'dw-cot-'));
    keyLocation = join(keyDir, 'cot.key');
    // The key format documented for operators: what `openssl genpkey -algorithm ed25519` writes.
    await exec('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyLocation]);
    publicKeyPem = (await exec('openssl', ['pkey', '-in', keyLocation, '-pubout'])).stdout;
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('a worker configured with a missing key refuses to start, naming it', async () => {
    const missing = join(keyDir, 'missing.key');
    await expect(h.startWorker({ features: { chainOfTrust: { ed25519SigningKeyLocation: missing } } })).rejects.toThrow(
      `feature chainOfTrust: features.chainOfTrust.ed25519SigningKeyLocation: cannot read the ed25519 signing key ${missing}: no such file`,
    );
    const garbage = join(keyDir, 'garbage.key');
    await writeFile(garbage, 'not a key');
    await expect(h.startWorker({ features: { chainOfTrust: { ed25519SigningKeyLocation: garbage } } })).rejects.toThrow(/neither a PEM private key nor base64/);
  });

  it.each(['s3', 'object'] as const)('%s: the signature verifies, every listed sha256 matches the artifact, a changed byte fails', async (storageType) => {
    await h.startWorker({ artifacts: { storageType }, features: { chainOfTrust: { ed25519SigningKeyLocation: keyLocation } } });
    const taskId = await h.createTask({
      image: TEST_IMAGE,
      command: ['sh', '-c', 'mkdir -p /out/d/sub && echo one > /out/one.txt && head -c 50000 /dev/urandom > /out/d/sub/two.bin && echo done'],
      maxRunTime: 60,
      features: { chainOfTrust: true },
      artifacts: { 'public/one.txt': { type: 'file', path: '/out/one.txt' }, 'public/d': { type: 'directory', path: '/out/d' } },
    });
    expect((await h.waitResolved(taskId)).state).toBe('completed');

    const json = await artifact(h, taskId, 'public/chain-of-trust.json');
    const signature = await artifact(h, taskId, 'public/chain-of-trust.json.sig');
    expect(json.status).toBe(200);
    expect(signature.contentType).toBe('application/octet-stream');
    expect(signature.body).toHaveLength(64);
    const publicKey = createPublicKey(publicKeyPem);
    expect(verify(null, json.body, publicKey, signature.body)).toBe(true);
    const tampered = Buffer.from(json.body);
    tampered[tampered.length >> 1] ^= 0x01;
    expect(verify(null, tampered, publicKey, signature.body)).toBe(false);
    // A key that is not the worker's does not verify it either.
    expect(verify(null, json.body, generateKeyPairSync('ed25519').publicKey, signature.body)).toBe(false);

    const document = JSON.parse(json.body.toString()) as {
      chainOfTrustVersion: number;
      artifacts: Record<string, { sha256: string }>;
      task: { payload: unknown };
      taskId: string;
      runId: number;
      workerGroup: string;
      workerId: string;
      environment: Record<string, string>;
    };
    expect(json.body.toString()).toBe(JSON.stringify(document, null, 2));
    expect(Object.keys(document.artifacts).sort()).toEqual(
      ['public/d/sub/two.bin', 'public/logs/certified.log', 'public/logs/live_backing.log', 'public/one.txt'].sort(),
    );
    for (const [name, { sha256 }] of Object.entries(document.artifacts)) {
      expect([name, await artifactSha256(h, taskId, name)]).toEqual([name, sha256]);
    }
    const task = await h.client.task(taskId);
    const { stdout: imageId } = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE]);
    expect(document).toMatchObject({
      chainOfTrustVersion: 1,
      task,
      taskId,
      runId: 0,
      workerGroup: h.workerGroup,
      workerId: expect.stringMatching(/^w\d+$/),
      environment: { imageHash: imageId.trim(), instanceType: 'standalone' },
    });
    // certified.log is the task log: the same text as the backing log.
    expect(await h.backingLog(taskId, 0, 'public/logs/certified.log')).toBe(await h.backingLog(taskId));
  });
});

const stderrSoFar = new WeakMap<object, string>();
const stderrOf = (child: object) => stderrSoFar.get(child) ?? '';

/** Runs the `worker` bin as a child process; its peak RSS (getrusage ru_maxrss, the kernel's high-water mark) is written to `rssFile` as it exits. */
async function spawnWorker(dir: string, args: string[], env: NodeJS.ProcessEnv, rssFile: string) {
  const preload = join(dir, 'max-rss.cjs');
  await writeFile(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
  // NODE_OPTIONS emptied: jest's --experimental-vm-modules is not what the worker runs with.
  const child = spawn(process.execPath, ['--require', preload, bin, ...args], { env: { ...process.env, NODE_OPTIONS: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    stderrSoFar.set(child, stderr);
  });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => child.on('close', (code) => done({ code, stdout, stderr })));
  return { child, exited };
}

describe('a 1 GiB file artifact through a worker daemon (a child process, as deployed)', () => {
  const h = new Harness();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-artifacts-big-'));
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips byte-exact (streaming sha256); the worker\'s peak RSS stays under 150 MB', async () => {
    const rssFile = join(dir, 'max-rss');
    // The worker serves this test's queue as it would a deployment: the queue, its storage and
    // the download are another process's memory, as they are in production.
    const { child, exited } = await spawnWorker(
      dir,
      ['start'],
      {
        ...h.daemonEnv(),
        DW_WORKER_ID: 'big-artifact',
        DW_WORK_DIR: join(dir, 'work'),
        DW_CACHE__VOLUME_CACHE_PATH: join(dir, 'caches'),
      },
      rssFile,
    );
    let idleRssKb = 0;
    try {
      // Idle, started (it logs `start` once it claims): what the worker costs before any artifact.
      await h.until('the worker to start', () => / start capacity=/.test(stderrOf(child)), 60_000);
      idleRssKb = Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))![1]);
      const taskId = await h.createTask({
        image: TEST_IMAGE,
        command: ['sh', '-c', 'mkdir -p /out && head -c 1073741824 /dev/urandom > /out/big.bin && sha256sum /out/big.bin'],
        maxRunTime: 600,
        artifacts: { 'public/big.bin': { type: 'file', path: '/out/big.bin' } },
      });
      const status = await h.waitResolved(taskId, 240_000);
      expect(status.state).toBe('completed');
      const printed = /([0-9a-f]{64}) {2}\/out\/big\.bin/.exec(await h.backingLog(taskId))![1];
      const listed = (await h.client.listArtifacts(taskId, 0)).find((a) => a.name === 'public/big.bin');
      expect(listed).toMatchObject({ storageType: 's3', contentType: 'application/octet-stream' });
      expect(await artifactSha256(h, taskId, 'public/big.bin')).toBe(printed);
    } finally {
      child.kill('SIGINT');
    }
    const result = await exited;
    expect(result.code).toBe(0);
    // Two gates: the growth the artifact causes over the idle worker (this path's own cost), and
    // the absolute peak the issue names (150 MB), which also carries the idle daemon's modules.
    // Measured here with the bin's young-generation setting: idle about 90 MB, peak 125-130 MB.
    const maxRssKb = Number(await readFile(rssFile, 'utf8'));
    const growthMb = (maxRssKb - idleRssKb) / 1024;
    process.stdout.write(`1 GiB artifact: worker idle RSS ${(idleRssKb / 1024).toFixed(0)} MB, peak ${(maxRssKb / 1024).toFixed(0)} MB, growth ${growthMb.toFixed(0)} MB\n`);
    expect(idleRssKb).toBeGreaterThan(10 * 1024);
    expect(growthMb).toBeLessThan(64);
    expect(maxRssKb / 1024).toBeLessThan(150);
  }, 300_000);
});

describe('worker run --artifacts-dir (the real bin)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-artifacts-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every file artifact under the directory, by name, and reports error artifacts', async () => {
    const task = join(dir, 'task.json');
    const out = join(dir, 'out');
    await writeFile(
      task,
      JSON.stringify({
        image: TEST_IMAGE,
        command: ['sh', '-c', `mkdir -p /out/small/sub && head -c 300000 /dev/urandom > /out/data.bin && sha256sum /out/data.bin && echo hi > /out/small/sub/hi.txt && echo top > /out/small/top.txt`],
        maxRunTime: 120,
        artifacts: {
          'public/data.bin': { type: 'file', path: '/out/data.bin' },
          'public/small': { type: 'directory', path: '/out/small' },
          'public/absent': { type: 'file', path: '/out/absent' },
        },
      }),
    );
    const { exited } = await spawnWorker(dir, ['run', '--artifacts-dir', out, task], { DW_WORK_DIR: join(dir, 'work'), DW_WORKER_ID: 'artifacts-cli-test', DW_CACHE__VOLUME_CACHE_PATH: join(dir, 'caches') }, join(dir, 'max-rss'));
    const result = await exited;
    // The saved lines (the error artifact's among them) go to stderr; nothing else may say error.
    expect(result.stderr.replace(/^public\/absent: error artifact .*$/m, '')).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    const printed = /([0-9a-f]{64}) {2}\/out\/data\.bin/.exec(result.stdout)![1];
    const hash = createHash('sha256');
    await pipeline(createReadStream(join(out, 'public/data.bin')), hash);
    expect(hash.digest('hex')).toBe(printed);
    expect(await readFile(join(out, 'public/small/sub/hi.txt'), 'utf8')).toBe('hi\n');
    expect(await readFile(join(out, 'public/small/top.txt'), 'utf8')).toBe('top\n');
    expect(result.stderr).toContain(`saved ${join(out, 'public/data.bin')}`);
    expect(result.stderr).toContain(`saved ${join(out, 'public/small/sub/hi.txt')}`);
    expect(result.stderr).toMatch(/public\/absent: error artifact \(file-missing-on-worker\): Artifact "public\/absent" not found at "\/out\/absent"/);
    expect((await stat(join(out, 'public/logs/live_backing.log'))).size).toBeGreaterThan(0);
  }, 120_000);
});
