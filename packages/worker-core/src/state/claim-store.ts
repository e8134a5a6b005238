import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Credentials } from '@docker-worker/worker-contract';

/** What a worker must remember about a claim to hand it back after a crash. */
export interface StoredClaim {
  taskId: string;
  runId: number;
  takenUntil: string;
  credentials: Credentials;
  processId: string;
}

/**
 * The claims this worker holds, one small file each under `<workDir>/claims`, written before a
 * run starts and updated at each reclaim (credentials rotate). A worker started after a crash
 * reads them to resolve its predecessor's runs at once instead of leaving them to expire.
 * Files are written to a temporary name and renamed, so a crash never leaves half a file.
 */
export class ClaimStore {
  readonly dir: string;

  constructor(workDir: string) {
    this.dir = join(workDir, 'claims');
  }

  #path(taskId: string, runId: number): string {
    return join(this.dir, `${taskId}-${runId}.json`);
  }

  async save(claim: StoredClaim): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.#path(claim.taskId, claim.runId);
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(claim), { mode: 0o600 });
    await rename(temporary, path);
  }

  async remove(taskId: string, runId: number): Promise<void> {
    await rm(this.#path(taskId, runId), { force: true });
  }

  /** Every stored claim; unreadable files are dropped (they cannot be acted on). */
  async list(): Promise<StoredClaim[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const claims: StoredClaim[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      if (!name.endsWith('.json')) {
        await rm(path, { force: true });
        continue;
      }
      try {
        claims.push(JSON.parse(await readFile(path, 'utf8')) as StoredClaim);
      } catch {
        await rm(path, { force: true });
      }
    }
    return claims;
  }
}
