import { TaskScopes, scopeInPool, type ScopeExpression, type TaskDefinition } from '@docker-worker/worker-contract';
import { bindFeature, type BoundFeature } from './feature-binding.js';
import { featureScopes, selectFeatures } from './features.js';

const feature = (name: string, defaultEnabled: boolean, scopes: (task: TaskDefinition) => ScopeExpression[] = () => []): BoundFeature =>
  bindFeature({ name, requiredScopes: scopes, forTask: () => ({}) }, { defaultEnabled });
/** Enabled for a task, with no options. */
const on = (bound: BoundFeature) => ({ bound, options: {} });
const task = { provisionerId: 'prov', workerType: 'wt', scopes: [] } as unknown as TaskDefinition;
const ptrace = feature('allowPtrace', false, (t) => [scopeInPool('docker-worker:feature:allowPtrace', t)]);
const available = [feature('localLiveLog', true), ptrace];

describe('selectFeatures', () => {
  it('enables defaults and what the payload turns on', () => {
    expect(selectFeatures(available, { image: 'x', maxRunTime: 1 }).enabled.map((f) => f.name)).toEqual(['localLiveLog']);
    const chosen = selectFeatures(available, { image: 'x', maxRunTime: 1, features: { localLiveLog: false, allowPtrace: true } });
    expect(chosen.enabled.map((f) => f.name)).toEqual(['allowPtrace']);
    expect(chosen.problems).toEqual([]);
  });

  it('lists unknown, retired and switched-off features and retired keys all at once', () => {
    const { problems } = selectFeatures(
      available,
      { image: 'x', maxRunTime: 1, features: { bogus: true, testdroidProxy: true, allowPtrace: true }, encryptedEnv: ['x'] },
      new Set(['allowPtrace']),
    );
    expect(problems).toEqual([
      'payload.features.bogus is not a feature this worker offers (it offers: allowPtrace, localLiveLog)',
      expect.stringMatching(/^payload\.features\.testdroidProxy is retired/),
      'payload.features.allowPtrace is switched off on this worker (features.allowPtrace.enabled is false in its config)',
      expect.stringMatching(/^payload\.encryptedEnv is retired/),
    ]);
  });

  it('reads a payload that failed the schema without trusting its types', () => {
    expect(selectFeatures(available, { features: 'all' }).problems).toEqual([]);
    const odd = selectFeatures(available, { features: { allowPtrace: 'yes', nope: 1 } });
    expect(odd.enabled.map((f) => f.name)).toEqual(['localLiveLog']);
    expect(odd.problems).toEqual([expect.stringMatching(/^payload\.features\.nope is not a feature/)]);
  });
});

describe('featureScopes', () => {
  it('one requirement per enabled feature with scopes, in the forms the feature accepts', () => {
    const required = featureScopes([on(available[0]!), on(ptrace)], task);
    expect(required).toEqual([{ for: 'payload.features.allowPtrace', scopes: scopeInPool('docker-worker:feature:allowPtrace', task) }]);
    expect(new TaskScopes(['docker-worker:feature:allowPtrace:prov/wt']).problems(required)).toEqual([]);
    expect(new TaskScopes(['docker-worker:feature:allowPtrace:prov/other']).problems(required)).toEqual([
      'payload.features.allowPtrace needs the task scope docker-worker:feature:allowPtrace or docker-worker:feature:allowPtrace:prov/wt',
    ]);
  });

  it('joins several scopes of one feature', () => {
    const both = feature('two', false, () => ['a:1', 'a:2']);
    expect(featureScopes([on(both)], task)).toEqual([{ for: 'payload.features.two', scopes: { AllOf: ['a:1', 'a:2'] } }]);
  });
});
