#!/usr/bin/env node
/**
 * Idle (a performance target of the project): the daemon with nothing to do, CPU seconds it uses
 * (utime + stime from /proc) over 60 s. Target ≤ 1 % of one core. It runs one task first and
 * the window starts 2 s after that task resolved, so start-up is not counted and the worker
 * is idle the way it is between tasks: its claimWork long poll waiting, its timers (garbage
 * collection every 60 s, reclaim none) ticking.
 *
 *   node bench/idle.mjs [--quick] [--seconds 60]   (--quick: 20 s, which still spans the memory reducer's first 10 s)
 */
import { cpuMs, main, requireBuild, row, sleep } from './lib/common.mjs';
import { Daemon } from './lib/daemon.mjs';
import { readFile } from 'node:fs/promises';

export async function idle({ quick = false, seconds = quick ? 20 : 60 } = {}) {
  requireBuild();
  const daemon = new Daemon({ name: 'idle', capacity: 1 });
  await daemon.start();
  try {
    await daemon.resolution(await daemon.create({ command: ['true'] }));
    await sleep(2000);
    const before = await cpuMs(daemon.pid);
    await sleep(seconds * 1000);
    const used = ((await cpuMs(daemon.pid)) - before) / 1000;
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${daemon.pid}/status`, 'utf8'))[1]) / 1024;
    const share = used / seconds;
    return [
      row({
        name: `idle (${seconds} s, nothing to do)`,
        worker: `${used.toFixed(2)} CPU s (${(share * 100).toFixed(2)} % of a core)`,
        target: '≤ 1 % of a core',
        holds: share <= 0.01,
        rss: `${rss.toFixed(0)} MB (VmRSS idle)`,
        note: 'the daemon after one task, its long poll waiting',
      }),
    ];
  } finally {
    await daemon.stop();
  }
}

await main(import.meta, idle, ['seconds']);
