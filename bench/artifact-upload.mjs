#!/usr/bin/env node
/**
 * Artifact upload benchmark (DESIGN.md, performance targets): one 1 GiB file artifact through
 * the worker against the bare baseline `docker run` + `docker cp` + one HTTP PUT of the file
 * (curl -T, streamed) to an `s3` putUrl of an embedded queue, measured in the same run,
 * interleaved (the order rotates).
 *
 * The file is baked into a throw-away image (`docker build` FROM the test image), so no side
 * spends its time making it: each creates and runs a container of that image (`true`), reads
 * the file out of the stopped container, PUTs it to a local-queue s3 URL (which stores it on
 * disk, hashing it with sha256 and sha512 as it comes) and removes the container.
 *
 * The worker is measured two ways:
 *   - `worker run TASK`: the whole command (start-up, its embedded queue, claim, container,
 *     artifact, log upload, resolution). Its embedded queue lives in the same process and on
 *     the same JavaScript thread, so the receiving side of the PUT (HTTP parsing, both hashes)
 *     competes with the worker for that thread; in the baseline that work is another process.
 *   - `worker start` serving this script's queue (as deployed: the queue is another process,
 *     as it is for the baseline): from createTask to the run resolved.
 * Peak RSS: for `worker run`, getrusage ru_maxrss of the process (written by a preload as it
 * exits); for `worker start`, VmHWM of the daemon after the runs. Both are the kernel's own
 * high-water marks, so no short peak between two samples is missed.
 * Targets: ≤ 1.2× the baseline's wall time, peak RSS ≤ 150 MB.
 *
 *   node bench/artifact-upload.mjs [--runs 3] [--mb 1024]
 *
 * Needs a build (`pnpm build`), a Docker engine, curl, and the test image `dw-test/busybox:latest`.
 * Not part of the test suite: timings on a shared machine are not pass/fail material.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const BASE_IMAGE = 'dw-test/busybox:latest';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'packages/worker-core/dist/bin/worker.js');
const exec = promisify(execFile);

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, mb: { type: 'string', default: '1024' } } });
const runs = Number(values.runs);
const bytes = Number(values.mb) * 1024 * 1024;

if (!existsSync(bin)) {
  console.error(`no ${bin}: run pnpm build first`);
  process.exit(3);
}
const { LocalQueue } = await import(join(repo, 'packages/local-queue/dist/index.js'));
const { QueueClient } = await import(join(repo, 'packages/worker-core/dist/index.js'));

function run(command, args, env = {}) {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr, wallMs: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

async function must(command, args, env) {
  const r = await run(command, args, env);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
  return r;
}

/** Writes `size` random bytes to `path` without holding them in memory. */
async function randomFile(path, size) {
  const out = createWriteStream(path);
  const chunk = 1 << 20;
  for (let written = 0; written < size; written += chunk) {
    if (!out.write(randomBytes(Math.min(chunk, size - written)))) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r, j) => out.end((err) => (err ? j(err) : r())));
}

