#!/usr/bin/env node
/**
 * Many small files: one `directory` artifact of 100,000 files of 1 KiB (2,000 with --quick),
 * baked into a throw-away image, through `worker start` (createTask → resolved) against the
 * same files read out with `docker cp` and published with the calls the protocol needs for
 * each (createArtifact, then the PUT to its putUrl), made from this process with
 * taskcluster-client and Node's http client, 8 at a time, to the same queue.
 *
 * The same files as a `volume` artifact make a third side: the task copies them from the image
 * into `/out`, a host directory the worker mounts, and the worker uploads them from there
 * without the engine's archive endpoint (the task's copy is counted in that side's time).
 * Target: ≤ 0.5× the directory side.
 *
 * Besides wall time, what each file costs in CPU: the daemon's (utime + stime from /proc) and
 * the embedded queue's (this process's process.cpuUsage() while the daemon side runs; the
 * queue is all this process does then), and the daemon's peak RSS (VmHWM).
 * Targets: ≤ 1.5× the baseline, worker peak RSS ≤ 150 MB.
 *
 *   node bench/directory-artifact.mjs [--quick] [--runs 1] [--files 100000]
 *
 * Needs a build (`pnpm build`), a Docker engine and the test image `dw-test/busybox:latest`.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchError, IMAGE, cpuMs, interleave, main, median, must, now, peakRssMb, requireBuild, row, run, seconds } from './lib/common.mjs';
import { Daemon } from './lib/daemon.mjs';

const FILE_BYTES = 1024;
const PER_DIR = 1000;
const BASELINE_CONCURRENCY = 8;

/** `count` files of 1 KiB of random bytes under `dir`, 1,000 per subdirectory. */
async function smallFiles(dir, count) {
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `d${Math.floor(i / PER_DIR)}`);
    if (i % PER_DIR === 0) await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `f${i}.bin`), randomBytes(FILE_BYTES));
  }
}

/** Every file below `dir`, as paths relative to it. */
async function walk(dir, prefix = '') {
  const out = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(dir, relative)));
    else out.push(relative);
  }
  return out;
}

