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
 *     cpu: { enabled: true }              # each task on a core of its own (off by default)
 * ```
 */
import { cpus } from 'node:os';
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
    cpu: {
      type: 'object',
      title: 'CPU pinning',
      description: 'Every task runs on a core of its own (Docker `CpusetCpus`); the worker runs at most one task per core.',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: false, title: 'Enabled', description: '`true`: pin each task to one free core. Off by default.' },
        cores: {
          type: 'array',
          items: { type: 'integer', minimum: 0 },
          minItems: 1,
          uniqueItems: true,
          title: 'Cores',
          description: 'The cores tasks are pinned to; every core of the machine when absent.',
        },
      },
    },
  },
} satisfies FeatureConfigSchema;

/** The section as the schema lets it through (defaults filled). */
export interface DevicesSettings {
  root: string;
  /** undefined: autodetect at start. */
  enabled: Partial<Record<DeviceKind, boolean>>;
  /** The cores tasks are pinned to, one each; undefined when CPU pinning is off. */
  cpuCores?: number[];
}

/** The settings from a validated section; a section the worker did not fill gets the defaults. */
export function devicesSettings(section: Record<string, unknown>): DevicesSettings {
  const root = typeof section.root === 'string' ? section.root : '/dev';
  const enabled: Partial<Record<DeviceKind, boolean>> = {};
  for (const kind of DEVICE_KINDS) {
    const value = (section[kind] as { enabled?: unknown } | undefined)?.enabled;
    if (typeof value === 'boolean') enabled[kind] = value;
  }
  const cpu = section.cpu as { enabled?: boolean; cores?: number[] } | undefined;
  const cpuCores = cpu?.enabled === true ? (cpu.cores ?? cpus().map((_, core) => core)) : undefined;
  return { root, enabled, ...(cpuCores ? { cpuCores } : {}) };
}
