import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS, removeTree, type Runtime } from '@docker-worker/worker-contract';
import { lockWorkDir, workDirHeld, type HostLock } from '../../state/host-locks.js';
import { removeLeftoversOfDeadProcesses } from '../../state/leftovers.js';

/**
 * Each `worker run` works in a directory of its own, `<workDir>/worker-run/<id>`, held by its
 * lock: its claims and run directories are its own, so any number of `worker run`s (and a
 * `worker start` on the same workDir) run side by side. The identity file says whose
 * containers to look for when a later `worker run` finds the area abandoned.
 */
export interface RunArea {
  dir: string;
  lock: HostLock;
  /** Remove the directory, then let go of it. */
  close(): Promise<void>;
}

interface AreaIdentity {
  workerGroup: string;
  workerId: string;
}

const IDENTITY_FILE = 'identity.json';

export function runAreasDir(workDir: string): string {
  return join(workDir, 'worker-run');
}

export async function openRunArea(workDir: string, id: string, identity: AreaIdentity): Promise<RunArea> {
  const dir = join(runAreasDir(workDir), id);
  const lock = await lockWorkDir(dir, { pid: process.pid, what: 'worker run', workerId: identity.workerId });
  await writeFile(join(dir, IDENTITY_FILE), `${JSON.stringify(identity)}\n`);
  return {
    dir,
    lock,
    close: async () => {
      await removeTree(dir);
      await lock.release();
    },
  };
}

/**
 * Clean up after `worker run`s that were killed: every area whose lock is free goes, and with
 * it the containers of its identity whose process is gone. Returns how many areas went.
 */
export async function removeAbandonedRunAreas(workDir: string, runtime: Runtime): Promise<number> {
  let ids: string[];
  try {
    ids = await readdir(runAreasDir(workDir));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const id of ids) {
    const dir = join(runAreasDir(workDir), id);
    if (await workDirHeld(dir)) continue;
    let identity: AreaIdentity | undefined;
    try {
      identity = JSON.parse(await readFile(join(dir, IDENTITY_FILE), 'utf8')) as AreaIdentity;
    } catch {
      // Killed before it wrote the file: it made no container either.
    }
    if (identity) await removeLeftoversOfDeadProcesses(runtime, { [LABELS.workerGroup]: identity.workerGroup, [LABELS.workerId]: identity.workerId }, '');
    await removeTree(dir);
    removed++;
  }
  return removed;
}
