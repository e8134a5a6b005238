// Artifact records by task, run and name.

import type { ArtifactRecord } from './types.js';

export class ArtifactStore {
  private readonly byTask = new Map<string, Map<number, Map<string, ArtifactRecord>>>();
  /**
   * No artifact expires before this (ms): the once-a-second sweep looks at every record only
   * from then on. Without it, a run of 100,000 artifacts had every one of them parsed each
   * second while it uploaded. It may be earlier than the true earliest (a record replaced or
   * deleted since); the next full look corrects it.
   */
  private earliestExpiry = Infinity;

  get(taskId: string, runId: number, name: string): ArtifactRecord | undefined {
    return this.byTask.get(taskId)?.get(runId)?.get(name);
  }

  put(record: ArtifactRecord): void {
    let runs = this.byTask.get(record.taskId);
    if (!runs) this.byTask.set(record.taskId, (runs = new Map()));
    let names = runs.get(record.runId);
    if (!names) runs.set(record.runId, (names = new Map()));
    names.set(record.name, record);
    this.earliestExpiry = Math.min(this.earliestExpiry, Date.parse(record.expires));
  }

  delete(record: ArtifactRecord): void {
    this.byTask.get(record.taskId)?.get(record.runId)?.delete(record.name);
  }

  /** Artifacts of one run, sorted by name. */
  list(taskId: string, runId: number): ArtifactRecord[] {
    const names = this.byTask.get(taskId)?.get(runId);
    return names ? [...names.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : [];
  }

  /** Every artifact. */
  all(): ArtifactRecord[] {
    return [...this.byTask.values()].flatMap((runs) => [...runs.values()].flatMap((names) => [...names.values()]));
  }

  /** The artifacts whose `expires` is past (not removed; the caller deletes them with their data). */
  expired(now: number): ArtifactRecord[] {
    if (now < this.earliestExpiry) return [];
    const expired: ArtifactRecord[] = [];
    let earliest = Infinity;
    for (const runs of this.byTask.values()) {
      for (const names of runs.values()) {
        for (const record of names.values()) {
          const expires = Date.parse(record.expires);
          if (expires <= now) expired.push(record);
          else earliest = Math.min(earliest, expires);
        }
      }
    }
    this.earliestExpiry = earliest;
    return expired;
  }

  /** Removes and returns all artifacts of a task. */
  dropTask(taskId: string): ArtifactRecord[] {
    const runs = this.byTask.get(taskId);
    this.byTask.delete(taskId);
    return runs ? [...runs.values()].flatMap((names) => [...names.values()]) : [];
  }
}
