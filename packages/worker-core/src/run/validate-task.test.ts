import { InternalError, MalformedPayloadError, scopeInPool, type TaskDefinition } from '@docker-worker/worker-contract';
import { bindFeature } from './feature-binding.js';
import { payloadWarnings, validateTask, type ValidationHost } from './validate-task.js';
import { LiveLogServer } from '@docker-worker/feature-livelog';
import { InteractiveServer } from '@docker-worker/feature-interactive';
import { createFeatures } from '../bin/compose.js';

const ptrace = bindFeature({ name: 'allowPtrace', requiredScopes: (task) => [scopeInPool('docker-worker:feature:allowPtrace', task)], forTask: () => ({}) }, { defaultEnabled: false });
const log = bindFeature({ name: 'localLiveLog', reservedArtifacts: ['public/logs/live.log'], forTask: () => ({}) }, { defaultEnabled: true });
const features = [log, ptrace];

function task(payload: unknown, scopes: string[] = []): TaskDefinition {
  return { provisionerId: 'prov', workerType: 'wt', expires: '2030-01-01T00:00:00.000Z', scopes, payload } as unknown as TaskDefinition;
}

async function problemsOf(definition: TaskDefinition, host: ValidationHost = { allowPrivileged: false }): Promise<string[]> {
  try {
    await validateTask(definition, features, host);
  } catch (err) {
    if (err instanceof MalformedPayloadError) return err.problems;
    throw err;
  }
  return [];
}

/** A stand-in for auth.expandScopes: one role, and a record of each call. */
function roles(calls: string[][]): ValidationHost['expandScopes'] {
  return async (scopes) => {
    calls.push(scopes);
    return scopes.includes('assume:project:ci') ? [...scopes, 'docker-worker:feature:allowPtrace', 'docker-worker:cache:ci-*'] : scopes;
  };
}

describe('validateTask', () => {
  it('reports a schema error and an unknown feature together', async () => {
    expect(await problemsOf(task({ image: 'x', maxRunTime: 'soon', features: { bogus: true } }))).toEqual([
      expect.stringMatching(/^payload\.maxRunTime must be an integer/),
      expect.stringMatching(/^payload\.features\.bogus is not a feature this worker offers/),
    ]);
    expect(await problemsOf(task('not an object'))).toEqual([expect.stringMatching(/^payload must be an object/)]);
  });

  it('counts the scopes of the roles a task assumes, asking the auth service only when the listed ones fall short', async () => {
    const calls: string[][] = [];
    const host = { allowPrivileged: false, expandScopes: roles(calls) };
    const payload = { image: 'x', maxRunTime: 1, features: { allowPtrace: true }, cache: { 'ci-build': '/c' } };
    await expect(validateTask(task(payload, ['assume:project:ci']), features, host)).resolves.toMatchObject({ features: [{ bound: log }, { bound: ptrace }] });
    expect(calls).toEqual([['assume:project:ci']]);
    await validateTask(task(payload, ['docker-worker:feature:allowPtrace:prov/wt', 'docker-worker:cache:ci-build']), features, host);
    // A task whose scopes assume no role is refused without asking.
    expect(await problemsOf(task(payload, ['docker-worker:cache:ci-build']), host)).toEqual([
      'payload.features.allowPtrace needs the task scope docker-worker:feature:allowPtrace or docker-worker:feature:allowPtrace:prov/wt',
    ]);
    expect(calls).toHaveLength(1);
    expect(await problemsOf(task(payload, ['assume:project:other']), host)).toHaveLength(2);
    expect(calls).toHaveLength(2);
  });

  it('a failed expansion is an internal error, not the payload\'s', async () => {
    const host = { allowPrivileged: false, expandScopes: () => Promise.reject(new Error('auth service answered 503')) };
    const definition = task({ image: 'x', maxRunTime: 1, features: { allowPtrace: true } }, ['assume:project:ci']);
    await expect(validateTask(definition, features, host)).rejects.toThrow(InternalError);
    await expect(validateTask(definition, features, host)).rejects.toThrow(/auth service answered 503/);
  });

  it('checks the runtime\'s requirements with the rest, and takes its refusal of the payload as problems', async () => {
    const runtime: ValidationHost['runtime'] = {
      requiredScopes: (image) => {
        if (image === 'bad name') throw new MalformedPayloadError(['payload.image: "bad name" is not an image name']);
        return [{ for: 'payload.image', scopes: 'docker-worker:image:app:1', because: 'pulls use the worker\'s registry credentials' }];
      },
    };
    expect(await problemsOf(task({ image: 'app:1', maxRunTime: 1, artifacts: { 'public/logs/live.log': { type: 'file', path: '/x' } } }), { allowPrivileged: false, runtime })).toEqual([
      'payload.artifacts["public/logs/live.log"] uses a name the worker reserves for its own artifacts',
      'payload.image needs the task scope docker-worker:image:app:1: pulls use the worker\'s registry credentials',
    ]);
    expect(await problemsOf(task({ image: 'bad name', maxRunTime: 1 }), { allowPrivileged: false, runtime })).toEqual(['payload.image: "bad name" is not an image name']);
    expect(await problemsOf(task({ image: 'app:1', maxRunTime: 1 }, ['docker-worker:image:app:*']), { allowPrivileged: false, runtime })).toEqual([]);
  });
});

