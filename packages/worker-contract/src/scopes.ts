/**
 * The one scope checker of the worker: the core, runtimes and features declare what a task
 * needs as Taskcluster scope expressions, and the core checks them all here, against the
 * task's scopes expanded through the auth service (so `assume:` roles count).
 *
 * Satisfaction is taskcluster-lib-scopes' (the rules every Taskcluster service applies: a held
 * scope grants a required one when they are equal, or when it ends in `*` and the required one
 * starts with what comes before it).
 */
import scopeUtils from 'taskcluster-lib-scopes';

/** A scope, or `{AllOf: [...]}` / `{AnyOf: [...]}` of expressions, as Taskcluster writes them. */
export type ScopeExpression = string | { AllOf: ScopeExpression[] } | { AnyOf: ScopeExpression[] };

/** One thing in a payload that needs scopes. */
export interface ScopeRequirement {
  /** What asks for them, as the payload names it: `payload.capabilities.privileged`. */
  for: string;
  scopes: ScopeExpression;
  /** Why, when the field alone does not say: `pulls from registry.example.com use the worker's registry credentials`. */
  because?: string;
}

/** The worker pool a task runs on, as its definition names it. */
export interface TaskPool {
  provisionerId: string;
  workerType: string;
}

/**
 * `scope`, or the same scope limited to the task's worker pool
 * (`<scope>:<provisionerId>/<workerType>`): the form docker-worker and d2g accept for the
 * capability and feature scopes, so one pool can be granted what another is not.
 */
export function scopeInPool(scope: string, pool: TaskPool): ScopeExpression {
  return { AnyOf: [scope, `${scope}:${pool.provisionerId}/${pool.workerType}`] };
}

/** An expression in words: `a`, `a or b`, `a and b`. */
export function formatScopeExpression(expression: ScopeExpression): string {
  if (typeof expression === 'string') return expression;
  const [list, joiner] = 'AllOf' in expression ? [expression.AllOf, ' and '] : [expression.AnyOf, ' or '];
  return list.map((e) => (typeof e === 'string' || list.length === 1 ? formatScopeExpression(e) : `(${formatScopeExpression(e)})`)).join(joiner);
}

/**
 * Whether a scope could grant roles: only `assume:<roleId>` scopes expand, and a `*` scope
 * whose prefix is a prefix of `assume:` (`*`, `assume:*`, `as*`). Expansion of anything else
 * adds nothing, so the round trip to the auth service can be skipped.
 */
export function mayAssumeRoles(scopes: readonly string[]): boolean {
  return scopes.some((scope) => scope.startsWith('assume:') || (scope.endsWith('*') && 'assume:'.startsWith(scope.slice(0, -1))));
}

/** A task's scopes, and what they grant. */
export class TaskScopes {
  readonly scopes: readonly string[];

  constructor(scopes: readonly string[]) {
    this.scopes = scopes;
  }

  satisfies(expression: ScopeExpression): boolean {
    return scopeUtils.satisfiesExpression([...this.scopes], expression);
  }

  /** The part of `expression` these scopes leave unsatisfied, or undefined when they satisfy it. */
  missing(expression: ScopeExpression): ScopeExpression | undefined {
    return scopeUtils.removeGivenScopes([...this.scopes], expression) ?? undefined;
  }

  /** One sentence per requirement these scopes do not meet, each naming its field and what is missing. */
  problems(requirements: readonly ScopeRequirement[]): string[] {
    return requirements.flatMap((requirement) => {
      const missing = this.missing(requirement.scopes);
      if (missing === undefined) return [];
      const single = typeof missing === 'string' || 'AnyOf' in missing;
      const what = `${requirement.for} needs the task scope${single ? '' : 's'} ${formatScopeExpression(missing)}`;
      return [requirement.because ? `${what}: ${requirement.because}` : what];
    });
  }
}

/** Whether `held` grants the scope `required`. */
export function scopeSatisfied(held: readonly string[], required: string): boolean {
  return new TaskScopes(held).satisfies(required);
}

/** The required scopes that `held` does not grant. */
export function missingScopes(held: readonly string[], required: readonly string[]): string[] {
  const scopes = new TaskScopes(held);
  return required.filter((scope) => !scopes.satisfies(scope));
}
