import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { QueueClient } from '../queue/queue-client.js';

/**
 * Saves a run's artifacts under `dir` by name (`public/build/x.zip` → `dir/public/build/x.zip`).
 * Downloads follow the queue's redirects like any Taskcluster client; gzip-encoded logs arrive
 * decoded. Error artifacts are reported, not written.
 */
export async function downloadArtifacts(queue: QueueClient, taskId: string, runId: number, dir: string): Promise<string[]> {
  const root = resolve(dir);
  const lines: string[] = [];
  for (const artifact of await queue.listArtifacts(taskId, runId)) {
    if (artifact.storageType === 'reference') continue;
    const target = resolve(root, artifact.name);
    if (!target.startsWith(root + sep)) {
      lines.push(`skipped ${artifact.name}: its name leaves ${root}`);
      continue;
    }
    const response = await fetch(queue.artifactUrl(taskId, runId, artifact.name));
    if (response.status === 424) {
      const body = (await response.json()) as { reason?: string; message?: string };
      lines.push(`${artifact.name}: error artifact (${body.reason}): ${body.message}`);
      continue;
    }
    if (!response.ok || !response.body) {
      lines.push(`${artifact.name}: download failed with HTTP ${response.status}`);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    await pipeline(Readable.fromWeb(response.body as never), createWriteStream(target));
    lines.push(`saved ${join(dir, artifact.name)}`);
  }
  return lines;
}