const dir = await mkdtemp(join(tmpdir(), 'bench-artifact-'));
const image = `dw-bench/artifact:${randomBytes(4).toString('hex')}`;
const queue = new LocalQueue({ storageDir: join(dir, 'queue') });
try {
  // The image with the file in it.
  const context = join(dir, 'image');
  await must('mkdir', ['-p', context]);
  await randomFile(join(context, 'big.bin'), bytes);
  await writeFile(join(context, 'Dockerfile'), `FROM ${BASE_IMAGE}\nCOPY big.bin /data/big.bin\n`);
  await must('docker', ['build', '-q', '-t', image, context]);
  await rm(join(context, 'big.bin'));

  // The baseline's PUT target: an s3 putUrl of a claimed run on an embedded queue.
  await queue.start();
  const client = new QueueClient({ rootUrl: queue.rootUrl, credentials: queue.credentials });
  const taskId = (await import(join(repo, 'packages/worker-core/node_modules/taskcluster-client/src/index.js'))).default.slugid();
  const now = Date.now();
  await client.createTask(taskId, {
    provisionerId: 'bench',
    workerType: 'baseline',
    schedulerId: '-',
    taskGroupId: taskId,
    dependencies: [],
    requires: 'all-completed',
    routes: [],
    priority: 'lowest',
    retries: 0,
    created: new Date(now).toISOString(),
    deadline: new Date(now + 3600_000).toISOString(),
    expires: new Date(now + 86400_000).toISOString(),
    scopes: [],
    payload: {},
    metadata: { name: 'baseline', description: 'baseline PUT target', owner: 'bench@example.com', source: 'https://example.com/bench' },
    tags: {},
    extra: {},
  });
  const [claim] = await client.claimWork('bench/baseline', { workerGroup: 'bench', workerId: 'bench', tasks: 1 });
  const runQueue = client.forRun(taskId, 0, claim.credentials);
  const expires = new Date(now + 86400_000).toISOString();

  let n = 0;
  async function baseline() {
    const name = `bench-${++n}`;
    const started = process.hrtime.bigint();
    await must('docker', ['run', '--name', name, image, 'true']);
    await must('docker', ['cp', `${name}:/data/big.bin`, join(dir, 'copied.bin')]);
    const { putUrl } = await runQueue.createArtifact(`public/${name}.bin`, { storageType: 's3', contentType: 'application/octet-stream', expires });
    await must('curl', ['-sS', '--fail', '-T', join(dir, 'copied.bin'), '-H', 'content-type: application/octet-stream', putUrl]);
    await must('docker', ['rm', name]);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const size = (await stat(join(dir, 'copied.bin'))).size;
    await rm(join(dir, 'copied.bin'));
    if (size !== bytes) throw new Error(`docker cp gave ${size} bytes`);
    return { wallMs };
  }

  const task = join(dir, 'task.json');
  await writeFile(task, JSON.stringify({ image, command: ['true'], maxRunTime: 600, artifacts: { 'public/big.bin': { type: 'file', path: '/data/big.bin' } } }));
  const preload = join(dir, 'usage.cjs');
  const usageFile = join(dir, 'usage.json');
  await writeFile(
    preload,
    `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(${JSON.stringify(usageFile)}, JSON.stringify({ maxRssKb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime })); });\n`,
  );
  async function worker() {
    const r = await run(process.execPath, ['--require', preload, bin, 'run', task], { DW_WORK_DIR: join(dir, 'work'), DW_WORKER_ID: 'bench-artifact' });
    if (r.code !== 0 || !/Uploaded artifact "public\/big\.bin" \(1 file, (\d+) bytes\)/.test(r.stdout)) throw new Error(`worker run: exit ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr}`);
    const usage = JSON.parse(await readFile(usageFile, 'utf8'));
    return { wallMs: r.wallMs, peakRssMb: usage.maxRssKb / 1024, cpuMs: usage.cpuUs / 1000 };
  }

  // The daemon: `worker start` on this script's queue, for its own task queue.
  const daemonEnv = {
    TASKCLUSTER_ROOT_URL: queue.rootUrl,
    TASKCLUSTER_CLIENT_ID: queue.credentials.clientId,
    TASKCLUSTER_ACCESS_TOKEN: queue.credentials.accessToken,
    DW_PROVISIONER_ID: 'bench',
    DW_WORKER_TYPE: 'daemon',
    DW_WORKER_ID: 'bench-artifact-daemon',
    DW_WORK_DIR: join(dir, 'daemon'),
    DW_TASK_QUEUE__POLL_INTERVAL: '100',
  };
  const daemon = spawn(process.execPath, [bin, 'start'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...daemonEnv } });
  let daemonErr = '';
  daemon.stderr.on('data', (c) => (daemonErr += c));
  const daemonExited = new Promise((r) => daemon.once('exit', r));
  async function daemonTask() {
    const id = (await import(join(repo, 'packages/worker-core/node_modules/taskcluster-client/src/index.js'))).default.slugid();
    const at = Date.now();
    const started = process.hrtime.bigint();
    await client.createTask(id, {
      provisionerId: 'bench',
      workerType: 'daemon',
      schedulerId: '-',
      taskGroupId: id,
      dependencies: [],
      requires: 'all-completed',
      routes: [],
      priority: 'lowest',
      retries: 0,
      created: new Date(at).toISOString(),
      deadline: new Date(at + 3600_000).toISOString(),
      expires: new Date(at + 86400_000).toISOString(),
      scopes: [],
      payload: JSON.parse(await readFile(task, 'utf8')),
      metadata: { name: 'bench', description: 'artifact upload', owner: 'bench@example.com', source: 'https://example.com/bench' },
      tags: {},
      extra: {},
    });
    for (;;) {
      const status = await client.status(id);
      if (status.state === 'completed') break;
      if (status.state === 'failed' || status.state === 'exception') throw new Error(`daemon task ${id} ${status.state}\n${daemonErr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${daemon.pid}/status`, 'utf8'))[1]);
    return { wallMs, peakRssMb: hwm / 1024 };
  }

  console.log(`artifact upload: one ${values.mb} MiB file artifact; ${runs} interleaved runs after a warm-up; ${cpus().length} cores; node ${process.version}`);
  await baseline();
  await worker();
  await daemonTask();
  const rows = [];
  const sides = { b: baseline, w: worker, d: daemonTask };
  for (let i = 0; i < runs; i++) {
    // Rotate the order, so no side always runs on a machine another just warmed.
    const order = ['b', 'w', 'd'].map((_, k, all) => all[(k + i) % all.length]);
    const row = {};
    for (const side of order) row[side] = await sides[side]();
    rows.push(row);
  }
  daemon.kill('SIGINT');
  await daemonExited;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log('');
  console.log('| run | baseline: docker run + docker cp + curl PUT | worker run | ratio | worker run peak RSS | worker run CPU | worker start (queue in another process) | ratio | daemon peak RSS |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  rows.forEach(({ b, w, d }, i) => {
    console.log(
      `| ${i + 1} | ${fmt(b.wallMs)} | ${fmt(w.wallMs)} | ${(w.wallMs / b.wallMs).toFixed(2)}× | ${w.peakRssMb.toFixed(0)} MB | ${fmt(w.cpuMs)} | ${fmt(d.wallMs)} | ${(d.wallMs / b.wallMs).toFixed(2)}× | ${d.peakRssMb.toFixed(0)} MB |`,
    );
  });
  const mb = median(rows.map((r) => r.b.wallMs));
  const mw = median(rows.map((r) => r.w.wallMs));
  const md = median(rows.map((r) => r.d.wallMs));
  console.log(
    `| median | ${fmt(mb)} | ${fmt(mw)} | **${(mw / mb).toFixed(2)}×** | max **${Math.max(...rows.map((r) => r.w.peakRssMb)).toFixed(0)} MB** | ${fmt(median(rows.map((r) => r.w.cpuMs)))} | ${fmt(md)} | **${(md / mb).toFixed(2)}×** | **${Math.max(...rows.map((r) => r.d.peakRssMb)).toFixed(0)} MB** |`,
  );
  console.log('targets: ≤ 1.20× the baseline, peak RSS ≤ 150 MB');
} finally {
  await queue.stop().catch(() => {});
  await exec('docker', ['image', 'rm', '-f', image]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
