import type { Feature, TaskDefinition } from '@docker-worker/worker-contract';
import { selectFeatures } from './features.js';
import { missingScopes } from './scopes.js';

const feature = (name: string, defaultEnabled: boolean, scopes: string[] = []): Feature => ({
  name,
  defaultEnabled,
  requiredScopes: () => scopes,
  forTask: () => ({}),
});
const task = (scopes: string[]) => ({ scopes }) as unknown as TaskDefinition;
const available = [feature('localLiveLog', true), feature('allowPtrace', false, ['docker-worker:feature:allowPtrace'])];

describe('selectFeatures', () => {
  it('enables defaults and what the payload turns on', () => {
    expect(selectFeatures(available, { image: 'x', maxRunTime: 1 }, task([])).enabled.map((f) => f.name)).toEqual(['localLiveLog']);
    const chosen = selectFeatures(available, { image: 'x', maxRunTime: 1, features: { localLiveLog: false, allowPtrace: true } }, task(['docker-worker:feature:*']));
    expect(chosen.enabled.map((f) => f.name)).toEqual(['allowPtrace']);
    expect(chosen.problems).toEqual([]);
  });

  it('lists unknown, retired and unauthorised features all at once', () => {
    const { problems } = selectFeatures(
      available,
      { image: 'x', maxRunTime: 1, features: { bogus: true, testdroidProxy: true, allowPtrace: true }, encryptedEnv: ['x'] },
      task([]),
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/payload\.features\.bogus is not a feature this worker offers \(it offers: allowPtrace, localLiveLog\)/);
    expect(problems[1]).toMatch(/payload\.features\.testdroidProxy is retired/);
    expect(problems[2]).toMatch(/allowPtrace needs the task scope\(s\) docker-worker:feature:allowPtrace/);
    expect(problems[3]).toMatch(/encryptedEnv is retired/);
  });
});

describe('missingScopes', () => {
  it('honours * suffixes only', () => {
    expect(missingScopes(['a:b:*'], ['a:b:c', 'a:bc', 'a:b:'])).toEqual(['a:bc']);
    expect(missingScopes(['*'], ['anything'])).toEqual([]);
    expect(missingScopes(['a*b'], ['a*b', 'axb'])).toEqual(['axb']);
  });
});
