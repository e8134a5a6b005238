/**
 * Taskcluster scope satisfaction: a held scope grants a required one when they are equal, or
 * when the held scope ends in `*` and the required one starts with what comes before it.
 */
export function scopeSatisfied(held: readonly string[], required: string): boolean {
  return held.some((scope) => scope === required || (scope.endsWith('*') && required.startsWith(scope.slice(0, -1))));
}

/** The required scopes that `held` does not grant. */
export function missingScopes(held: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !scopeSatisfied(held, scope));
}
