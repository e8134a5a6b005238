import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TaskContext } from '../feature.js';
import type { TaskLog } from '../log.js';
import type { TaskDefinition, WorkerIdentity } from '../task.js';
import { MemoryTaskLog } from './memory-task-log.js';
import { RecordingPublisher } from './recording-publisher.js';
import { testTaskDefinition } from './task-fixture.js';

/** A plausible worker identity for tests. */
export const TEST_WORKER: WorkerIdentity = {
  rootUrl: 'http://127.0.0.1:1',
  provisionerId: 'test-prov',
  workerType: 'test-type',
  workerGroup: 'test-group',
  workerId: 'test-worker',
  workerNodeType: 'm5.large',
  host: 'localhost',
  publicIp: '203.0.113.9',
  privateIp: '10.1.2.3',
  instanceId: 'i-123',
  region: 'us-test-1',
};

export interface TestContextOptions<Log extends TaskLog, Publisher> {
  log?: Log;
  artifacts?: Publisher;
  task?: Partial<TaskDefinition>;
  worker?: Partial<WorkerIdentity>;
  config?: Record<string, unknown>;
  signal?: AbortSignal;
  /** A directory for the run; a fresh temporary one when omitted, none when `null`. */
  workDir?: string | null;
}

/**
 * A TaskContext for calling a feature's hooks directly: a MemoryTaskLog and a RecordingPublisher
 * unless given others, a fresh work directory (the test removes it), a made-up task and worker.
 */
export async function testTaskContext<Log extends TaskLog = MemoryTaskLog, Publisher extends TaskContext['artifacts'] = RecordingPublisher>(
  options: TestContextOptions<Log, Publisher> = {},
): Promise<TaskContext & { log: Log; artifacts: Publisher }> {
  const workDir = options.workDir === undefined ? await mkdtemp(join(tmpdir(), 'dw-feature-test-')) : (options.workDir ?? undefined);
  return {
    taskId: 'dGVzdC10YXNrLWlkLTAwMA',
    runId: 0,
    task: testTaskDefinition(options.task),
    worker: { ...TEST_WORKER, ...options.worker },
    log: options.log ?? (new MemoryTaskLog() as unknown as Log),
    artifacts: options.artifacts ?? (new RecordingPublisher() as unknown as Publisher),
    config: options.config ?? {},
    signal: options.signal ?? new AbortController().signal,
    ...(workDir && { workDir }),
  };
}
