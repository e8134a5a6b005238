#!/usr/bin/env node
/**
 * Log streaming benchmark (a performance target of the project): `worker run` of one task printing
 * 200 MB against the bare Docker baseline `docker run --rm IMAGE sh -c '...' | wc -c`, measured
 * in the same run, interleaved (the order alternates), both with their stdout going to `wc -c`.
 * A second, informative row compares the same worker runs with `docker run --log-driver=none`,
 * the log driver the worker gives its containers.
 *
 * For the worker it reports the wall time of the whole command (start-up, embedded queue,
 * container, live log, backing log compressed and uploaded, resolution), its peak RSS (VmHWM of
 * the worker process in /proc) and its CPU time. Targets: ≤ 1.1× the baseline's wall time,
 * peak RSS ≤ 150 MB.
 *
 *   node bench/livelog-throughput.mjs [--quick] [--runs 3] [--mb 200]
 *
 * Needs a build (`pnpm build`), a Docker engine and the test image `dw-test/busybox:latest`.
 * Not part of the test suite: timings on a shared machine are not pass/fail material.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError, IMAGE, bin, interleave, nodeArgs, main, median, now, requireBuild, row, sampler, seconds } from './lib/common.mjs';

/** Wall time of a child whose stdout goes to `wc -c`, with the byte count wc saw. */
function timed(command, args, env, onPid) {
  return new Promise((done, fail) => {
    const wc = spawn('wc', ['-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let counted = '';
    wc.stdout.on('data', (chunk) => (counted += chunk));
    const wcClosed = new Promise((closed) => wc.once('close', closed));
    const started = now();
    const child = spawn(command, args, { stdio: ['ignore', wc.stdin, 'pipe'], env: { ...process.env, ...env } });
    // The child holds its own copy of the pipe: ours must go, or wc never sees the end.
    wc.stdin.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const sampling = onPid?.(child.pid);
    child.once('error', fail);
    child.once('exit', (code) => {
      const wallMs = now() - started;
      sampling?.stop();
      void wcClosed.then(() => done({ code, wallMs, bytes: Number(counted.trim()), stderr, ...(sampling?.result() ?? {}) }));
    });
  });
}

export async function livelog({ quick = false, mb = quick ? 100 : 200, runs = quick ? 1 : 3 } = {}) {
  requireBuild();
  const bytes = mb * 1024 * 1024;
  const script = `yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${bytes}`;
  const dir = await mkdtemp(join(tmpdir(), 'bench-livelog-'));
  try {
    await writeFile(join(dir, 'task.yml'), JSON.stringify({ image: IMAGE, command: ['sh', '-c', script], maxRunTime: 600 }));
    const dockerRun = async (...flags) => {
      const r = await timed('docker', ['run', '--rm', ...flags, IMAGE, 'sh', '-c', script], {});
      if (r.code !== 0 || r.bytes !== bytes) throw new BenchError(`docker run: exit ${r.code}, ${r.bytes} bytes\n${r.stderr}`);
      return r;
    };
    const sides = {
      baseline: () => dockerRun(),
      // The worker's containers log nowhere but to it (LogConfig none): the CLI doing the same,
      // for the cost of the worker's own pipeline alone. Informative, no target.
      bareLogDriverNone: () => dockerRun('--log-driver=none'),
      worker: async () => {
        // As a person runs it: `worker run FILE`, no extra Node flags unless profiling.
        const r = await timed(process.execPath, [...nodeArgs, bin, 'run', join(dir, 'task.yml')], { DW_WORK_DIR: join(dir, 'work'), DW_WORKER_ID: 'bench-livelog' }, sampler);
        // The task log adds the header and footer lines, and `worker run` its result line.
        if (r.code !== 0 || r.bytes < bytes) throw new BenchError(`worker run: exit ${r.code}, ${r.bytes} bytes\n${r.stderr}`);
        if (!/^Live log: https?:\/\//m.test(r.stderr)) throw new BenchError(`worker run printed no live log URL:\n${r.stderr}`);
        return r;
      },
    };
    const r = await interleave(sides, runs);
    const b = median(r.baseline.map((x) => x.wallMs));
    const w = median(r.worker.map((x) => x.wallMs));
    const peak = Math.max(...r.worker.map((x) => x.peakRssMb));
    const bare = median(r.bareLogDriverNone.map((x) => x.wallMs));
    return [
      row({
        name: `log streaming (${mb} MB, worker run \\| wc -c)`,
        baseline: seconds(b),
        worker: seconds(w),
        ratio: w / b,
        target: '≤ 1.10×, RSS ≤ 150 MB',
        holds: w / b <= 1.1 && peak <= 150,
        rss: `${peak.toFixed(0)} MB`,
        note: `${runs} interleaved pair(s); worker CPU ${seconds(median(r.worker.map((x) => x.cpuMs)))}; single ratios ${r.worker.map((x, i) => (x.wallMs / r.baseline[i].wallMs).toFixed(2)).join(', ')}`,
      }),
      row({
        name: `log streaming (${mb} MB) against \`docker run --log-driver=none\``,
        baseline: seconds(bare),
        worker: seconds(w),
        ratio: w / bare,
        note: 'the same worker runs; the CLI with the log driver the worker gives its containers',
      }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main(import.meta, livelog, ['runs', 'mb']);
