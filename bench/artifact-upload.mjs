#!/usr/bin/env node
/**
 * Artifact upload benchmark (a performance target of the project): one 1 GiB file artifact through
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
 *   - `worker start` serving this script's queue (as deployed: the queue is another process,
 *     as it is for the baseline): from createTask to the run resolved.
 *   - `worker run TASK`: the whole command (start-up, its embedded queue, claim, container,
 *     artifact, log upload, resolution). Its embedded queue lives in the same process and on
 *     the same JavaScript thread, so the receiving side of the PUT (HTTP parsing, both hashes)
 *     competes with the worker for that thread; in the baseline that work is another process.
 * Peak RSS: for `worker run`, getrusage ru_maxrss of the process (written by a preload as it
 * exits); for `worker start`, VmHWM of the daemon after each run. Both are the kernel's own
 * high-water marks, so no short peak between two samples is missed.
 * Targets: ≤ 1.2× the baseline's wall time, peak RSS ≤ 150 MB.
 *
 *   node bench/artifact-upload.mjs [--quick] [--runs 3] [--mb 1024]
 *
 * Needs a build (`pnpm build`), a Docker engine, curl, and the test image `dw-test/busybox:latest`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchError, IMAGE, bin, interleave, nodeArgs, main, median, must, now, peakRssMb, randomFile, requireBuild, row, run, seconds } from './lib/common.mjs';
import { Daemon } from './lib/daemon.mjs';

export async function artifactUpload({ quick = false, mb = quick ? 256 : 1024, runs = quick ? 1 : 3 } = {}) {
  requireBuild();
  const bytes = mb * 1024 * 1024;
  const image = `dw-bench/artifact:${randomBytes(4).toString('hex')}`;
  const daemon = new Daemon({ name: 'artifact', capacity: 1 });
  await daemon.start();
  const dir = daemon.dir;
  try {
    // The image with the file in it.
    const context = join(dir, 'image');
    await mkdir(context, { recursive: true });
    await randomFile(join(context, 'big.bin'), bytes);
    await writeFile(join(context, 'Dockerfile'), `FROM ${IMAGE}\nCOPY big.bin /data/big.bin\n`);
    await must('docker', ['build', '-q', '-t', image, context]);
    await rm(join(context, 'big.bin'));
    const payload = { image, command: ['true'], maxRunTime: 600, artifacts: { 'public/big.bin': { type: 'file', path: '/data/big.bin' } } };

    // The baseline's PUT target: an s3 putUrl of a claimed run on the same queue.
    // On a task queue of its own, which the daemon does not serve; the artifact expires no later than the task.
    const { client } = daemon;
    const expires = new Date(Date.now() + 86400_000).toISOString();
    const baselineTask = await daemon.create({}, undefined, 'baseline');
    const [claim] = await client.claimWork('bench/baseline', { workerGroup: 'bench', workerId: 'bench', tasks: 1 });
    const runQueue = client.forRun(baselineTask, 0, claim.credentials);

    // The queue keeps what was PUT on this machine's disk, where a real deployment's S3 is
    // elsewhere. Kept, each GiB would be written back to disk while the next side runs, slowing
    // whichever side comes next (measured: the daemon after the baseline 1.45×, after `worker
    // run` 1.07×). Deleted at once, its dirty pages are dropped instead.
    const forget = async (taskId, name) => {
      const path = daemon.queue.artifactPath(taskId, 0, name);
      if (path) await rm(path, { force: true });
    };
    let n = 0;
    const copied = join(dir, 'copied.bin');
    const task = join(dir, 'task.json');
    await writeFile(task, JSON.stringify(payload));
    const preload = join(dir, 'usage.cjs');
    const usageFile = join(dir, 'usage.json');
    await writeFile(
      preload,
      `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeFileSync(${JSON.stringify(usageFile)}, JSON.stringify({ maxRssKb: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime })); });\n`,
    );
    const sides = {
      baseline: async () => {
        const name = `bench-${randomBytes(4).toString('hex')}-${++n}`;
        const started = now();
        await must('docker', ['run', '--name', name, image, 'true']);
        await must('docker', ['cp', `${name}:/data/big.bin`, copied]);
        const { putUrl } = await runQueue.createArtifact(`public/${name}.bin`, { storageType: 's3', contentType: 'application/octet-stream', expires });
        await must('curl', ['-sS', '--fail', '-T', copied, '-H', 'content-type: application/octet-stream', putUrl]);
        await must('docker', ['rm', name]);
        const wallMs = now() - started;
        await forget(baselineTask, `public/${name}.bin`);
        const size = (await stat(copied)).size;
        await rm(copied);
        if (size !== bytes) throw new BenchError(`docker cp gave ${size} bytes`);
        return { wallMs };
      },
      daemon: async () => {
        await daemon.parked();
        const started = now();
        const taskId = await daemon.create(payload);
        await daemon.resolution(taskId);
        const wallMs = now() - started;
        await forget(taskId, 'public/big.bin');
        return { wallMs, peakRssMb: await peakRssMb(daemon.pid) };
      },
      run: async () => {
        const r = await run(process.execPath, [...nodeArgs, '--require', preload, bin, 'run', task], { env: { DW_WORK_DIR: join(dir, 'work-run'), DW_WORKER_ID: 'bench-artifact' } });
        if (r.code !== 0 || !/Uploaded artifact "public\/big\.bin" \(1 file, (\d+) bytes\)/.test(r.stdout)) throw new BenchError(`worker run: exit ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr}`);
        const usage = JSON.parse(await readFile(usageFile, 'utf8'));
        return { wallMs: r.wallMs, peakRssMb: usage.maxRssKb / 1024, cpuMs: usage.cpuUs / 1000 };
      },
    };
    const r = await interleave(sides, runs);
    const b = median(r.baseline.map((x) => x.wallMs));
    const rows = [];
    for (const [side, label] of [['daemon', 'worker start, queue in another process'], ['run', 'worker run, embedded queue in-process']]) {
      const w = median(r[side].map((x) => x.wallMs));
      const peak = Math.max(...r[side].map((x) => x.peakRssMb));
      rows.push(
        row({
          name: `artifact upload (${mb} MiB file, ${label})`,
          baseline: seconds(b),
          worker: seconds(w),
          ratio: w / b,
          target: '≤ 1.20×, RSS ≤ 150 MB',
          holds: w / b <= 1.2 && peak <= 150,
          rss: `${peak.toFixed(0)} MB`,
          note:
            `${runs} interleaved round(s); baseline: docker run + docker cp + curl -T; single ratios ${r[side].map((x, i) => (x.wallMs / r.baseline[i].wallMs).toFixed(2)).join(', ')}` +
            (side === 'run' ? `; worker CPU ${seconds(median(r.run.map((x) => x.cpuMs)))}` : ''),
        }),
      );
    }
    return rows;
  } finally {
    await daemon.stop();
    await run('docker', ['image', 'rm', '-f', image]).catch(() => {});
  }
}

await main(import.meta, artifactUpload, ['runs', 'mb']);
