import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS, removeTree, type Runtime } from '@docker-worker/worker-contract';
import { isHeld, processLockName } from './host-locks.js';

/** What `removeLeftoversOfDeadProcesses` did. */
export interface LeftoversRemoved {
  /** Containers of dead processes removed. */
  removed: number;
  /** Containers kept because their process lives. */
  kept: number;
  /** Networks of dead processes removed. */
  networks: number;
}

/**
 * Remove the containers, then the networks (a network a container is attached to cannot be
 * removed), matching `labels` whose worker process is gone (its process lock is free), and no
 * other: two workers of one identity on a host (two `worker run`s, a `worker start` beside a
 * test) each keep theirs. What carries no process label was not made by this worker and is
 * left alone. Networks matter as much as containers: the engine has a limited number of
 * address ranges for them, and leftovers would use them up.
 */
export async function removeLeftoversOfDeadProcesses(runtime: Runtime, labels: Record<string, string>, ownProcessId: string): Promise<LeftoversRemoved> {
  const alive = new Map<string, Promise<boolean>>();
  /** Whether worker process `owner` lives: this one, or one holding its process lock (asked once each). */
  const lives = (owner: string): Promise<boolean> => {
    if (!alive.has(owner)) alive.set(owner, owner === ownProcessId ? Promise.resolve(true) : isHeld(processLockName(owner)));
    return alive.get(owner)!;
  };
  const owners = new Map<string, number>();
  for (const container of await runtime.listContainers(labels)) {
    const owner = container.labels[LABELS.processId];
    if (owner) owners.set(owner, (owners.get(owner) ?? 0) + 1);
  }
  const result: LeftoversRemoved = { removed: 0, kept: 0, networks: 0 };
  for (const [owner, count] of owners) {
    if (await lives(owner)) {
      result.kept += count;
      continue;
    }
    // A dead process makes no more containers, so removing by its label removes exactly these.
    result.removed += await runtime.removeContainers({ ...labels, [LABELS.processId]: owner });
  }
  if (!runtime.listNetworks || !runtime.removeNetwork) return result;
  for (const network of await runtime.listNetworks(labels)) {
    const owner = network.labels[LABELS.processId];
    if (!owner || (await lives(owner))) continue;
    await runtime.removeNetwork(network.id);
    result.networks++;
  }
  return result;
}

/** `<workDir>/runs`: one directory per run (`<taskId>-<runId>`), removed when the run ends. */
export function runsDir(workDir: string): string {
  return join(workDir, 'runs');
}

/**
 * Remove every run directory under `workDir`. Only for the worker that holds the work
 * directory's lock: then no live process is using any of them, and what is there was left by
 * a predecessor that was killed before it could clean up (its task logs, a partial upload; on
 * a small tmpfs one such leftover fails every later task too).
 */
export async function removeLeftoverRunDirs(workDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(runsDir(workDir));
  } catch {
    return 0;
  }
  for (const name of names) await removeTree(join(runsDir(workDir), name));
  return names.length;
}
