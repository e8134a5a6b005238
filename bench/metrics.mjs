#!/usr/bin/env node
/**
 * Metrics with InfluxDB down: the throughput benchmark's 40 short tasks (`true`) at capacity 4
 * through a daemon with every metric on (InfluxDB configured on a loopback port nothing listens
 * on, so every write is refused and retried; Prometheus /metrics served; the host sampled every
 * second), against the same daemon with metrics off. Target: within 5 % (≥ 0.95× its tasks/s).
 *
 *   node bench/metrics.mjs [--quick] [--tasks 40] [--pairs 3]
 */
import { createServer } from 'node:net';
import { interleave, main, median, peakRssMb, requireBuild, row } from './lib/common.mjs';
import { Daemon } from './lib/daemon.mjs';

/** A loopback port with nothing listening on it: an InfluxDB that is down. */
async function closedPort() {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

export async function metrics({ quick = false, tasks = quick ? 20 : 40, pairs = quick ? 1 : 3 } = {}) {
  requireBuild();
  const off = new Daemon({ name: 'metrics-off', capacity: 4 });
  const on = new Daemon({
    name: 'metrics-on',
    capacity: 4,
    env: {
      DW_INFLUX__URL: `http://127.0.0.1:${await closedPort()}`,
      DW_INFLUX__BUCKET: 'docker-worker',
      DW_INFLUX__FLUSH_INTERVAL: '1000',
      DW_INFLUX__MAX_PENDING_POINTS: '1000',
      DW_PROMETHEUS__PORT: '0',
      DW_METRICS_COLLECTION__HOST_METRICS_INTERVAL: '1000',
    },
  });
  await off.start();
  await on.start();
  try {
    const perSecond = async (daemon) => tasks / ((await daemon.batch({ command: ['true'] }, tasks)).spanMs / 1000);
    const r = await interleave({ baseline: () => perSecond(off), worker: () => perSecond(on) }, pairs);
    const b = median(r.baseline);
    const w = median(r.worker);
    return [
      row({
        name: `metrics on, InfluxDB down (${tasks} × true, capacity 4)`,
        baseline: `${b.toFixed(2)} tasks/s (metrics off)`,
        worker: `${w.toFixed(2)} tasks/s`,
        ratio: w / b,
        target: '≥ 0.95×',
        holds: w / b >= 0.95,
        rss: `${(await peakRssMb(on.pid))?.toFixed(0)} MB (off: ${(await peakRssMb(off.pid))?.toFixed(0)} MB)`,
        note: `${pairs} interleaved pair(s); InfluxDB on a refused loopback port, maxPendingPoints 1000, /metrics served, host sampled every 1 s`,
      }),
    ];
  } finally {
    await on.stop();
    await off.stop();
  }
}

await main(import.meta, metrics, ['tasks', 'pairs']);
