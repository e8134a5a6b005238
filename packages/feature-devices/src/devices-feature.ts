import { MalformedPayloadError, ResourceUnavailableError, scopeInPool, type Feature, type FeatureOptionsSchema, type TaskFeature } from '@docker-worker/worker-contract';
import { DEVICE_KINDS, type DeviceKind, type HostDevice } from './device-discovery.js';
import { DeviceManagers, DeviceUnavailable } from './device-managers.js';
import { devicesConfigSchema, devicesSettings } from './devices-config.js';

/** Which devices one task asks for: docker-worker's `payload.capabilities.devices`. */
export type DevicesOptions = Partial<Record<DeviceKind, boolean>>;

export const devicesOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(DEVICE_KINDS.map((kind) => [kind, { type: 'boolean' }])),
} satisfies FeatureOptionsSchema;

/** The scope a kind needs; held plain or for the task's worker pool only. */
export function deviceScope(kind: DeviceKind): string {
  return `docker-worker:capability:device:${kind}`;
}

function wantedKinds(options: DevicesOptions): DeviceKind[] {
  return DEVICE_KINDS.filter((kind) => options[kind] === true);
}

/**
 * The `devices` feature: each kind a task asks for is taken from its manager in `link`
 * (before anything is pulled or created, so a task that cannot have its device is refused as
 * malformed-payload, naming it) and given back in `killed`, which every run reaches. One
 * instance serves every task of a worker: it holds which devices are taken. Bind it on for
 * every task (its options say what, if anything, a task wants).
 */
export function createDevicesFeature(): Feature<DevicesOptions> {
  let managers: DeviceManagers | undefined;
  /** A host that never called checkHost (a test kit) gets managers from the first task's config. */
  const managersFor = async (config: Record<string, unknown>): Promise<DeviceManagers> => {
    if (!managers) {
      const created = new DeviceManagers(devicesSettings(config));
      await created.start();
      managers ??= created;
    }
    return managers;
  };
  return {
    name: 'devices',
    optionsSchema: devicesOptionsSchema,
    configSchema: devicesConfigSchema,
    requiredScopes: (task, options) => wantedKinds(options).map((kind) => scopeInPool(deviceScope(kind), task)),

    async checkHost(_worker, config, log) {
      const created = new DeviceManagers(devicesSettings(config));
      const { refusals, notices } = await created.start();
      if (refusals.length > 0) return refusals.join('; ');
      for (const notice of notices) {
        if (notice.state === 'on') log?.info('devices found', { kind: notice.kind, count: notice.count, root: created.root });
        else log?.info('devices off', { kind: notice.kind, why: notice.why });
      }
      if (created.cpus) log?.info('cpu pinning', { cores: created.cpus.cores });
      managers = created;
      return undefined;
    },

    capacity: async () => managers?.capacity(),

    forTask(ctx, options): TaskFeature {
      const held: { kind: DeviceKind; device: HostDevice; from: DeviceManagers }[] = [];
      let core: { number: number; from: DeviceManagers } | undefined;
      const kinds = wantedKinds(options);
      return {
        async link() {
          const from = await managersFor(ctx.config);
          if (from.cpus) {
            const number = from.cpus.acquire();
            // The worker claims no more tasks than cores (capacity): only a host that does not
            // follow Feature.capacity gets here.
            if (number === undefined) throw new ResourceUnavailableError(`every one of this worker's ${from.cpus.cores.length} CPU cores is held by another task`);
            core = { number, from };
            ctx.log.info(`CPU core: ${number}`);
          }
          const pinned = core ? { cpusetCpus: String(core.number) } : {};
          if (kinds.length === 0) return core ? pinned : undefined;
          const problems: string[] = [];
          for (const kind of kinds) {
            try {
              const device = await from.acquire(kind);
              held.push({ kind, device, from });
              ctx.log.info(`Device ${kind}: ${device.id}`);
            } catch (err) {
              if (!(err instanceof DeviceUnavailable)) throw err;
              problems.push(err.message);
            }
          }
          // What was taken is given back in killed, which runs after a refusal too.
          if (problems.length > 0) throw new MalformedPayloadError(problems);
          return { devices: held.flatMap((h) => h.device.devices), binds: held.flatMap((h) => h.device.binds), ...pinned };
        },
        async killed() {
          for (const { kind, device, from } of held.splice(0)) from.release(kind, device);
          core?.from.cpus?.release(core.number);
          core = undefined;
        },
      };
    },
  };
}
