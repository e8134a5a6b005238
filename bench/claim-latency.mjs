#!/usr/bin/env node
/**
 * Claim latency: with the daemon idle (its claimWork long poll waiting in the queue), the time
 * from createTask to the task's container starting, against the time from invoking
 * `docker run --rm` to its container starting. Both start times come from the engine's event
 * stream (`docker events`), so the same clock and the same definition of "started" serve both.
 * No target is set: the worker's figure also carries the queue round trips (claimWork
 * answering, the live log's reference artifact) that no bare `docker run` has.
 *
 *   node bench/claim-latency.mjs [--quick] [--samples 10]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { IMAGE, interleave, main, median, requireBuild, row, sleep } from './lib/common.mjs';
import { Daemon, slugid, StartEvents } from './lib/daemon.mjs';

const TASK_ID_LABEL = 'org.taskcluster.docker-worker.task-id';

export async function claimLatency({ quick = false, samples = quick ? 5 : 10 } = {}) {
  requireBuild();
  const daemon = new Daemon({ name: 'claim-latency', capacity: 1 });
  const events = new StartEvents();
  await daemon.start();
  await events.start();
  try {
    const sides = {
      baseline: async () => {
        const name = `bench-start-${randomBytes(4).toString('hex')}`;
        const started = events.started((a) => a.name === name);
        const at = Date.now();
        const child = spawn('docker', ['run', '--rm', '--name', name, IMAGE, 'true'], { stdio: 'ignore' });
        const exited = new Promise((r) => child.once('exit', r));
        const latency = (await started) - at;
        if ((await exited) !== 0) throw new Error('docker run failed');
        return latency;
      },
      worker: async () => {
        await daemon.parked();
        // Idle for a moment, as a worker waiting for work is.
        await sleep(500);
        const taskId = slugid();
        const started = events.started((a) => a[TASK_ID_LABEL] === taskId);
        const at = Date.now();
        await daemon.create({ command: ['true'] }, taskId);
        const latency = (await started) - at;
        await daemon.resolution(taskId);
        return latency;
      },
    };
    const r = await interleave(sides, samples);
    const b = median(r.baseline);
    const w = median(r.worker);
    return [
      row({
        name: 'claim latency (createTask → container started, idle worker)',
        baseline: `${b.toFixed(0)} ms`,
        worker: `${w.toFixed(0)} ms`,
        ratio: w / b,
        note: `${samples} interleaved samples; baseline: docker run → container started; worker range ${Math.min(...r.worker).toFixed(0)}–${Math.max(...r.worker).toFixed(0)} ms`,
      }),
    ];
  } finally {
    events.stop();
    await daemon.stop();
  }
}

await main(import.meta, claimLatency, ['samples']);
