export { createDevicesFeature, devicesOptionsSchema, deviceScope, type DevicesOptions } from './devices-feature.js';
export { devicesConfigSchema, devicesSettings, type DevicesSettings } from './devices-config.js';
export { CpuCores } from './cpu-cores.js';
export { DeviceManagers, DeviceUnavailable, type KindState, type KindNotice } from './device-managers.js';
export {
  DEVICE_KINDS,
  LIMITED_KINDS,
  VIDEO_MAJOR,
  SOUND_MAJOR,
  MISC_MAJOR,
  KVM_MINOR,
  discover,
  loopbackCardNodes,
  type DeviceKind,
  type HostDevice,
} from './device-discovery.js';
