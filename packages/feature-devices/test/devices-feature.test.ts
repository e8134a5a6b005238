import { cpus } from 'node:os';
import { MalformedPayloadError, ResourceUnavailableError, TaskScopes, type HostLog, type RunOutcome } from '@docker-worker/worker-contract';
import { TEST_WORKER, testTaskContext, testTaskDefinition } from '@docker-worker/worker-contract/testing';
import { createDevicesFeature, type DevicesOptions } from '../src/index.js';
import { DeviceRoot } from './device-root.js';

const completed: RunOutcome = { state: 'completed' };

function recordingLog(): HostLog & { lines: { type: string; fields?: Record<string, unknown> }[] } {
  const lines: { type: string; fields?: Record<string, unknown> }[] = [];
  return { lines, info: (type, fields) => lines.push({ type, fields }), warn: (type, fields) => lines.push({ type, fields }) };
}

describe('the devices feature', () => {
  let root: DeviceRoot;
  beforeEach(async () => {
    root = await DeviceRoot.create();
  });
  afterEach(() => root.remove());

  async function started(section: Record<string, unknown> = {}) {
    const feature = createDevicesFeature();
    const log = recordingLog();
    const refusal = await feature.checkHost!(TEST_WORKER, { root: root.path, ...section }, log);
    return { feature, log, refusal };
  }

  async function run(feature: ReturnType<typeof createDevicesFeature>, options: DevicesOptions) {
    const ctx = await testTaskContext({ config: { root: root.path }, workDir: null });
    return { ctx, hooks: feature.forTask(ctx, options) };
  }

  it('refuses to start when a kind the config enables has no device under the root', async () => {
    await root.node('kvm', 10, 232);
    const { refusal } = await started({ loopbackVideo: { enabled: true }, kvm: { enabled: true } });
    expect(refusal).toBe(`loopbackVideo enabled but no ${root.path}/video* under ${root.path}: load v4l2loopback`);
  });

  it('leaves an absent kind off with one worker log line, an unconfigured present one on', async () => {
    await root.node('video0', 81, 0);
    const { refusal, log } = await started({ kvm: { enabled: false } });
    expect(refusal).toBeUndefined();
    expect(log.lines).toEqual([
      { type: 'devices found', fields: { kind: 'loopbackVideo', count: 1, root: root.path } },
      { type: 'devices off', fields: { kind: 'loopbackAudio', why: expect.stringContaining('load snd-aloop') } },
      { type: 'devices off', fields: { kind: 'hostSharedMemory', why: `no ${root.path}/shm directory under ${root.path}` } },
      { type: 'devices off', fields: { kind: 'kvm', why: 'features.devices.kvm.enabled is false in the worker config' } },
    ]);
  });

  it('needs each asked kind\'s scope, plain or for the worker pool', () => {
    const feature = createDevicesFeature();
    const task = testTaskDefinition({ provisionerId: 'prov', workerType: 'wt' });
    const required = feature.requiredScopes!(task, { loopbackVideo: true, kvm: true, loopbackAudio: false });
    const asked = [{ for: 'devices', scopes: { AllOf: required } }];
    expect(new TaskScopes(['docker-worker:capability:device:loopbackVideo', 'docker-worker:capability:device:kvm:prov/wt']).problems(asked)).toEqual([]);
    expect(new TaskScopes(['docker-worker:capability:device:loopbackVideo:prov/other']).problems(asked)).toEqual([
      'devices needs the task scopes (docker-worker:capability:device:loopbackVideo or docker-worker:capability:device:loopbackVideo:prov/wt) and (docker-worker:capability:device:kvm or docker-worker:capability:device:kvm:prov/wt)',
    ]);
    expect(feature.requiredScopes!(task, {})).toEqual([]);
  });

  it('gives each task its own video device, mapped rwm at the same path, and refuses one when all are held', async () => {
    await root.node('video0', 81, 0);
    await root.node('video1', 81, 1);
    const { feature } = await started();
    const first = await run(feature, { loopbackVideo: true });
    const second = await run(feature, { loopbackVideo: true });
    const third = await run(feature, { loopbackVideo: true });
    expect(await first.hooks.link!()).toEqual({ devices: [{ hostPath: `${root.path}/video0`, containerPath: '/dev/video0', permissions: 'rwm' }], binds: [] });
    expect(await second.hooks.link!()).toEqual({ devices: [{ hostPath: `${root.path}/video1`, containerPath: '/dev/video1', permissions: 'rwm' }], binds: [] });
    const refused = await third.hooks.link!().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(MalformedPayloadError);
    expect((refused as MalformedPayloadError).problems).toEqual(["loopbackVideo: every one of this worker's 2 devices are held by another task"]);
    await third.hooks.killed!(completed);
    // Released whatever the outcome: the next task gets the freed device.
    await first.hooks.killed!({ state: 'canceled' });
    const fourth = await run(feature, { loopbackVideo: true });
    expect(await fourth.hooks.link!()).toMatchObject({ devices: [{ containerPath: '/dev/video0' }] });
    expect(first.ctx.log.text()).toContain('Device loopbackVideo: /dev/video0');
  });

  it('gives a whole loopback card, shares kvm and shm between tasks', async () => {
    await root.loopbackCard(1);
    await root.node('kvm', 10, 232);
    await root.dir('shm');
    const { feature } = await started();
    const a = await run(feature, { loopbackAudio: true, kvm: true, hostSharedMemory: true });
    const b = await run(feature, { kvm: true, hostSharedMemory: true });
    const added = await a.hooks.link!();
    expect(added!.devices!.map((d) => d.containerPath)).toEqual([
      '/dev/snd/controlC1',
      '/dev/snd/pcmC1D0c',
      '/dev/snd/pcmC1D0p',
      '/dev/snd/pcmC1D1c',
      '/dev/snd/pcmC1D1p',
      '/dev/kvm',
    ]);
    expect(added!.binds).toEqual([{ hostPath: `${root.path}/shm`, containerPath: '/dev/shm' }]);
    expect(await b.hooks.link!()).toEqual({ devices: [{ hostPath: `${root.path}/kvm`, containerPath: '/dev/kvm', permissions: 'rwm' }], binds: [{ hostPath: `${root.path}/shm`, containerPath: '/dev/shm' }] });
  });

  it('refuses a kind that is off, naming it and why, and releases what it took for the others', async () => {
    await root.node('video0', 81, 0);
    const { feature } = await started({ kvm: { enabled: false } });
    const task = await run(feature, { loopbackVideo: true, kvm: true, loopbackAudio: true });
    const refused = (await task.hooks.link!().catch((err: unknown) => err)) as MalformedPayloadError;
    expect(refused.problems).toEqual([
      `loopbackAudio: this worker does not offer it (no snd-aloop card (${root.path}/snd/controlC* with its pcm devices) under ${root.path}: load snd-aloop)`,
      'kvm: this worker does not offer it (features.devices.kvm.enabled is false in the worker config)',
    ]);
    expect(await feature.capacity!()).toEqual({ limit: 1, reason: '1 loopbackVideo device' });
    await task.hooks.killed!(completed);
    expect(await (await run(feature, { loopbackVideo: true })).hooks.link!()).toMatchObject({ devices: [{ containerPath: '/dev/video0' }] });
  });

  it('adds nothing for a task that asks for nothing; limits capacity by the least limited kind that is on', async () => {
    await root.node('video0', 81, 0);
    await root.node('video1', 81, 1);
    await root.loopbackCard(0);
    const { feature } = await started();
    expect(await feature.capacity!()).toEqual({ limit: 1, reason: '1 loopbackAudio device' });
    expect(await (await run(feature, {})).hooks.link!()).toBeUndefined();
    const { feature: noLimit } = await started({ loopbackVideo: { enabled: false }, loopbackAudio: { enabled: false } });
    expect(await noLimit.capacity!()).toBeUndefined();
  });

  it('starts its managers from the task config when the host never called checkHost', async () => {
    await root.node('video7', 81, 7);
    const feature = createDevicesFeature();
    expect(await feature.capacity!()).toBeUndefined();
    const task = await run(feature, { loopbackVideo: true });
    expect(await task.hooks.link!()).toMatchObject({ devices: [{ containerPath: '/dev/video7' }] });
  });
});

