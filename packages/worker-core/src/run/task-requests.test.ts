import { TaskScopes, type TaskDefinition } from '@docker-worker/worker-contract';
import { requestProblems, requestScopes } from './task-requests.js';

const task = { scopes: [], provisionerId: 'prov', workerType: 'wt', expires: '2030-01-01T00:00:00.000Z' } as unknown as TaskDefinition;

describe('requestProblems', () => {
  it('lists every request the host does not offer, bad cache name and late artifact expiry', () => {
    const problems = requestProblems(
      {
        image: 'x',
        maxRunTime: 1,
        capabilities: { privileged: true, devices: { loopbackVideo: true, kvm: false } },
        cache: { 'a::b': '/a', plain: '/p' },
        artifacts: { 'public/x': { type: 'file', path: '/x', expires: '2031-01-01T00:00:00.000Z' } },
      },
      task,
      { allowPrivileged: false },
    );
    expect(problems).toEqual([
      'payload.capabilities.privileged: this worker does not run privileged containers (dockerConfig.allowPrivileged is false)',
      'payload.cache["a::b"]: cache names may not contain "::"',
      'payload.artifacts["public/x"].expires (2031-01-01T00:00:00.000Z) is after the task\'s expires (2030-01-01T00:00:00.000Z)',
    ]);
    expect(requestProblems({ image: 'x', maxRunTime: 1, capabilities: { privileged: true } }, task, { allowPrivileged: true })).toEqual([]);
  });
});

describe('requestScopes', () => {
  const payload = { image: 'x', maxRunTime: 1, capabilities: { privileged: true, devices: { loopbackVideo: true, kvm: false } }, cache: { 'a::b': '/a', 'level-3-checkouts': '/c' } };

  it('accepts each scope plain, for the worker pool, or through a * scope', () => {
    const required = requestScopes(payload, task);
    // Devices' scopes are the devices feature's own (see validate-task.test.ts).
    expect(required.map((r) => r.for)).toEqual(['payload.capabilities.privileged', 'payload.cache["level-3-checkouts"]']);
    const held = new TaskScopes(['docker-worker:capability:privileged:prov/wt', 'docker-worker:cache:level-3-*']);
    expect(held.problems(required)).toEqual([]);
  });

  it('names each missing scope with both forms', () => {
    expect(new TaskScopes(['docker-worker:capability:privileged:prov/other']).problems(requestScopes(payload, task))).toEqual([
      'payload.capabilities.privileged needs the task scope docker-worker:capability:privileged or docker-worker:capability:privileged:prov/wt',
      'payload.cache["level-3-checkouts"] needs the task scope docker-worker:cache:level-3-checkouts or docker-worker:cache:level-3-checkouts:prov/wt',
    ]);
  });
});

describe('capabilities.disableSeccomp', () => {
  const payload = { image: 'x', maxRunTime: 1, capabilities: { disableSeccomp: true } };

  it('needs dockerConfig.allowDisableSeccomp', () => {
    expect(requestProblems(payload, task, { allowPrivileged: true })).toEqual([
      'payload.capabilities.disableSeccomp: this worker does not run containers without seccomp (dockerConfig.allowDisableSeccomp is false)',
    ]);
    expect(requestProblems(payload, task, { allowPrivileged: false, allowDisableSeccomp: true })).toEqual([]);
    expect(requestProblems({ ...payload, capabilities: { disableSeccomp: false } }, task, { allowPrivileged: false })).toEqual([]);
  });

  it('needs the plain scope: the per-pool form does not count, as in d2g', () => {
    const required = requestScopes(payload, task);
    expect(new TaskScopes(['docker-worker:capability:disableSeccomp']).problems(required)).toEqual([]);
    expect(new TaskScopes(['docker-worker:capability:*']).problems(required)).toEqual([]);
    expect(new TaskScopes(['docker-worker:capability:disableSeccomp:prov/wt']).problems(required)).toEqual([
      'payload.capabilities.disableSeccomp needs the task scope docker-worker:capability:disableSeccomp',
    ]);
    expect(requestScopes({ ...payload, capabilities: { disableSeccomp: false } }, task)).toEqual([]);
  });
});
