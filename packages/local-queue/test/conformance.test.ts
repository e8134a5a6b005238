// The route table against the API reference shipped in taskcluster-client: every served
// route is a real API entry (same service, name, method and route pattern), every queue
// call a worker makes is served, and each one is really routed by the server.

import apis from 'taskcluster-client/src/apis.js';
import { LocalQueue, ROUTE_TABLE, WORKER_QUEUE_API } from '../src/index.js';
import { rawRequest } from './helpers.js';

const REFERENCE_KEYS: Record<string, string> = { queue: 'Queue', object: 'Object', index: 'Index', 'purge-cache': 'PurgeCache', auth: 'Auth' };

function referenceEntry(service: string, name: string) {
  return apis[REFERENCE_KEYS[service]!]!.reference.entries.find((e) => e.type === 'function' && e.name === name);
}

describe('route table conformance', () => {
  it.each(ROUTE_TABLE.map((r) => [`${r.service}.${r.name}`, r] as const))('%s matches the client API reference', (_key, route) => {
    const entry = referenceEntry(route.service, route.name);
    expect(entry).toBeDefined();
    expect(route.method).toBe(entry!.method!.toUpperCase());
    expect(route.route).toBe(entry!.route);
    // A route takes a body exactly when the reference declares an input schema.
    expect(route.input !== undefined).toBe(entry!.input !== undefined);
    if (route.input) expect(entry!.input).toBe(`v1/${route.input}.json#`);
  });

  it('serves every queue call the worker needs', () => {
    const served = ROUTE_TABLE.filter((r) => r.service === 'queue').map((r) => r.name);
    for (const name of WORKER_QUEUE_API) expect(served).toContain(name);
  });

  it('has no two routes with the same service and name', () => {
    const keys = ROUTE_TABLE.map((r) => `${r.service}.${r.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('routes a request for every entry (never answering "No such API endpoint")', async () => {
    const lq = new LocalQueue({ longPollSeconds: 0 });
    await lq.start();
    try {
      const seen = new Set<string>();
      lq.events.on('request', (e: { name: string | undefined }) => e.name && seen.add(e.name));
      for (const route of ROUTE_TABLE) {
        const params: Record<string, string> = { taskId: 'fN1ylGzAQOmFJAbUnAk9Hw', runId: '0', name: 'public/a b/c.txt', taskQueueId: 'p/w', indexPath: 'a.b.c' };
        const path = route.route.replace(/<([^<>]+)>/g, (_m, p: string) => encodeURIComponent(params[p] ?? 'x'));
        const res = await rawRequest(`${lq.rootUrl}/api/${route.service}/v1${path}`, {
          method: route.method,
          headers: { 'content-type': 'application/json' },
          body: route.method === 'GET' ? undefined : Buffer.from('{}'),
        });
        expect(res.headers['content-type'] ?? 'application/json').toMatch(/^application\/json/);
        if (res.status === 404) expect(JSON.parse(res.body.toString()).message).not.toContain('No such API endpoint');
      }
      expect(seen.size).toBe(new Set(ROUTE_TABLE.map((r) => r.name)).size);
      const unknown = await rawRequest(`${lq.rootUrl}/api/queue/v1/no-such-thing`);
      expect(unknown.status).toBe(404);
      expect(JSON.parse(unknown.body.toString())).toMatchObject({ code: 'ResourceNotFound' });
    } finally {
      await lq.stop();
    }
  });
});
