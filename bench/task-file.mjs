#!/usr/bin/env node
/**
 * A large task file: 50,000 env keys, 5.7 MB of JSON, read by `worker run` up to its verdict
 * on the payload, against `node -e 'JSON.parse(fs.readFileSync(f))'` of the same file.
 *
 * Such an env is more than a container may be given (the worker's limit on env and command
 * together is 1 MiB, what Linux lets execve pass), so the verdict is a refusal:
 * `exception/malformed-payload`, printed once the file was read, created on the embedded queue,
 * claimed, and checked (schema, env size). That point is the same for a file the worker
 * accepts, which would start its container right after.
 *
 * What is compared is what the file costs: the time to the verdict minus the same for a
 * control file refused by the same check with one env value of the same total size (almost
 * nothing to parse), and the baseline's JSON.parse of the file minus its JSON.parse of the
 * control file. Start-up (about 0.5 s for `worker run`, 40 ms for node) is in neither.
 * Target: ≤ 3× the baseline.
 *
 *   node bench/task-file.mjs [--quick] [--runs 5] [--keys 50000]
 *
 * Needs a build (`pnpm build`) and a Docker engine (`worker run` pings it first).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchError, IMAGE, bin, interleave, main, median, must, nodeArgs, now, requireBuild, row, seconds } from './lib/common.mjs';

/** A payload with `keys` env keys of about 110 bytes each (5.7 MB for 50,000), and its control. */
export function largeEnvPayloads(keys) {
  const env = {};
  for (let i = 0; i < keys; i++) env[`VAR_${String(i).padStart(6, '0')}`] = `value-${i}-${'x'.repeat(86)}`;
  const payload = { image: IMAGE, command: ['true'], maxRunTime: 60, env };
  const size = Object.entries(env).reduce((n, [k, v]) => n + k.length + v.length + 2, 0);
  return { payload, control: { ...payload, env: { ONE: 'x'.repeat(size) } } };
}

const VERDICT = /The task payload is invalid|=== Task Starting ===/;

/** `worker run file`: ms from spawn to the payload verdict on stdout; the run is let finish. */
function toVerdict(file, dir) {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, [...nodeArgs, bin, 'run', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DW_WORK_DIR: join(dir, 'work'), DW_WORKER_ID: 'bench-task-file' } });
    let at;
    let tail = '';
    child.stdout.on('data', (c) => {
      tail = (tail + c).slice(-4000);
      if (at === undefined && VERDICT.test(tail)) at = now() - started;
    });
    child.stderr.on('data', (c) => (tail = (tail + c).slice(-4000)));
    child.once('error', reject);
    child.once('close', () => (at === undefined ? reject(new BenchError(`worker run ${file}: no verdict\n${tail}`)) : resolve(at)));
  });
}

export async function taskFile({ quick = false, keys = 50_000, runs = quick ? 3 : 5 } = {}) {
  requireBuild();
  const dir = await mkdtemp(join(tmpdir(), 'bench-task-file-'));
  try {
    const { payload, control } = largeEnvPayloads(keys);
    const big = join(dir, 'big.json');
    const small = join(dir, 'control.json');
    const text = JSON.stringify(payload);
    await writeFile(big, text);
    await writeFile(small, JSON.stringify(control));
    const parse = async (file) => (await must(process.execPath, ['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}))`])).wallMs;
    const r = await interleave(
      {
        baseline: async () => ({ big: await parse(big), control: await parse(small) }),
        worker: async () => ({ big: await toVerdict(big, dir), control: await toVerdict(small, dir) }),
      },
      runs,
    );
    const extra = (side) => median(r[side].map((x) => x.big - x.control));
    const b = extra('baseline');
    const w = extra('worker');
    return [
      row({
        name: `task file (${(text.length / 1e6).toFixed(1)} MB, ${keys.toLocaleString('en')} env keys, worker run to its payload verdict, minus a control file)`,
        baseline: `${b.toFixed(0)} ms`,
        worker: `${w.toFixed(0)} ms`,
        ratio: w / b,
        target: '≤ 3.00×',
        holds: w / b <= 3,
        note: `${runs} interleaved round(s); the whole file to its verdict: worker run ${seconds(median(r.worker.map((x) => x.big)))}, node JSON.parse ${seconds(median(r.baseline.map((x) => x.big)))}`,
      }),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main(import.meta, taskFile, ['runs', 'keys']);
