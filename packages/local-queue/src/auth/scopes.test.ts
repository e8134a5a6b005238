import apis from 'taskcluster-client/src/apis.js';
import {
  formatScopeExpression,
  instantiateScopeExpression,
  MissingScopeParameter,
  satisfiesScope,
  satisfiesScopeExpression,
  scopeGrants,
  unsatisfiedScopeExpression,
  type ScopeExpression,
} from './scopes.js';

describe('scopeGrants', () => {
  it('matches exactly or by trailing-star prefix', () => {
    expect(scopeGrants('queue:status:abc', 'queue:status:abc')).toBe(true);
    expect(scopeGrants('queue:status:*', 'queue:status:abc')).toBe(true);
    expect(scopeGrants('*', 'anything')).toBe(true);
    expect(scopeGrants('queue:status:', 'queue:status:abc')).toBe(false);
    expect(scopeGrants('queue:status:ab', 'queue:status:abc')).toBe(false);
    expect(scopeGrants('queue:*:abc', 'queue:status:abc')).toBe(false);
    // a star only has meaning at the end of a held scope
    expect(scopeGrants('queue:status:abc', 'queue:status:*')).toBe(false);
    expect(scopeGrants('queue:status:*', 'queue:status:*')).toBe(true);
  });

  it('satisfiesScope checks any held scope', () => {
    expect(satisfiesScope(['a', 'b:*'], 'b:c')).toBe(true);
    expect(satisfiesScope([], 'b:c')).toBe(false);
  });
});

describe('scope expressions', () => {
  it('evaluates AllOf and AnyOf', () => {
    const expr: ScopeExpression = { AllOf: ['a', { AnyOf: ['b', 'c'] }] };
    expect(satisfiesScopeExpression(['a', 'c'], expr)).toBe(true);
    expect(satisfiesScopeExpression(['a'], expr)).toBe(false);
    expect(satisfiesScopeExpression(['b', 'c'], expr)).toBe(false);
    expect(satisfiesScopeExpression([], { AllOf: [] })).toBe(true);
    expect(satisfiesScopeExpression(['*'], { AnyOf: [] })).toBe(false);
  });

  it('substitutes <params> from the given values', () => {
    expect(satisfiesScopeExpression(['queue:status:T1'], 'queue:status:<taskId>', { taskId: 'T1' })).toBe(true);
    expect(satisfiesScopeExpression(['queue:status:T1'], 'queue:status:<taskId>', { taskId: 'T2' })).toBe(false);
    expect(instantiateScopeExpression('x:<runId>', { runId: 3 })).toBe('x:3');
    expect(() => instantiateScopeExpression('x:<missing>', {})).toThrow(MissingScopeParameter);
  });

  it('evaluates if/then/else on a parameter', () => {
    const expr: ScopeExpression = { if: 'levelIsReadOnly', then: 'read:<bucket>', else: 'write:<bucket>' };
    expect(instantiateScopeExpression(expr, { levelIsReadOnly: true, bucket: 'b' })).toBe('read:b');
    expect(instantiateScopeExpression(expr, { levelIsReadOnly: false, bucket: 'b' })).toBe('write:b');
    expect(satisfiesScopeExpression([], { if: 'public', then: 'x' }, { public: false })).toBe(true);
    expect(satisfiesScopeExpression([], { if: 'public', then: 'x' }, { public: true })).toBe(false);
  });

  it('expands for/in/each into the enclosing list', () => {
    const expr: ScopeExpression = { AllOf: [{ for: 'name', in: 'names', each: 'queue:get-artifact:<name>' }] };
    expect(instantiateScopeExpression(expr, { names: ['public/a', 'private/b'] })).toEqual({
      AllOf: ['queue:get-artifact:public/a', 'queue:get-artifact:private/b'],
    });
    expect(satisfiesScopeExpression(['queue:get-artifact:public/*'], expr, { names: ['public/a', 'private/b'] })).toBe(false);
    expect(satisfiesScopeExpression(['queue:get-artifact:public/*'], expr, { names: ['public/a'] })).toBe(true);
    expect(instantiateScopeExpression({ for: 's', in: 'list', each: '<s>' }, { list: ['x'] })).toEqual({ AllOf: ['x'] });
  });

  it("evaluates createTask's real expression from the client reference", () => {
    const entry = apis.Queue!.reference.entries.find((e) => e.name === 'createTask')!;
    const params = {
      scopes: ['secrets:get:a'],
      routes: ['index.x'],
      projectId: 'none',
      schedulerId: '-',
      priorities: ['highest', 'very-high', 'high', 'medium', 'low'],
      provisionerId: 'p',
      workerType: 'w',
    };
    const base = ['secrets:get:*', 'queue:route:index.*', 'queue:create-task:project:none', 'queue:scheduler-id:-'];
    expect(satisfiesScopeExpression([...base, 'queue:create-task:high:p/w'], entry.scopes as ScopeExpression, params)).toBe(true);
    expect(satisfiesScopeExpression([...base, 'queue:create-task:lowest:p/w'], entry.scopes as ScopeExpression, params)).toBe(false);
    expect(satisfiesScopeExpression(base.slice(1).concat('queue:create-task:low:p/*'), entry.scopes as ScopeExpression, params)).toBe(false);
  });

  it('reports only the unsatisfied part', () => {
    const expr = instantiateScopeExpression({ AllOf: ['a', 'b', { AnyOf: ['c', 'd'] }] });
    const missing = unsatisfiedScopeExpression(['a'], expr)!;
    expect(missing).toEqual({ AllOf: ['b', { AnyOf: ['c', 'd'] }] });
    expect(formatScopeExpression(missing)).toBe('AllOf(b, AnyOf(c, d))');
    expect(unsatisfiedScopeExpression(['a', 'b'], expr)).toEqual({ AnyOf: ['c', 'd'] });
    expect(unsatisfiedScopeExpression(['a', 'b', 'd'], expr)).toBeUndefined();
  });
});
