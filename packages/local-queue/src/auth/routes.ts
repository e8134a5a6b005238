// Auth service routes: ping, and expandScopes (what a worker calls to see a task's scopes
// with the roles they assume, before it checks what the payload asks for).

import type { HandlerTable } from '../router.js';
import type { RoleStore } from './roles.js';

export function authHandlers(roles: RoleStore, startedAt: number): HandlerTable {
  return {
    'auth.ping': { handle: () => ({ status: 200, body: { alive: true, uptime: (Date.now() - startedAt) / 1000 } }) },
    'auth.expandScopes': {
      handle: (req) => {
        const { scopes } = req.body as { scopes: string[] };
        return { status: 200, body: { scopes: roles.expand(scopes) } };
      },
    },
  };
}
