// Purge-cache service routes: ping, purgeCache and purgeRequests (what workers poll).

import { InputError } from '../errors.js';
import type { ServiceContext } from '../context.js';
import type { HandlerTable } from '../router.js';

export function purgeCacheHandlers(ctx: ServiceContext): HandlerTable {
  return {
    'purge-cache.ping': { handle: () => ({ status: 200, body: { alive: true, uptime: (Date.now() - ctx.startedAt) / 1000 } }) },
    'purge-cache.purgeCache': {
      // The scope names the cache, which only the body says.
      authorize: 'handler',
      handle: (req) => {
        const { cacheName } = req.body as { cacheName: string };
        req.authorize({ cacheName });
        ctx.purgeCache.add(req.params.workerPoolId!, cacheName);
        return { status: 204, body: undefined };
      },
    },
    'purge-cache.purgeRequests': {
      handle: (req) => {
        const raw = req.query.get('since');
        const since = raw ? new Date(raw) : undefined;
        if (since && Number.isNaN(since.getTime())) throw new InputError(`since must be a date-time, got "${raw}"`);
        const requests = ctx.purgeCache.since(req.params.workerPoolId!, since);
        // Only `requests`: the response schema (purge-cache-request-list) allows nothing else.
        // The real service answers from a per-pool cache refreshed every 10 s; this answers
        // from the store at once (a purge a poll misses is seen by the next one either way).
        return { status: 200, body: { requests } };
      },
    },
  };
}
