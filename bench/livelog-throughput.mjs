#!/usr/bin/env node
/**
 * Log streaming benchmark (DESIGN.md, performance targets): `worker run` of one task printing
 * 200 MB against the bare Docker baseline `docker run --rm IMAGE sh -c '...' | wc -c`, measured
 * in the same run, interleaved (the order alternates), both with their stdout going to `wc -c`.
 *
 * For the worker it reports the wall time of the whole command (start-up, embedded queue,
 * container, live log, backing log compressed and uploaded, resolution), its peak RSS (VmHWM of
 * the worker process in /proc) and its CPU time. Targets: ≤ 1.1× the baseline's wall time,
 * peak RSS ≤ 150 MB.
 *
 *   node bench/livelog-throughput.mjs [--runs 3] [--mb 200]
 *
 * Needs a build (`pnpm build`), a Docker engine and the test image `dw-test/busybox:latest`.
 * Not part of the test suite: timings on a shared machine are not pass/fail material.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const IMAGE = 'dw-test/busybox:latest';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'packages/worker-core/dist/bin/worker.js');

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, mb: { type: 'string', default: '200' } } });
const runs = Number(values.runs);
const bytes = Number(values.mb) * 1024 * 1024;
const script = `yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c ${bytes}`;

if (!existsSync(bin)) {
  console.error(`no ${bin}: run pnpm build first`);
  process.exit(3);
}

/** Wall time of a child whose stdout goes to `wc -c`, with the byte count wc saw. */
function timed(command, args, env, onPid) {
  return new Promise((done, fail) => {
    const wc = spawn('wc', ['-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let counted = '';
    wc.stdout.on('data', (chunk) => (counted += chunk));
    const wcClosed = new Promise((closed) => wc.once('close', closed));
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', wc.stdin, 'pipe'], env: { ...process.env, ...env } });
    // The child holds its own copy of the pipe: ours must go, or wc never sees the end.
    wc.stdin.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const sampler = onPid?.(child.pid);
    child.once('error', fail);
    child.once('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      sampler?.stop();
      void wcClosed.then(() => done({ code, wallMs, bytes: Number(counted.trim()), stderr, ...(sampler?.result() ?? {}) }));
    });
  });
}

/** Samples the peak RSS (VmHWM) and CPU time (utime + stime) of a process until stop(). */
function sampler(pid) {
  // USER_HZ, 100 on every Linux this runs on.
  const ticksPerSecond = 100;
  let hwmKb = 0;
  let cpuMs = 0;
  const sample = async () => {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      hwmKb = Math.max(hwmKb, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0));
      const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
      cpuMs = ((Number(stat[11]) + Number(stat[12])) * 1000) / ticksPerSecond;
    } catch {
      // The process has just exited.
    }
  };
  const timer = setInterval(sample, 25);
  void sample();
  return { stop: () => clearInterval(timer), result: () => ({ peakRssMb: hwmKb / 1024, cpuMs }) };
}

async function baseline() {
  const r = await timed('docker', ['run', '--rm', IMAGE, 'sh', '-c', script], {});
  if (r.code !== 0 || r.bytes !== bytes) throw new Error(`docker run: exit ${r.code}, ${r.bytes} bytes\n${r.stderr}`);
  return r;
}

async function worker(dir) {
  const r = await timed(process.execPath, [bin, 'run', join(dir, 'task.yml')], { DW_WORK_DIR: join(dir, 'work'), DW_WORKER_ID: 'bench-livelog' }, sampler);
  // The task log adds the header and footer lines, and `worker run` its result line.
  if (r.code !== 0 || r.bytes < bytes) throw new Error(`worker run: exit ${r.code}, ${r.bytes} bytes\n${r.stderr}`);
  if (!/^Live log: https?:\/\//m.test(r.stderr)) throw new Error(`worker run printed no live log URL:\n${r.stderr}`);
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

const dir = await mkdtemp(join(tmpdir(), 'bench-livelog-'));
try {
  await writeFile(join(dir, 'task.yml'), JSON.stringify({ image: IMAGE, command: ['sh', '-c', script], maxRunTime: 600 }));
  console.log(`log streaming: one task printing ${values.mb} MB; ${runs} interleaved runs after a warm-up; ${cpus().length} cores; node ${process.version}`);
  await baseline();
  await worker(dir);
  const rows = [];
  for (let i = 0; i < runs; i++) {
    // Alternate the order, so neither side always runs on a machine the other just warmed.
    let b;
    let w;
    if (i % 2 === 0) {
      b = await baseline();
      w = await worker(dir);
    } else {
      w = await worker(dir);
      b = await baseline();
    }
    rows.push({ b, w });
  }
  console.log('');
  console.log('| run | docker run \\| wc -c | worker run \\| wc -c | ratio | worker peak RSS | worker CPU |');
  console.log('|---|---|---|---|---|---|');
  rows.forEach(({ b, w }, i) => {
    console.log(`| ${i + 1} | ${fmt(b.wallMs)} | ${fmt(w.wallMs)} | ${(w.wallMs / b.wallMs).toFixed(2)}× | ${w.peakRssMb.toFixed(0)} MB | ${fmt(w.cpuMs)} |`);
  });
  const mb = median(rows.map((r) => r.b.wallMs));
  const mw = median(rows.map((r) => r.w.wallMs));
  const peak = Math.max(...rows.map((r) => r.w.peakRssMb));
  console.log(
    `| median | ${fmt(mb)} | ${fmt(mw)} | **${(mw / mb).toFixed(2)}×** (target ≤ 1.10×) | max **${peak.toFixed(0)} MB** (target ≤ 150 MB) | ${fmt(median(rows.map((r) => r.w.cpuMs)))} |`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