describe('values the published schema lets through but no run can use', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a task-image taskId that is not a slugid', { image: { type: 'task-image', taskId: 'nope', path: 'public/i.tar' } }, 'payload.image.taskId must be a Taskcluster taskId (a 22-character slugid) (got "nope")'],
    ['an empty index namespace', { image: { type: 'indexed-image', namespace: '', path: 'public/i.tar' } }, 'payload.image.namespace must not be empty'],
    ['an empty log name', { image: 'x', log: '' }, 'payload.log must not be empty (leave it out for the default, public/logs/live.log)'],
    ['an empty artifact path', { image: 'x', artifacts: { 'public/x': { type: 'file', path: '' } } }, 'payload.artifacts["public/x"].path must not be empty'],
  ])('%s', async (_what, payload, problem) => {
    expect(await problemsOf(task({ maxRunTime: 1, ...payload }))).toContain(problem);
  });
});

describe('retired features and unknown top-level keys', () => {
  it('a retired feature is named once, with the reason (not also as an unknown key)', async () => {
    expect(await problemsOf(task({ image: 'x', maxRunTime: 1, features: { dind: true, dockerSave: false } }))).toEqual([
      'payload.features.dind is retired and cannot be used: the Docker-in-Docker side-car was dropped from docker-worker, and the payload schema no longer has it.',
      'payload.features.dockerSave is retired and cannot be used: saving the container as an image artifact was dropped from docker-worker, and the payload schema no longer has it.',
    ]);
  });

  it('a feature this worker offers beyond the published ones is accepted, and must still be a boolean', async () => {
    const extra = bindFeature({ name: 'extraFeature', forTask: () => ({}) }, { defaultEnabled: false });
    const offered = [...features, extra];
    const result = await validateTask(task({ image: 'x', maxRunTime: 1, features: { extraFeature: true } }), offered, { allowPrivileged: false });
    expect(result.features.map((f) => f.bound.name)).toContain('extraFeature');
    await expect(validateTask(task({ image: 'x', maxRunTime: 1, features: { extraFeature: 'yes' } }), offered, { allowPrivileged: false })).rejects.toMatchObject({
      problems: ['payload.features.extraFeature must be a boolean (true or false) (got "yes")'],
    });
  });

  it('an unknown top-level key is a warning, not a problem; retired keys are problems, not warnings', async () => {
    const payload = { image: 'x', maxRunTime: 1, maxRuntime: 5, encryptedEnv: ['x'] };
    expect(payloadWarnings(payload)).toEqual(['payload.maxRuntime is not a payload field; it is ignored (did you mean "maxRunTime"?)']);
    expect(await problemsOf(task(payload))).toEqual([expect.stringMatching(/^payload\.encryptedEnv is retired/)]);
    expect(await problemsOf(task({ image: 'x', maxRunTime: 1, maxRuntime: 5 }))).toEqual([]);
  });
});

describe('capabilities.devices, through the devices feature as the worker binds it', () => {
  const services = { liveLog: new LiveLogServer(), interactive: new InteractiveServer(), stop: async () => {} };
  const devices = createFeatures(services).find((f) => f.name === 'devices')!;
  const withDevices = [log, devices];
  const asks = { image: 'x', maxRunTime: 1, capabilities: { devices: { loopbackVideo: true, kvm: true, loopbackAudio: false } } };

  async function problems(definition: TaskDefinition, host: ValidationHost = { allowPrivileged: false }): Promise<string[]> {
    return validateTask(definition, withDevices, host).then(
      () => [],
      (err: unknown) => (err as MalformedPayloadError).problems,
    );
  }

  it('maps the asked devices onto the feature options and needs each one\'s scope, plain or for the pool', async () => {
    const held = ['docker-worker:capability:device:loopbackVideo', 'docker-worker:capability:device:kvm:prov/wt'];
    const { features: enabled } = await validateTask(task(asks, held), withDevices, { allowPrivileged: false });
    expect(enabled.find((f) => f.bound === devices)?.options).toEqual({ loopbackVideo: true, kvm: true, loopbackAudio: false });
    expect(await problems(task(asks, ['docker-worker:capability:device:kvm']))).toEqual([
      'payload.capabilities.devices needs the task scope docker-worker:capability:device:loopbackVideo or docker-worker:capability:device:loopbackVideo:prov/wt',
    ]);
  });

  it('refuses devices asked for while the feature is off, on the worker or by the payload', async () => {
    const held = ['docker-worker:capability:device:*'];
    expect(await problems(task(asks, held), { allowPrivileged: false, switchedOff: new Set(['devices']) })).toEqual([
      'payload.capabilities.devices.loopbackVideo: the devices feature is switched off on this worker (features.devices.enabled is false in its config)',
      'payload.capabilities.devices.kvm: the devices feature is switched off on this worker (features.devices.enabled is false in its config)',
    ]);
    expect(await problems(task({ ...asks, features: { devices: false } }, held))).toEqual([
      'payload.capabilities.devices.loopbackVideo: payload.features.devices is false',
      'payload.capabilities.devices.kvm: payload.features.devices is false',
    ]);
    expect(await problems(task({ image: 'x', maxRunTime: 1, features: { devices: false } }))).toEqual([]);
  });
});
