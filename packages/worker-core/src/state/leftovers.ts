import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS, type Runtime } from '@docker-worker/worker-contract';
import { isHeld, processLockName } from './host-locks.js';

/**
 * Remove the containers matching `labels` whose worker process is gone (its process lock is
 * free), and no other: two workers of one identity on a host (two `worker run`s, a `worker
 * start` beside a test) each keep theirs. A container without the process label was not made
 * by this worker and is left alone. Returns how many were removed and how many were kept
 * because their process lives.
 */
export async function removeContainersOfDeadProcesses(runtime: Runtime, labels: Record<string, string>, ownProcessId: string): Promise<{ removed: number; kept: number }> {
  const owners = new Map<string, number>();
  for (const container of await runtime.listContainers(labels)) {
    const owner = container.labels[LABELS.processId];
    if (owner) owners.set(owner, (owners.get(owner) ?? 0) + 1);
  }
  let removed = 0;
  let kept = 0;
  for (const [owner, count] of owners) {
    if (owner === ownProcessId || (await isHeld(processLockName(owner)))) {
      kept += count;
      continue;
    }
    // A dead process makes no more containers, so removing by its label removes exactly these.
    removed += await runtime.removeContainers({ ...labels, [LABELS.processId]: owner });
  }
  return { removed, kept };
}

/**
 * Remove the networks runs of a dead worker process made (see TaskContext.network), after its
 * containers are gone (a network a container is attached to cannot be removed). The engine
 * has a limited number of address ranges for them: leftovers would use them up. Returns how
 * many were removed.
 */
export async function removeNetworksOfDeadProcesses(runtime: Runtime, labels: Record<string, string>, ownProcessId: string): Promise<number> {
  if (!runtime.listNetworks || !runtime.removeNetwork) return 0;
  let removed = 0;
  const alive = new Map<string, boolean>();
  for (const network of await runtime.listNetworks(labels)) {
    const owner = network.labels[LABELS.processId];
    if (!owner) continue;
    if (!alive.has(owner)) alive.set(owner, owner === ownProcessId || (await isHeld(processLockName(owner))));
    if (alive.get(owner)) continue;
    await runtime.removeNetwork(network.id);
    removed++;
  }
  return removed;
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
  for (const name of names) await rm(join(runsDir(workDir), name), { recursive: true, force: true });
  return names.length;
}