describe('capacity follows the devices on the host', () => {
  it('counts a device added or removed since start', async () => {
    const root = await DeviceRoot.create();
    try {
      await root.node('video0', 81, 0);
      const feature = createDevicesFeature();
      expect(await feature.checkHost!(TEST_WORKER, { root: root.path })).toBeUndefined();
      expect(await feature.capacity!()).toEqual({ limit: 1, reason: '1 loopbackVideo device' });
      await root.node('video1', 81, 1);
      expect(await feature.capacity!()).toEqual({ limit: 2, reason: '2 loopbackVideo devices' });
    } finally {
      await root.remove();
    }
  });
});

describe('CPU pinning (features.devices.cpu)', () => {
  it('pins each task to a free core of its own, with or without devices, and frees it in killed', async () => {
    const root = await DeviceRoot.create();
    try {
      await root.node('video0', 81, 0);
      const feature = createDevicesFeature();
      expect(await feature.checkHost!(TEST_WORKER, { root: root.path, cpu: { enabled: true, cores: [2, 5] } })).toBeUndefined();
      expect(await feature.capacity!()).toEqual({ limit: 1, reason: '1 loopbackVideo device' });
      const ctx = () => testTaskContext({ config: { root: root.path }, workDir: null });
      const a = feature.forTask(await ctx(), { loopbackVideo: true });
      const b = feature.forTask(await ctx(), {});
      const c = feature.forTask(await ctx(), {});
      expect(await a.link!()).toMatchObject({ cpusetCpus: '2', devices: [{ containerPath: '/dev/video0' }] });
      expect(await b.link!()).toEqual({ cpusetCpus: '5' });
      await expect(c.link!()).rejects.toThrow(new ResourceUnavailableError("every one of this worker's 2 CPU cores is held by another task"));
      await c.killed!({ state: 'completed' });
      await a.killed!({ state: 'failed' });
      expect(await feature.forTask(await ctx(), {}).link!()).toEqual({ cpusetCpus: '2' });
    } finally {
      await root.remove();
    }
  });

  it('limits capacity to the cores; every core of the machine when none are listed; off by default', async () => {
    const feature = createDevicesFeature();
    await feature.checkHost!(TEST_WORKER, { root: '/nonexistent', cpu: { enabled: true } });
    const cores = cpus().length;
    expect(await feature.capacity!()).toEqual({ limit: cores, reason: `${cores} CPU core${cores === 1 ? '' : 's'}, one per task` });
    const off = createDevicesFeature();
    await off.checkHost!(TEST_WORKER, { root: '/nonexistent' });
    expect(await off.capacity!()).toBeUndefined();
    expect(await off.forTask(await testTaskContext({ workDir: null }), {}).link!()).toBeUndefined();
  });
});
