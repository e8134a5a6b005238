/**
 * The worker config section `features.devices` (the original's `deviceManagement`):
 *
 * ```yaml
 * features:
 *   devices:
 *     root: /dev                      # where the device nodes are (the default)
 *     loopbackVideo: { enabled: true }    # true: refuse to start without a /dev/videoN
 *     loopbackAudio: { enabled: false }   # false: off, whatever the host has
 *     # a kind not listed is on when its devices are there at start, off (one log line) if not
 * ```
 */
import type { FeatureConfigSchema } from '@docker-worker/worker-contract';
import { DEVICE_KINDS, type DeviceKind } from './device-discovery.js';

const kindSection = (title: string) => ({
  type: 'object',
  title,
  additionalProperties: false,
  properties: {
    enabled: {
      type: 'boolean',
      title: 'Enabled',
      description: '`true`: the worker refuses to start when the devices are absent; `false`: off. Unset: on when they are present at start.',
    },
  },
});

export const devicesConfigSchema = {
  type: 'object',
  title: 'Host devices',
  description: 'Which host devices tasks may ask for (`payload.capabilities.devices`), and where the device nodes are.',
  properties: {
    root: { type: 'string', minLength: 1, default: '/dev', title: 'Device root', description: 'Directory holding the device nodes: `/dev` on a host.' },
    loopbackVideo: kindSection('Loopback video (v4l2loopback `videoN`)'),
    loopbackAudio: kindSection('Loopback audio (snd-aloop cards)'),
    hostSharedMemory: kindSection("The host's shared memory (`shm`)"),
    kvm: kindSection('KVM (`kvm`)'),
  },
} satisfies FeatureConfigSchema;

/** The section as the schema lets it through (defaults filled). */
export interface DevicesSettings {
  root: string;
  /** undefined: autodetect at start. */
  enabled: Partial<Record<DeviceKind, boolean>>;
}

/** The settings from a validated section; a section the worker did not fill gets the defaults. */
export function devicesSettings(section: Record<string, unknown>): DevicesSettings {
  const root = typeof section.root === 'string' ? section.root : '/dev';
  const enabled: Partial<Record<DeviceKind, boolean>> = {};
  for (const kind of DEVICE_KINDS) {
    const value = (section[kind] as { enabled?: unknown } | undefined)?.enabled;
    if (typeof value === 'boolean') enabled[kind] = value;
  }
  return { root, enabled };
}
