import type { TaskDefinition } from '../task.js';

/** A complete, plausible task definition for tests that need one but do not care about it. */
export function testTaskDefinition(overrides: Partial<TaskDefinition> = {}): TaskDefinition {
  const now = Date.now();
  return {
    provisionerId: 'test-provisioner',
    workerType: 'test-worker-type',
    schedulerId: 'test-scheduler',
    taskGroupId: 'dGVzdC10YXNrLWdyb3VwAA',
    dependencies: [],
    requires: 'all-completed',
    routes: [],
    priority: 'lowest',
    retries: 0,
    created: new Date(now).toISOString(),
    deadline: new Date(now + 3600_000).toISOString(),
    expires: new Date(now + 86400_000).toISOString(),
    scopes: [],
    payload: {},
    metadata: { name: 'test task', description: 'a task made up by a test', owner: 'test@example.com', source: 'https://example.com/test' },
    tags: {},
    extra: {},
    ...overrides,
  };
}
