// Index service routes: ping and findTask.

import type { ServiceContext } from '../context.js';
import type { HandlerTable } from '../router.js';

export function indexHandlers(ctx: ServiceContext): HandlerTable {
  return {
    'index.ping': { handle: () => ({ status: 200, body: { alive: true, uptime: (Date.now() - ctx.startedAt) / 1000 } }) },
    'index.findTask': { handle: (req) => ({ status: 200, body: ctx.index.find(req.params.indexPath!) }) },
  };
}
