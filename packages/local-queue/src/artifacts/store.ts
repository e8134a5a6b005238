// Artifact records by task, run and name.

import type { ArtifactRecord } from './types.js';

export class ArtifactStore {
  private readonly byTask = new Map<string, Map<number, Map<string, ArtifactRecord>>>();

  get(taskId: string, runId: number, name: string): ArtifactRecord | undefined {
    return this.byTask.get(taskId)?.get(runId)?.get(name);
  }

  put(record: ArtifactRecord): void {
    let runs = this.byTask.get(record.taskId);
    if (!runs) this.byTask.set(record.taskId, (runs = new Map()));
    let names = runs.get(record.runId);
    if (!names) runs.set(record.runId, (names = new Map()));
    names.set(record.name, record);
  }

  delete(record: ArtifactRecord): void {
    this.byTask.get(record.taskId)?.get(record.runId)?.delete(record.name);
  }

  /** Artifacts of one run, sorted by name. */
  list(taskId: string, runId: number): ArtifactRecord[] {
    const names = this.byTask.get(taskId)?.get(runId);
    return names ? [...names.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) : [];
  }

  /** Every artifact, for expiry sweeps. */
  all(): ArtifactRecord[] {
    return [...this.byTask.values()].flatMap((runs) => [...runs.values()].flatMap((names) => [...names.values()]));
  }

  /** Removes and returns all artifacts of a task. */
  dropTask(taskId: string): ArtifactRecord[] {
    const runs = this.byTask.get(taskId);
    this.byTask.delete(taskId);
    return runs ? [...runs.values()].flatMap((names) => [...names.values()]) : [];
  }
}
