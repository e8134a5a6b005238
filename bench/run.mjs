#!/usr/bin/env node
/**
 * `pnpm bench [--quick] [--only NAME[,NAME]]`: runs the project's benchmarks ("Performance
 * targets") one after another, each interleaving its worker and baseline runs, then prints one
 * table. A missed target is a finding, not a failure: the exit status is 0 unless a benchmark
 * could not run at all (then 1, after the table of those that did).
 *
 * --quick keeps the whole run under 5 minutes on a 2-core machine: one interleaved round per
 * benchmark instead of three, 15 tasks for the overhead and 20 for throughput and metrics, a
 * 100 MB log, 256 MiB artifacts, 2,000 small files, a 20 s idle window and 5 claim-latency
 * samples; the table names the sizes used.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { artifactUpload } from './artifact-upload.mjs';
import { claimLatency } from './claim-latency.mjs';
import { directoryArtifact } from './directory-artifact.mjs';
import { idle } from './idle.mjs';
import { livelog } from './livelog-throughput.mjs';
import { metrics } from './metrics.mjs';
import { now, requireBuild } from './lib/common.mjs';
import { overhead } from './overhead.mjs';
import { taskFile } from './task-file.mjs';
import { taskclusterProxy } from './taskcluster-proxy.mjs';
import { throughput } from './throughput.mjs';
import { volumeArtifact } from './volume-artifact.mjs';

const BENCHMARKS = { overhead, throughput, livelog, artifacts: artifactUpload, volume: volumeArtifact, directory: directoryArtifact, 'task-file': taskFile, idle, 'claim-latency': claimLatency, 'taskcluster-proxy': taskclusterProxy, metrics };

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const only = values.only ? values.only.split(',') : Object.keys(BENCHMARKS);
const unknown = only.filter((n) => !(n in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
requireBuild();

const os = /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${os}, node ${process.version}${values.quick ? ', --quick' : ''}`);
const started = now();
const rows = [];
const failed = [];
for (const name of only) {
  const t = now();
  process.stdout.write(`${name} ... `);
  try {
    const got = await BENCHMARKS[name]({ quick: values.quick });
    rows.push(...got);
    console.log(`${((now() - t) / 1000).toFixed(0)} s`);
  } catch (err) {
    console.log('could not run');
    console.error(err.stack ?? err);
    failed.push(name);
  }
}

const ratio = (r) => (typeof r === 'number' ? `${r.toFixed(2)}×` : r);
const holds = (h) => (h === undefined ? '—' : h ? 'yes' : '**no**');
console.log('');
console.log('| benchmark | baseline median | worker median | ratio | target | holds | worker peak RSS |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.name} | ${r.baseline} | ${r.worker} | ${ratio(r.ratio)} | ${r.target} | ${holds(r.holds)} | ${r.rss} |`);
console.log('');
for (const r of rows) if (r.note) console.log(`- ${r.name}: ${r.note}`);
console.log(`\ntotal ${((now() - started) / 1000).toFixed(0)} s${failed.length ? `; could not run: ${failed.join(', ')}` : ''}`);
process.exitCode = failed.length > 0 ? 1 : 0;
