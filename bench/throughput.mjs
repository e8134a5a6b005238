#!/usr/bin/env node
/**
 * Throughput (a performance target of the project): 40 short tasks (`true`) through the daemon at
 * capacity 4, from the first claim to the last resolution (the queue's own times), against
 * `xargs -P4 docker run --rm` of the same 40. Target ≥ 1.0× the baseline's tasks/s.
 *
 *   node bench/throughput.mjs [--quick] [--tasks 40] [--pairs 3]
 */
import { IMAGE, interleave, main, median, must, requireBuild, row } from './lib/common.mjs';
import { Daemon } from './lib/daemon.mjs';

export async function throughput({ quick = false, tasks = quick ? 20 : 40, pairs = quick ? 1 : 3 } = {}) {
  requireBuild();
  const daemon = new Daemon({ name: 'throughput', capacity: 4 });
  await daemon.start();
  try {
    const sides = {
      baseline: async () => {
        const list = Array.from({ length: tasks }, (_, i) => `${i}\n`).join('');
        const r = await must('sh', ['-c', `xargs -P4 -I{} docker run --rm ${IMAGE} true`], { stdin: list });
        return { perSecond: tasks / (r.wallMs / 1000) };
      },
      worker: async () => {
        const { spanMs } = await daemon.batch({ command: ['true'] }, tasks);
        return { perSecond: tasks / (spanMs / 1000) };
      },
    };
    const r = await interleave(sides, pairs);
    const b = median(r.baseline.map((x) => x.perSecond));
    const w = median(r.worker.map((x) => x.perSecond));
    return [
      row({
        name: `throughput (${tasks} × true, capacity 4)`,
        baseline: `${b.toFixed(2)} tasks/s`,
        worker: `${w.toFixed(2)} tasks/s`,
        ratio: w / b,
        target: '≥ 1.00×',
        holds: w / b >= 1.0,
        note: `${pairs} interleaved pair(s); baseline: xargs -P4 docker run --rm`,
      }),
    ];
  } finally {
    await daemon.stop();
  }
}

await main(import.meta, throughput, ['tasks', 'pairs']);
