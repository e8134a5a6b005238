import { discover } from '../src/index.js';
import { DeviceRoot } from './device-root.js';

describe('discovery under a device root', () => {
  let root: DeviceRoot;
  beforeEach(async () => {
    root = await DeviceRoot.create();
  });
  afterEach(() => root.remove());

  it('finds videoN nodes of major 81 in number order, not other majors or plain files', async () => {
    await root.node('video10', 81, 10);
    await root.node('video2', 81, 2);
    await root.node('video3', 1, 3);
    await root.file('video4');
    await root.node('videox', 81, 5);
    const found = await discover('loopbackVideo', root.path);
    expect(found.map((d) => d.id)).toEqual(['/dev/video2', '/dev/video10']);
    expect(found[0]!.devices).toEqual([{ hostPath: `${root.path}/video2`, containerPath: '/dev/video2', permissions: 'rwm' }]);
    expect(found[0]!.binds).toEqual([]);
  });

  it('finds complete snd-aloop cards only: control and all four pcm nodes', async () => {
    await root.loopbackCard(0);
    await root.loopbackCard(2);
    await root.node('snd/controlC1', 116, 32);
    await root.node('snd/pcmC1D0c', 116, 48);
    const found = await discover('loopbackAudio', root.path);
    expect(found.map((d) => d.id)).toEqual(['card 0', 'card 2']);
    expect(found[1]!.devices.map((d) => d.containerPath)).toEqual([
      '/dev/snd/controlC2',
      '/dev/snd/pcmC2D0c',
      '/dev/snd/pcmC2D0p',
      '/dev/snd/pcmC2D1c',
      '/dev/snd/pcmC2D1p',
    ]);
    expect(found[1]!.devices.every((d) => d.hostPath === `${root.path}${d.containerPath.slice('/dev'.length)}` && d.permissions === 'rwm')).toBe(true);
  });

  it('finds kvm only as 10:232', async () => {
    expect(await discover('kvm', root.path)).toEqual([]);
    await root.node('kvm', 10, 231);
    expect(await discover('kvm', root.path)).toEqual([]);
    await root.remove();
    root = await DeviceRoot.create();
    await root.node('kvm', 10, 232);
    expect(await discover('kvm', root.path)).toEqual([{ id: '/dev/kvm', devices: [{ hostPath: `${root.path}/kvm`, containerPath: '/dev/kvm', permissions: 'rwm' }], binds: [] }]);
  });

  it('binds the shm directory over /dev/shm', async () => {
    expect(await discover('hostSharedMemory', root.path)).toEqual([]);
    await root.dir('shm');
    expect(await discover('hostSharedMemory', root.path)).toEqual([{ id: '/dev/shm', devices: [], binds: [{ hostPath: `${root.path}/shm`, containerPath: '/dev/shm' }] }]);
  });

  it('finds nothing under a root that does not exist', async () => {
    expect(await discover('loopbackVideo', `${root.path}/missing`)).toEqual([]);
    expect(await discover('loopbackAudio', `${root.path}/missing`)).toEqual([]);
  });
});
