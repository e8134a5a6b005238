// Roles, as the auth service keeps them: a scope `assume:<roleId>` stands for the role's
// scopes, recursively. A role id ending in `*` is a pattern (`repo:github.com/org/*` is assumed
// by `assume:repo:github.com/org/app:branch:main`), and a held scope ending in `*` assumes every
// role it covers (`assume:project:*`). Parameterised role scopes (`<..>`) are not supported.

import { scopeGrants } from './scopes.js';

const ASSUME = 'assume:';

/** Whether holding `scope` assumes the role `roleId`. */
export function assumesRole(scope: string, roleId: string): boolean {
  const target = `${ASSUME}${roleId}`;
  if (scopeGrants(scope, target)) return true;
  return roleId.endsWith('*') && scope.startsWith(target.slice(0, -1));
}

export class RoleStore {
  private readonly roles = new Map<string, string[]>();

  constructor(roles: Readonly<Record<string, readonly string[]>> = {}) {
    for (const [roleId, scopes] of Object.entries(roles)) this.set(roleId, scopes);
  }

  set(roleId: string, scopes: readonly string[]): void {
    this.roles.set(roleId, [...scopes]);
  }

  /** `scopes` with the scopes of every role they assume, directly or through other roles. */
  expand(scopes: readonly string[]): string[] {
    const result = new Set(scopes);
    if (this.roles.size === 0) return [...result];
    const pending = [...result];
    const used = new Set<string>();
    while (pending.length > 0) {
      const scope = pending.pop()!;
      for (const [roleId, granted] of this.roles) {
        if (used.has(roleId) || !assumesRole(scope, roleId)) continue;
        used.add(roleId);
        for (const added of granted) {
          if (result.has(added)) continue;
          result.add(added);
          pending.push(added);
        }
      }
    }
    return [...result].sort();
  }
}
