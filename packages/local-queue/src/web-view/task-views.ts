// The JSON the web view's page reads: every task at a glance (the real queue has no call that
// lists all tasks), and one task with its artifacts of every run.

import type { ArtifactStore } from '../artifacts/store.js';
import type { QueueState, TaskRecord } from '../queue/state.js';
import type { RunStatus, TaskState } from '../queue/types.js';

export interface TaskListEntry {
  taskId: string;
  name: string;
  state: TaskState;
  taskQueueId: string;
  created: string;
  deadline: string;
  runs: RunStatus[];
}

export interface ArtifactEntry {
  runId: number;
  name: string;
  storageType: string;
  contentType: string;
  expires: string;
  /** reference artifacts only: where they point (the live log server, for a running task's live log) */
  url?: string;
}

export interface TaskDetail extends TaskListEntry {
  description: string;
  owner: string;
  source: string;
  retriesLeft: number;
  definition: TaskRecord['definition'];
  artifacts: ArtifactEntry[];
}

export function taskListEntry(state: QueueState, record: TaskRecord): TaskListEntry {
  const status = state.status(record);
  const d = record.definition;
  return { taskId: record.taskId, name: d.metadata.name, state: status.state, taskQueueId: d.taskQueueId, created: d.created, deadline: d.deadline, runs: status.runs };
}

/** Newest first: the task just submitted is the one a user looks for. */
export function taskList(state: QueueState): TaskListEntry[] {
  return state
    .taskIds()
    .reverse()
    .flatMap((taskId) => {
      const record = state.get(taskId);
      return record ? [taskListEntry(state, record)] : [];
    });
}

export function taskDetail(state: QueueState, artifacts: ArtifactStore, record: TaskRecord): TaskDetail {
  const d = record.definition;
  const listed = record.runs.flatMap((run) =>
    artifacts
      .list(record.taskId, run.runId)
      .filter((a) => a.present)
      .map((a): ArtifactEntry => ({
        runId: a.runId,
        name: a.name,
        storageType: a.storageType,
        contentType: a.contentType,
        expires: a.expires,
        ...(a.storageType === 'reference' ? { url: a.url } : {}),
      })),
  );
  return {
    ...taskListEntry(state, record),
    description: d.metadata.description,
    owner: d.metadata.owner,
    source: d.metadata.source,
    retriesLeft: record.retriesLeft,
    definition: d,
    artifacts: listed,
  };
}
