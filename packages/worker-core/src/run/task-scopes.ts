import { InternalError, TaskScopes, mayAssumeRoles, type ScopeRequirement, type TaskDefinition } from '@docker-worker/worker-contract';

/** The auth service's `expandScopes`: a scope set with the roles it assumes. */
export type ExpandScopes = (scopes: string[]) => Promise<string[]>;

/**
 * Every requirement the task's scopes do not meet, one sentence each. Scopes count as the auth
 * service expands them (the roles `assume:` scopes stand for), as on a real deployment; the
 * expansion is asked for only when the scopes as listed fall short and could assume a role, so
 * most tasks cost no round trip. Without `expand` (no auth service) the listed scopes are all.
 * A failed expansion is the infrastructure's fault, never the payload's: InternalError.
 */
export async function scopeProblems(task: TaskDefinition, required: readonly ScopeRequirement[], expand?: ExpandScopes): Promise<string[]> {
  const listed = task.scopes ?? [];
  const asListed = new TaskScopes(listed);
  const problems = asListed.problems(required);
  if (problems.length === 0 || !expand || !mayAssumeRoles(listed)) return problems;
  let expanded: string[];
  try {
    expanded = await expand([...listed]);
  } catch (err) {
    throw new InternalError(`Could not expand the task's scopes through the auth service (to check ${required.map((r) => r.for).join(', ')}): ${(err as Error).message}`, {
      cause: err,
    });
  }
  return new TaskScopes(expanded).problems(required);
}
