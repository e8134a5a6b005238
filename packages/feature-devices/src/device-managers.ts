/**
 * One manager per device kind: whether the kind is on (decided once, at start), which devices
 * it has, and which a task holds. Held devices live in this process's memory only: a worker
 * that restarts (or crashed) starts with every device free, which is right since the engine
 * containers of its earlier process are removed at start.
 */
import { absenceReason, discover, DEVICE_KINDS, LIMITED_KINDS, type DeviceKind, type HostDevice } from './device-discovery.js';
import { CpuCores } from './cpu-cores.js';
import type { DevicesSettings } from './devices-config.js';

/** Whether a kind is on; why not, when it is off. */
export type KindState = { on: true } | { on: false; why: string };

/** What the worker log says about one kind at start: found (how many), or off and why. */
export interface KindNotice {
  kind: DeviceKind;
  state: 'on' | 'off';
  count: number;
  why?: string;
}

export class DeviceManagers {
  readonly root: string;
  #settings: DevicesSettings;
  #state = new Map<DeviceKind, KindState>();
  /** Device ids held, per limited kind. */
  #held = new Map<DeviceKind, Set<string>>();

  /** CPU pinning, when the config turns it on. */
  readonly cpus: CpuCores | undefined;

  constructor(settings: DevicesSettings) {
    this.#settings = settings;
    this.root = settings.root;
    this.cpus = settings.cpuCores ? new CpuCores(settings.cpuCores) : undefined;
    for (const kind of LIMITED_KINDS) this.#held.set(kind, new Set());
  }

  /**
   * Look for every kind's devices and decide which kinds are on. Returns the refusals (a kind
   * the config enables explicitly whose devices are absent) and one notice per kind.
   */
  async start(): Promise<{ refusals: string[]; notices: KindNotice[] }> {
    const refusals: string[] = [];
    const notices: KindNotice[] = [];
    for (const kind of DEVICE_KINDS) {
      const wanted = this.#settings.enabled[kind];
      if (wanted === false) {
        const why = `features.devices.${kind}.enabled is false in the worker config`;
        this.#state.set(kind, { on: false, why });
        notices.push({ kind, state: 'off', count: 0, why });
        continue;
      }
      const found = await discover(kind, this.root);
      if (found.length > 0) {
        this.#state.set(kind, { on: true });
        notices.push({ kind, state: 'on', count: found.length });
        continue;
      }
      const why = absenceReason(kind, this.root);
      this.#state.set(kind, { on: false, why });
      if (wanted === true) refusals.push(`${kind} enabled but ${why}`);
      else notices.push({ kind, state: 'off', count: 0, why });
    }
    return { refusals, notices };
  }

  state(kind: DeviceKind): KindState {
    return this.#state.get(kind) ?? { on: false, why: 'the devices feature was not started' };
  }

  /**
   * The least device count of the limited kinds that are on (each of their tasks holds one),
   * looked for again, and the pinned cores' count; undefined when none is on.
   */
  async capacity(): Promise<{ limit: number; reason: string } | undefined> {
    const cores = this.cpus?.cores.length;
    let least: { limit: number; reason: string } | undefined = cores === undefined ? undefined : { limit: cores, reason: `${cores} CPU core${cores === 1 ? '' : 's'}, one per task` };
    for (const kind of LIMITED_KINDS) {
      if (!this.state(kind).on) continue;
      const found = await discover(kind, this.root);
      const count = found.length;
      if (!least || count < least.limit) least = { limit: count, reason: `${count} ${kind} device${count === 1 ? '' : 's'}` };
    }
    return least;
  }

  /**
   * A device of `kind` for one task: a free one of a limited kind (looked for again, so a
   * device added or removed since start counts), the shared one otherwise. Throws a sentence
   * for the task author when the kind is off or every device is held.
   */
  async acquire(kind: DeviceKind): Promise<HostDevice> {
    const state = this.state(kind);
    if (!state.on) throw new DeviceUnavailable(kind, `this worker does not offer it (${state.why})`);
    const found = await discover(kind, this.root);
    const held = this.#held.get(kind);
    if (!held) {
      if (found[0]) return found[0];
      throw new DeviceUnavailable(kind, `it is gone from this worker (${absenceReason(kind, this.root)})`);
    }
    const free = found.find((device) => !held.has(device.id));
    if (!free) throw new DeviceUnavailable(kind, `every one of this worker's ${found.length} device${found.length === 1 ? ' is' : 's are'} held by another task`);
    held.add(free.id);
    return free;
  }

  /** Give back what acquire handed out; releasing a shared device, or twice, does nothing. */
  release(kind: DeviceKind, device: HostDevice): void {
    this.#held.get(kind)?.delete(device.id);
  }
}

/** A task asked for a kind it cannot have now. */
export class DeviceUnavailable extends Error {
  readonly kind: DeviceKind;
  constructor(kind: DeviceKind, why: string) {
    super(`${kind}: ${why}`);
    this.name = 'DeviceUnavailable';
    this.kind = kind;
  }
}
