import { TaskScopes, formatScopeExpression, mayAssumeRoles, missingScopes, scopeInPool } from './scopes.js';

const pool = { provisionerId: 'prov', workerType: 'wt' };

describe('TaskScopes', () => {
  it('grants equal scopes and star prefixes, nothing else', () => {
    expect(missingScopes(['a:b:*'], ['a:b:c', 'a:bc', 'a:b:'])).toEqual(['a:bc']);
    expect(missingScopes(['*'], ['anything'])).toEqual([]);
    // A star inside a scope is no wildcard.
    expect(missingScopes(['a*b'], ['a*b', 'axb'])).toEqual(['axb']);
  });

  it('accepts a pool scope in its plain and its worker-pool form, and no other pool', () => {
    const ptrace = scopeInPool('docker-worker:feature:allowPtrace', pool);
    expect(new TaskScopes(['docker-worker:feature:allowPtrace']).satisfies(ptrace)).toBe(true);
    expect(new TaskScopes(['docker-worker:feature:allowPtrace:prov/wt']).satisfies(ptrace)).toBe(true);
    expect(new TaskScopes(['docker-worker:feature:allowPtrace:prov/*']).satisfies(ptrace)).toBe(true);
    expect(new TaskScopes(['docker-worker:feature:allowPtrace:prov/other']).satisfies(ptrace)).toBe(false);
  });

  it('names each unmet requirement with its field, what is missing and why', () => {
    const scopes = new TaskScopes(['docker-worker:cache:a']);
    expect(
      scopes.problems([
        { for: 'payload.cache["a"]', scopes: scopeInPool('docker-worker:cache:a', pool) },
        { for: 'payload.capabilities.privileged', scopes: scopeInPool('docker-worker:capability:privileged', pool) },
        { for: 'payload.image', scopes: 'docker-worker:image:app:1', because: 'pulls from r.example use the worker\'s registry credentials' },
        { for: 'payload.x', scopes: { AllOf: ['s:1', 's:2'] } },
      ]),
    ).toEqual([
      'payload.capabilities.privileged needs the task scope docker-worker:capability:privileged or docker-worker:capability:privileged:prov/wt',
      'payload.image needs the task scope docker-worker:image:app:1: pulls from r.example use the worker\'s registry credentials',
      'payload.x needs the task scopes s:1 and s:2',
    ]);
  });

  it('formats nested expressions with brackets', () => {
    expect(formatScopeExpression({ AllOf: ['a', { AnyOf: ['b', 'c'] }] })).toBe('a and (b or c)');
  });

  it('tells which scope sets a role expansion could change', () => {
    expect(mayAssumeRoles(['docker-worker:cache:x', 'queue:get-artifact:a*'])).toBe(false);
    expect(mayAssumeRoles(['assume:project:ci'])).toBe(true);
    expect(mayAssumeRoles(['*'])).toBe(true);
    expect(mayAssumeRoles(['assu*'])).toBe(true);
    expect(mayAssumeRoles([])).toBe(false);
  });
});
