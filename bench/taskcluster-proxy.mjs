#!/usr/bin/env node
/**
 * Taskcluster proxy: 200 sequential `queue.task` calls made from inside a task's container
 * through `http://taskcluster/api/queue/v1/…` by one Node process keeping its connection alive
 * (as a Taskcluster client given `rootUrl=http://taskcluster` calls), against the same 200
 * calls made from a host process with taskcluster-client and temporary credentials restricted the
 * same way (certificate and authorizedScopes in every signature). The container runs this
 * machine's own `node` (an image made from it), so both sides run the same runtime. Both
 * sides are timed by the queue itself: from its first answer to its last, scaled by
 * calls / (calls − 1), so the container's start and exit are not in the worker's figure.
 * Target ≤ 1.2×.
 *
 * A second row times busybox `wget` in a shell loop through the proxy (a process and a
 * connection per call, as shell scripts call it) against the same baseline.
 *
 *   node bench/taskcluster-proxy.mjs [--quick] [--calls 200] [--pairs 3]
 */
import { join } from 'node:path';
import { interleave, main, median, must, repo, requireBuild, row } from './lib/common.mjs';
import { Daemon } from './lib/daemon.mjs';
import { ensureNodeImage } from './lib/node-image.mjs';

const tcClient = join(repo, 'packages/worker-core/node_modules/taskcluster-client/src/index.js');
const tc = (await import(tcClient)).default;

/** What the container runs: `calls` sequential GETs on one kept-alive connection to the proxy. */
const keepAliveClient = (calls) => `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = process.env.TASKCLUSTER_PROXY_URL + '/api/queue/v1/task/' + process.env.TASK_ID;
const get = () => new Promise((ok, fail) => {
  http.get(url, { agent }, (res) => {
    if (res.statusCode !== 200) fail(new Error('GET ' + url + ': ' + res.statusCode));
    res.resume();
    res.on('end', ok);
  }).on('error', fail);
});
(async () => { for (let i = 0; i < ${calls}; i++) await get(); agent.destroy(); })()
  .catch((e) => { console.error(e); process.exit(1); });
`;

/**
 * The baseline's caller: taskcluster-client in a process of its own on the host, as the task's
 * client is a process of its own (a caller inside the queue's own process would skip the
 * wake-up of a second process that every real call to a remote queue pays).
 */
const hostClient = (calls) => `
const tc = (await import(process.env.BENCH_TC_CLIENT)).default;
const queue = new tc.Queue({ rootUrl: process.env.BENCH_ROOT_URL, credentials: JSON.parse(process.env.BENCH_CREDENTIALS), authorizedScopes: JSON.parse(process.env.BENCH_SCOPES) });
for (let i = 0; i < ${calls}; i++) await queue.task(process.env.BENCH_TASK_ID);
`;

export async function taskclusterProxy({ quick = false, calls = 200, pairs = quick ? 1 : 3 } = {}) {
  requireBuild();
  const nodeImage = await ensureNodeImage();
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
        await must(process.execPath, ['--input-type=module', '-e', hostClient(calls)], {
          env: { BENCH_TC_CLIENT: tcClient, BENCH_ROOT_URL: daemon.queue.rootUrl, BENCH_TASK_ID: taskId, BENCH_CREDENTIALS: JSON.stringify(credentials), BENCH_SCOPES: JSON.stringify(scopes) },
        });
        return span(taskId);
      },
      worker: async () => {
        await daemon.parked();
        const taskId = await daemon.create(
          { image: nodeImage, command: ['/usr/bin/node', '-e', keepAliveClient(calls)], features: { taskclusterProxy: true } },
          undefined,
          undefined,
          ['docker-worker:feature:taskclusterProxy', ...scopes],
        );
        await daemon.resolution(taskId);
        return span(taskId);
      },
      wget: async () => {
        await daemon.parked();
        const script = `i=0; while [ $i -lt ${calls} ]; do wget -q -O /dev/null "http://taskcluster/queue/v1/task/$TASK_ID" || exit 1; i=$((i+1)); done`;
        const taskId = await daemon.create({ command: ['sh', '-c', script], features: { taskclusterProxy: true } }, undefined, undefined, [
          'docker-worker:feature:taskclusterProxy',
          ...scopes,
        ]);
        await daemon.resolution(taskId);
        return span(taskId);
      },
    };
    const r = await interleave(sides, pairs);
    const b = median(r.baseline);
    const w = median(r.worker);
    const shell = median(r.wget);
    return [
      row({
        name: `taskcluster proxy (${calls} sequential queue.task, a keep-alive Node client in the container through the proxy against taskcluster-client in a host process)`,
        baseline: `${b.toFixed(0)} ms`,
        worker: `${w.toFixed(0)} ms`,
        ratio: w / b,
        target: '≤ 1.20×',
        holds: w / b <= 1.2,
        note: `${pairs} interleaved rounds; per call ${(b / calls).toFixed(2)} ms direct, ${(w / calls).toFixed(2)} ms through the proxy`,
      }),
      row({
        name: `taskcluster proxy from a shell (${calls} sequential busybox wget in the container through the proxy, a process per call)`,
        baseline: `${b.toFixed(0)} ms`,
        worker: `${shell.toFixed(0)} ms`,
        ratio: shell / b,
        note: `${pairs} interleaved rounds; per call ${(shell / calls).toFixed(2)} ms`,
      }),
    ];
  } finally {
    await daemon.stop();
  }
}

await main(import.meta, taskclusterProxy, ['calls', 'pairs']);
