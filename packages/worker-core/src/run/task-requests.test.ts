import type { TaskDefinition } from '@docker-worker/worker-contract';
import { requestProblems } from './task-requests.js';

const task = (scopes: string[]) =>
  ({ scopes, provisionerId: 'prov', workerType: 'wt', expires: '2030-01-01T00:00:00.000Z' }) as unknown as TaskDefinition;

describe('requestProblems', () => {
  it('accepts requests the scopes cover, including pool-suffixed and * scopes', () => {
    expect(
      requestProblems(
        { image: 'x', maxRunTime: 1, capabilities: { privileged: true, devices: { kvm: false } }, cache: { 'level-3-checkouts': '/c' } },
        task(['docker-worker:capability:privileged:prov/wt', 'docker-worker:cache:level-3-*']),
        { allowPrivileged: true },
      ),
    ).toEqual([]);
  });

  it('lists every missing scope, bad cache name and late artifact expiry', () => {
    const problems = requestProblems(
      {
        image: 'x',
        maxRunTime: 1,
        capabilities: { privileged: true, devices: { loopbackVideo: true, kvm: false } },
        cache: { 'a::b': '/a', plain: '/p' },
        artifacts: { 'public/x': { type: 'file', path: '/x', expires: '2031-01-01T00:00:00.000Z' } },
      },
      task([]),
      { allowPrivileged: false },
    );
    expect(problems).toEqual([
      'payload.capabilities.privileged needs the task scope docker-worker:capability:privileged',
      'payload.capabilities.privileged: this worker does not run privileged containers (dockerConfig.allowPrivileged is false)',
      'payload.capabilities.devices.loopbackVideo needs the task scope docker-worker:capability:device:loopbackVideo',
      'payload.capabilities.devices.loopbackVideo: this worker offers no host devices',
      'payload.cache["a::b"]: cache names may not contain "::"',
      'payload.cache["plain"] needs the task scope docker-worker:cache:plain',
      'payload.artifacts["public/x"].expires (2031-01-01T00:00:00.000Z) is after the task\'s expires (2030-01-01T00:00:00.000Z)',
    ]);
  });
});
