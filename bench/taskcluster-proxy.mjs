#!/usr/bin/env node
/**
 * Taskcluster proxy: 200 sequential `queue.task` calls made from inside a task's container
 * through `http://taskcluster` (busybox `wget`, one process per call, as shell scripts call
 * it), against the same 200 calls made from the host with taskcluster-client and temporary
 * credentials restricted the same way (certificate and authorizedScopes in every signature).
 * Both sides are timed by the queue itself: from its first answer to its last, scaled by
 * calls / (calls − 1), so the container's start and exit are not in the worker's figure.
 * Target ≤ 1.2×.
 *
 * A second row isolates the proxy: the same calls from the host through a ProxyServer (the
 * feature's, on 127.0.0.1), one connection per call as `wget` makes, against the direct ones;
 * the gap between the two rows is what a process per call and the container's network cost.
 *
 *   node bench/taskcluster-proxy.mjs [--quick] [--calls 200] [--pairs 3]
 */
import http from 'node:http';
import { join } from 'node:path';
import { interleave, main, median, repo, requireBuild, row } from './lib/common.mjs';
import { Daemon } from './lib/daemon.mjs';

const tc = (await import(join(repo, 'packages/worker-core/node_modules/taskcluster-client/src/index.js'))).default;
const { ProxyServer } = await import(join(repo, 'packages/feature-taskcluster-proxy/dist/index.js'));

/** One GET on a connection of its own (as each `wget` makes one), its body drained. */
const getOnce = (url) =>
  new Promise((resolve, reject) => {
    http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`GET ${url}: ${res.statusCode}`));
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });

export async function taskclusterProxy({ quick = false, calls = 200, pairs = quick ? 1 : 3 } = {}) {
  requireBuild();
  const daemon = new Daemon({ name: 'tc-proxy', capacity: 1 });
  await daemon.start();
  /** When the queue answered each `queue.task` of a task, by taskId. */
  const answers = new Map();
  daemon.queue.events.on('request', (event) => {
    const match = /^\/api\/queue\/v1\/task\/([^/?]+)$/.exec(event.path);
    if (!match || event.method !== 'GET' || event.status !== 200) return;
    const list = answers.get(match[1]) ?? [];
    list.push(Date.now());
    answers.set(match[1], list);
  });
  const span = (taskId) => {
    const times = answers.get(taskId) ?? [];
    if (times.length !== calls) throw new Error(`expected ${calls} answers for ${taskId}, got ${times.length}`);
    return ((times.at(-1) - times[0]) * calls) / (calls - 1);
  };
  const scopes = ['queue:get-task:*'];
  try {
    const sides = {
      baseline: async () => {
        const taskId = await daemon.create({ command: ['true'] }, undefined, 'nobody-claims-this');
        const credentials = tc.createTemporaryCredentials({ start: new Date(Date.now() - 60_000), expiry: new Date(Date.now() + 3600_000), scopes, credentials: daemon.queue.credentials });
        const queue = new tc.Queue({ rootUrl: daemon.queue.rootUrl, credentials, authorizedScopes: scopes });
        for (let i = 0; i < calls; i++) await queue.task(taskId);
        return span(taskId);
      },
      worker: async () => {
        await daemon.parked();
        const script = `i=0; while [ $i -lt ${calls} ]; do wget -q -O /dev/null "http://taskcluster/queue/v1/task/$TASK_ID" || exit 1; i=$((i+1)); done`;
        const taskId = await daemon.create({ command: ['sh', '-c', script], features: { taskclusterProxy: true } }, undefined, undefined, [
          'docker-worker:feature:taskclusterProxy',
          ...scopes,
        ]);
        await daemon.resolution(taskId);
        return span(taskId);
      },
      proxyAlone: async () => {
        const taskId = await daemon.create({ command: ['true'] }, undefined, 'nobody-claims-this');
        const credentials = tc.createTemporaryCredentials({ start: new Date(Date.now() - 60_000), expiry: new Date(Date.now() + 3600_000), scopes, credentials: daemon.queue.credentials });
        const proxy = new ProxyServer({ rootUrl: daemon.queue.rootUrl, credentials, authorizedScopes: scopes, clients: '127.0.0.0/8' });
        const port = await proxy.listen('127.0.0.1', 0);
        try {
          for (let i = 0; i < calls; i++) await getOnce(`http://127.0.0.1:${port}/queue/v1/task/${taskId}`);
        } finally {
          await proxy.close();
        }
        return span(taskId);
      },
    };
    const r = await interleave(sides, pairs);
    const b = median(r.baseline);
    const w = median(r.worker);
    const alone = median(r.proxyAlone);
    return [
      row({
        name: `taskcluster proxy (${calls} sequential queue.task, container wget through the proxy against host taskcluster-client)`,
        baseline: `${b.toFixed(0)} ms`,
        worker: `${w.toFixed(0)} ms`,
        ratio: w / b,
        target: '≤ 1.20×',
        holds: w / b <= 1.2,
        note: `${pairs} interleaved rounds; per call ${(b / calls).toFixed(2)} ms direct, ${(w / calls).toFixed(2)} ms through the proxy`,
      }),
      row({
        name: `taskcluster proxy alone (${calls} sequential queue.task from the host through a ProxyServer, a connection per call)`,
        baseline: `${b.toFixed(0)} ms`,
        worker: `${alone.toFixed(0)} ms`,
        ratio: alone / b,
        note: `${pairs} interleaved rounds`,
      }),
    ];
  } finally {
    await daemon.stop();
  }
}

await main(import.meta, taskclusterProxy, ['calls', 'pairs']);
