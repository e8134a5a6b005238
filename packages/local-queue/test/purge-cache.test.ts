// The purge-cache service over HTTP with the real client, as a worker polls it.

import tc from 'taskcluster-client';
import { startHarness, type Harness } from './helpers.js';

describe('purge-cache service', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('records purges per worker pool and lists them since a time', async () => {
    const purgeCache = new tc.PurgeCache({ rootUrl: h.lq.rootUrl, credentials: h.lq.credentials });
    const before = new Date(Date.now() - 1000);
    await purgeCache.purgeCache('prov/worker-a', { cacheName: 'level-3-checkouts' });
    await purgeCache.purgeCache('prov/worker-b', { cacheName: 'other' });
    const listed = await purgeCache.purgeRequests('prov/worker-a', { since: before.toJSON() });
    // Exactly what the response schema allows (it forbids additional properties).
    expect(listed).toEqual({ requests: [{ workerPoolId: 'prov/worker-a', cacheName: 'level-3-checkouts', before: expect.any(String) }] });
    const later = await purgeCache.purgeRequests('prov/worker-a', { since: new Date(Date.now() + 1000).toJSON() });
    expect(later.requests).toEqual([]);
  });

  it('needs the purge-cache scopes', async () => {
    const nobody = new tc.PurgeCache({ rootUrl: h.lq.rootUrl, credentials: h.lq.createClient('nobody', []) });
    await expect(nobody.purgeCache('prov/worker-a', { cacheName: 'x' })).rejects.toMatchObject({ statusCode: 403 });
    const worker = new tc.PurgeCache({ rootUrl: h.lq.rootUrl, credentials: h.lq.createClient('w', ['purge-cache:purge-requests::prov/worker-a']) });
    await expect(worker.purgeRequests('prov/worker-a')).resolves.toMatchObject({ requests: expect.any(Array) });
  });

  it('refuses a body without cacheName, naming the field', async () => {
    const purgeCache = new tc.PurgeCache({ rootUrl: h.lq.rootUrl, credentials: h.lq.credentials });
    await expect(purgeCache.purgeCache('prov/worker-a', {})).rejects.toMatchObject({ statusCode: 400, message: expect.stringContaining('cacheName') });
  });
});
