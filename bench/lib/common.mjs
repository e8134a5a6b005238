/**
 * Helpers shared by the benchmarks: paths, timing, medians, child processes, peak-RSS and CPU
 * sampling from /proc, and interleaving. Plain ESM on purpose: the benchmarks measure the
 * built worker (`pnpm build`) and are not part of the TypeScript build.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const IMAGE = 'dw-test/busybox:latest';
export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = join(repo, 'packages/worker-core/dist/bin/worker.js');
/**
 * Extra Node flags for every worker process the benchmarks start, for profiling only
 * (`BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' pnpm bench --only overhead`).
 * Empty by default: the worker is measured as it is started in production.
 */
export const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Thrown when a benchmark cannot run at all (as opposed to missing its target). */
export class BenchError extends Error {}

export function requireBuild() {
  if (!existsSync(bin)) throw new BenchError(`no ${bin}: run pnpm build first`);
}

export const now = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** Runs a command to its end; stdout and stderr collected (keep them small). */
export function run(command, args, { env = {}, stdin } = {}) {
  return new Promise((done, fail) => {
    const started = now();
    const child = spawn(command, args, { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    if (stdin !== undefined) child.stdin.end(stdin);
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr, wallMs: now() - started }));
  });
}

export async function must(command, args, options) {
  const r = await run(command, args, options);
  if (r.code !== 0) throw new BenchError(`${command} ${args.join(' ')}: exit ${r.code}\n${r.stderr.slice(-2000)}`);
  return r;
}

/** CPU time (user + system) of a process so far, in ms; undefined once it is gone. */
export async function cpuMs(pid) {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are 12th and 13th.
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** The kernel's resident-set high-water mark (VmHWM) of a process, in MB. */
export async function peakRssMb(pid) {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Samples VmHWM and CPU time of a process until stop(). VmHWM is a high-water mark kept by the
 * kernel, so sampling only has to catch the last value before the process exits.
 */
export function sampler(pid) {
  let hwm = 0;
  let cpu = 0;
  const sample = async () => {
    hwm = Math.max(hwm, (await peakRssMb(pid)) ?? 0);
    cpu = (await cpuMs(pid)) ?? cpu;
  };
  const timer = setInterval(sample, 25);
  void sample();
  return { stop: () => clearInterval(timer), result: () => ({ peakRssMb: hwm, cpuMs: cpu }) };
}

/**
 * Runs `pairs` rounds of every side in `sides` ({name: async () => result}), rotating the order
 * each round so no side always runs on a machine another has just warmed (or loaded). One
 * untimed warm-up of each side first when `warmUp`. Returns {name: [result per round]}.
 */
export async function interleave(sides, pairs, { warmUp = true } = {}) {
  const names = Object.keys(sides);
  if (warmUp) for (const name of names) await sides[name]();
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < pairs; i++) {
    const order = names.map((_, k) => names[(k + i) % names.length]);
    for (const name of order) results[name].push(await sides[name]());
  }
  return results;
}

/** One row of the summary table (see run.mjs). `holds` is true, false, or undefined (no target). */
export function row({ name, baseline, worker, ratio, target, holds, rss, note }) {
  return { name, baseline: baseline ?? '—', worker, ratio: ratio ?? '—', target: target ?? '—', holds, rss: rss ?? '—', note: note ?? '' };
}

/** Writes `size` random bytes to `path` without holding them in memory. */
export async function randomFile(path, size) {
  const out = createWriteStream(path);
  const chunk = 1 << 20;
  for (let written = 0; written < size; written += chunk) {
    if (!out.write(randomBytes(Math.min(chunk, size - written)))) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r, j) => out.end((err) => (err ? j(err) : r())));
}

/**
 * The stand-alone entry point of a benchmark: when `meta` is the script being run, calls `bench`
 * with `--quick` and the numeric options named in `numbers` (`--runs N` style) and prints its rows.
 */
export async function main(meta, bench, numbers) {
  if (!process.argv[1] || resolve(process.argv[1]) !== fileURLToPath(meta.url)) return;
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, ...Object.fromEntries(numbers.map((n) => [n, { type: 'string' }])) } });
  const options = { quick: values.quick };
  for (const n of numbers) if (values[n]) options[n] = Number(values[n]);
  console.log(await bench(options));
}
