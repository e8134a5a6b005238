/**
 * Finding each kind's devices under a device root (`/dev` on a real host, a directory of
 * `mknod` nodes in tests). A node counts only when it is a character device with its driver's
 * major number, so a stray file of the right name is never handed to a task.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bind, DeviceMapping } from '@docker-worker/worker-contract';

/** Major numbers of the drivers (Linux's Documentation/admin-guide/devices.txt). */
export const VIDEO_MAJOR = 81;
export const SOUND_MAJOR = 116;
export const MISC_MAJOR = 10;
export const KVM_MINOR = 232;

/** The devices a payload may ask for, by their payload names. */
export const DEVICE_KINDS = ['loopbackVideo', 'loopbackAudio', 'hostSharedMemory', 'kvm'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** Kinds whose devices are held by one task at a time; the others are shared by every task. */
export const LIMITED_KINDS: ReadonlySet<DeviceKind> = new Set(['loopbackVideo', 'loopbackAudio']);

/** One thing a task can hold: what the container gets for it. */
export interface HostDevice {
  /** Unique within its kind: `/dev/video3`, `card 1`. */
  id: string;
  devices: DeviceMapping[];
  binds: Bind[];
}

/** Linux's dev_t split as glibc's major()/minor() do. */
function deviceNumbers(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/** The node's numbers when `path` is a character device, undefined otherwise (or when absent). */
async function charDevice(path: string): Promise<{ major: number; minor: number } | undefined> {
  try {
    const info = await stat(path, { bigint: true });
    return info.isCharacterDevice() ? deviceNumbers(info.rdev) : undefined;
  } catch {
    return undefined;
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** A node mapped read-write-mknod at the path it has in `/dev`. */
function sameNode(root: string, relative: string): DeviceMapping {
  return { hostPath: join(root, relative), containerPath: `/dev/${relative}`, permissions: 'rwm' };
}

/** v4l2loopback's `videoN` nodes (major 81), in number order. */
async function videoDevices(root: string): Promise<HostDevice[]> {
  const found: { n: number; device: HostDevice }[] = [];
  for (const name of await names(root)) {
    const match = /^video(\d+)$/.exec(name);
    if (!match || (await charDevice(join(root, name)))?.major !== VIDEO_MAJOR) continue;
    found.push({ n: Number(match[1]), device: { id: `/dev/${name}`, devices: [sameNode(root, name)], binds: [] } });
  }
  return found.sort((a, b) => a.n - b.n).map((f) => f.device);
}

/** The nodes of one snd-aloop card: its control and both directions of its two pcm devices. */
export function loopbackCardNodes(card: number): string[] {
  return [`snd/controlC${card}`, ...['D0c', 'D0p', 'D1c', 'D1p'].map((pcm) => `snd/pcmC${card}${pcm}`)];
}

/**
 * snd-aloop cards: every card `N` whose control node and four pcm nodes (`pcmC<N>D0c`, `D0p`,
 * `D1c`, `D1p`) are all sound devices (major 116). A card missing one is not offered: a task
 * given half a loopback card could not use it.
 */
async function audioDevices(root: string): Promise<HostDevice[]> {
  const cards = (await names(join(root, 'snd')))
    .map((name) => /^controlC(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  const found: HostDevice[] = [];
  for (const card of cards) {
    const nodes = loopbackCardNodes(card);
    const numbers = await Promise.all(nodes.map((node) => charDevice(join(root, node))));
    if (numbers.some((n) => n?.major !== SOUND_MAJOR)) continue;
    found.push({ id: `card ${card}`, devices: nodes.map((node) => sameNode(root, node)), binds: [] });
  }
  return found;
}

/** `kvm` (10:232): one device every task shares. */
async function kvmDevices(root: string): Promise<HostDevice[]> {
  const numbers = await charDevice(join(root, 'kvm'));
  if (numbers?.major !== MISC_MAJOR || numbers.minor !== KVM_MINOR) return [];
  return [{ id: '/dev/kvm', devices: [sameNode(root, 'kvm')], binds: [] }];
}

/** The host's `shm` directory, bound over the container's own `/dev/shm`: shared by every task. */
async function sharedMemory(root: string): Promise<HostDevice[]> {
  const path = join(root, 'shm');
  try {
    if (!(await stat(path)).isDirectory()) return [];
  } catch {
    return [];
  }
  return [{ id: '/dev/shm', devices: [], binds: [{ hostPath: path, containerPath: '/dev/shm' }] }];
}

/** Every device of `kind` under `root`, freshly looked for. */
export function discover(kind: DeviceKind, root: string): Promise<HostDevice[]> {
  switch (kind) {
    case 'loopbackVideo':
      return videoDevices(root);
    case 'loopbackAudio':
      return audioDevices(root);
    case 'kvm':
      return kvmDevices(root);
    case 'hostSharedMemory':
      return sharedMemory(root);
  }
}

/** What is missing, and what to do, when a kind has no device under `root`. */
export function absenceReason(kind: DeviceKind, root: string): string {
  switch (kind) {
    case 'loopbackVideo':
      return `no ${join(root, 'video*')} under ${root}: load v4l2loopback`;
    case 'loopbackAudio':
      return `no snd-aloop card (${join(root, 'snd/controlC*')} with its pcm devices) under ${root}: load snd-aloop`;
    case 'kvm':
      return `no ${join(root, 'kvm')} (10:232) under ${root}: enable virtualisation and load kvm`;
    case 'hostSharedMemory':
      return `no ${join(root, 'shm')} directory under ${root}`;
  }
}
