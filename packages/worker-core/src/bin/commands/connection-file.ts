import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Where a running `worker start` on the embedded queue tells `worker submit` how to reach it.
 * Readable by root only: it holds the embedded queue's credentials.
 */
export interface Connection {
  rootUrl: string;
  clientId: string;
  accessToken: string;
  provisionerId: string;
  workerType: string;
}

export function connectionPath(workDir: string): string {
  return join(workDir, 'embedded-queue.json');
}

export async function writeConnection(workDir: string, connection: Connection): Promise<string> {
  const path = connectionPath(workDir);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  return path;
}

export async function readConnection(workDir: string): Promise<Connection | undefined> {
  try {
    return JSON.parse(await readFile(connectionPath(workDir), 'utf8')) as Connection;
  } catch {
    return undefined;
  }
}

export async function removeConnection(workDir: string): Promise<void> {
  await rm(connectionPath(workDir), { force: true });
}
