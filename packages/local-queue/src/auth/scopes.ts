// Scope expressions as the Taskcluster API reference writes them: a scope string,
// {AllOf:[...]}, {AnyOf:[...]}, {if:<param>, then, else?} and {for, in, each} (the last
// expands to one entry per element of a parameter list, spliced into the enclosing AllOf or
// AnyOf). Route parameters appear as `<param>` inside scope strings.

export type ScopeExpression =
  | string
  | { AllOf: ScopeExpression[] }
  | { AnyOf: ScopeExpression[] }
  | { if: string; then: ScopeExpression; else?: ScopeExpression }
  | { for: string; in: string; each: string };

/** An expression after parameter substitution: only strings, AllOf and AnyOf remain. */
export type ConcreteScopeExpression = string | { AllOf: ConcreteScopeExpression[] } | { AnyOf: ConcreteScopeExpression[] };

export type ScopeParams = Readonly<Record<string, unknown>>;

/** Thrown when an expression names a parameter the request did not provide (a server bug). */
export class MissingScopeParameter extends Error {}

/** A held scope grants a required one when equal, or when it ends in `*` and prefixes it. */
export function scopeGrants(held: string, required: string): boolean {
  if (held === required) return true;
  return held.endsWith('*') && required.startsWith(held.slice(0, -1));
}

export function satisfiesScope(scopes: readonly string[], required: string): boolean {
  return scopes.some((held) => scopeGrants(held, required));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function substitute(template: string, params: ScopeParams): string {
  return template.replace(/<([^<>]+)>/g, (_match, name: string) => {
    const value = params[name];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new MissingScopeParameter(`scope expression parameter <${name}> was not provided`);
  });
}

/** Expands `{for, in, each}` into a list of scopes; other expressions become one entry. */
function instantiateInto(expr: ScopeExpression, params: ScopeParams): ConcreteScopeExpression[] {
  if (isObject(expr) && 'for' in expr) {
    const list = params[expr.in];
    if (!Array.isArray(list)) throw new MissingScopeParameter(`scope expression list <${expr.in}> was not provided`);
    return list.map((item) => substitute(expr.each, { ...params, [expr.for]: item }));
  }
  return [instantiateScopeExpression(expr, params)];
}

/** Substitutes parameters and resolves `if` and `for` so that only strings, AllOf and AnyOf remain. */
export function instantiateScopeExpression(expr: ScopeExpression, params: ScopeParams = {}): ConcreteScopeExpression {
  if (typeof expr === 'string') return substitute(expr, params);
  if ('AllOf' in expr) return { AllOf: expr.AllOf.flatMap((e) => instantiateInto(e, params)) };
  if ('AnyOf' in expr) return { AnyOf: expr.AnyOf.flatMap((e) => instantiateInto(e, params)) };
  if ('if' in expr) {
    if (params[expr.if]) return instantiateScopeExpression(expr.then, params);
    // No `else`: nothing is required when the condition is false.
    return expr.else === undefined ? { AllOf: [] } : instantiateScopeExpression(expr.else, params);
  }
  if ('for' in expr) return { AllOf: instantiateInto(expr, params) };
  throw new Error(`not a scope expression: ${JSON.stringify(expr)}`);
}

/**
 * Whether `scopes` satisfy `expr`. With `params`, `<param>` placeholders, `if` and `for`
 * are resolved first; without, the expression must already be concrete.
 */
export function satisfiesScopeExpression(scopes: readonly string[], expr: ScopeExpression, params: ScopeParams = {}): boolean {
  return unsatisfiedScopeExpression(scopes, instantiateScopeExpression(expr, params)) === undefined;
}

/**
 * The part of a concrete expression that `scopes` leave unsatisfied (undefined when it is
 * satisfied), so that a 403 can name exactly what is missing.
 */
export function unsatisfiedScopeExpression(
  scopes: readonly string[],
  expr: ConcreteScopeExpression,
): ConcreteScopeExpression | undefined {
  if (typeof expr === 'string') return satisfiesScope(scopes, expr) ? undefined : expr;
  if ('AllOf' in expr) {
    const missing = expr.AllOf.map((e) => unsatisfiedScopeExpression(scopes, e)).filter(
      (e): e is ConcreteScopeExpression => e !== undefined,
    );
    if (missing.length === 0) return undefined;
    return missing.length === 1 ? missing[0] : { AllOf: missing };
  }
  const options = expr.AnyOf.map((e) => unsatisfiedScopeExpression(scopes, e));
  if (options.some((e) => e === undefined)) return undefined;
  return { AnyOf: options as ConcreteScopeExpression[] };
}

/** Renders an expression compactly for error messages. */
export function formatScopeExpression(expr: ConcreteScopeExpression): string {
  if (typeof expr === 'string') return expr;
  if ('AllOf' in expr) return `AllOf(${expr.AllOf.map(formatScopeExpression).join(', ')})`;
  return `AnyOf(${expr.AnyOf.map(formatScopeExpression).join(', ')})`;
}