/** One PUT of `body` to an s3 putUrl, on a kept-alive connection. */
function put(url, body, contentType, agent) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new BenchError(`PUT answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function directoryArtifact({ quick = false, files = quick ? 2_000 : 100_000, runs = 1 } = {}) {
  requireBuild();
  const image = `dw-bench/directory:${randomBytes(4).toString('hex')}`;
  const daemon = new Daemon({ name: 'directory', capacity: 1 });
  await daemon.start();
  const dir = daemon.dir;
  const agent = new Agent({ keepAlive: true, maxSockets: BASELINE_CONCURRENCY });
  try {
    const context = join(dir, 'image');
    await smallFiles(join(context, 'files'), files);
    await writeFile(join(context, 'Dockerfile'), `FROM ${IMAGE}\nCOPY files /data/files\n`);
    await must('docker', ['build', '-q', '-t', image, context]);
    await rm(join(context, 'files'), { recursive: true });
    const payload = { image, command: ['true'], maxRunTime: 3600, artifacts: { 'public/files': { type: 'directory', path: '/data/files' } } };
    const volumePayload = { image, command: ['sh', '-c', 'cp -r /data/files/. /out/'], maxRunTime: 3600, artifacts: { 'public/files': { type: 'volume', path: '/out' } } };

    const { client } = daemon;
    const expires = new Date(Date.now() + 86400_000).toISOString();
    const baselineTask = await daemon.create({}, undefined, 'baseline');
    const [claim] = await client.claimWork('bench/baseline', { workerGroup: 'bench', workerId: 'bench', tasks: 1 });
    const runQueue = client.forRun(baselineTask, 0, claim.credentials);
    // What the queue stored is dropped after each side, as a remote S3 would leave nothing here.
    const forget = () => rm(join(dir, 'queue', 's3'), { recursive: true, force: true }).then(() => mkdir(join(dir, 'queue', 's3'), { recursive: true }));
    /** One task of `taskPayload` through the daemon: wall time, CPU of both processes, peak RSS. */
    const throughDaemon = async (taskPayload) => {
      await daemon.parked();
      const cpu0 = await cpuMs(daemon.pid);
      const queue0 = process.cpuUsage();
      const started = now();
      const taskId = await daemon.create(taskPayload);
      await daemon.resolution(taskId);
      const wallMs = now() - started;
      const queueCpu = process.cpuUsage(queue0);
      const workerCpuMs = (await cpuMs(daemon.pid)) - cpu0;
      const last = `public/files/d${Math.floor((files - 1) / PER_DIR)}/f${files - 1}.bin`;
      if (!daemon.queue.artifactPath(taskId, 0, last)) throw new BenchError(`${last} was not uploaded`);
      await forget();
      return { wallMs, workerCpuMs, queueCpuMs: (queueCpu.user + queueCpu.system) / 1000, peakRssMb: await peakRssMb(daemon.pid) };
    };
    let n = 0;
    const sides = {
      baseline: async () => {
        const name = `bench-${randomBytes(4).toString('hex')}-${++n}`;
        const copied = join(dir, `copied-${n}`);
        const started = now();
        await must('docker', ['run', '--name', name, image, 'true']);
        await must('docker', ['cp', `${name}:/data/files`, copied]);
        const paths = await walk(copied);
        let next = 0;
        const one = async () => {
          while (next < paths.length) {
            const path = paths[next++];
            const body = await readFile(join(copied, path));
            const { putUrl } = await runQueue.createArtifact(`public/${name}/${path}`, { storageType: 's3', contentType: 'application/octet-stream', expires });
            await put(putUrl, body, 'application/octet-stream', agent);
          }
        };
        await Promise.all(Array.from({ length: BASELINE_CONCURRENCY }, one));
        await must('docker', ['rm', name]);
        const wallMs = now() - started;
        await rm(copied, { recursive: true, force: true });
        await forget();
        if (paths.length !== files) throw new BenchError(`docker cp gave ${paths.length} files`);
        return { wallMs };
      },
      daemon: () => throughDaemon(payload),
      volume: () => throughDaemon(volumePayload),
    };
    // No warm-up round: each side is long, and the first of each is as warm as a real task's.
    const r = await interleave(sides, runs, { warmUp: false });
    const b = median(r.baseline.map((x) => x.wallMs));
    const w = median(r.daemon.map((x) => x.wallMs));
    const v = median(r.volume.map((x) => x.wallMs));
    const peak = Math.max(...r.daemon.map((x) => x.peakRssMb));
    const perFile = (ms) => `${((ms / files) * 1000).toFixed(0)} µs`;
    const cpuPerFile = (side) => `worker ${perFile(median(side.map((x) => x.workerCpuMs)))}, embedded queue ${perFile(median(side.map((x) => x.queueCpuMs)))}`;
    return [
      row({
        name: `directory artifact (${files.toLocaleString('en')} files of 1 KiB, worker start, queue in another process)`,
        baseline: seconds(b),
        worker: seconds(w),
        ratio: w / b,
        target: '≤ 1.50×, RSS ≤ 150 MB',
        holds: w / b <= 1.5 && peak <= 150,
        rss: `${peak.toFixed(0)} MB`,
        note:
          `${runs} interleaved round(s); baseline: docker cp + createArtifact and PUT per file, ${BASELINE_CONCURRENCY} at a time; ` +
          `CPU per file: ${cpuPerFile(r.daemon)}`,
      }),
      row({
        name: `the same ${files.toLocaleString('en')} files as a volume artifact (the task copying them into /out), against the directory artifact`,
        baseline: seconds(w),
        worker: seconds(v),
        ratio: v / w,
        target: '≤ 0.50×',
        holds: v / w <= 0.5,
        rss: `${Math.max(...r.volume.map((x) => x.peakRssMb)).toFixed(0)} MB`,
        note: `${runs} interleaved round(s); CPU per file: ${cpuPerFile(r.volume)}`,
      }),
    ];
  } finally {
    agent.destroy();
    await daemon.stop();
    await run('docker', ['image', 'rm', '-f', image]).catch(() => {});
  }
}

await main(import.meta, directoryArtifact, ['runs', 'files']);
