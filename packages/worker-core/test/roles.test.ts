// Scopes through roles: the worker checks a task's scopes as the auth service expands them
// (auth.expandScopes, asked with the claim's credentials), so scopes a task holds only through
// an `assume:` role of the embedded queue count, as on a real deployment.
import { Harness, TEST_IMAGE } from './harness.js';

const ROLES = {
  'project:ci': ['assume:project:ci:caches', 'docker-worker:capability:privileged', 'docker-worker:feature:allowPtrace'],
  'project:ci:caches': ['docker-worker:cache:ci-*'],
};

describe('scopes through roles of the embedded queue (real engine, queue over HTTP)', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start({ roles: ROLES });
    await h.startWorker({ workerType: 'roles-deny' });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function runTask(payload: Record<string, unknown>, scopes: string[]) {
    const taskId = await h.createTask({ image: TEST_IMAGE, maxRunTime: 60, ...payload }, { workerType: 'roles-deny', scopes });
    const status = await h.waitResolved(taskId);
    return { taskId, status, log: await h.backingLog(taskId) };
  }

  it('a task whose cache and ptrace scopes come only through a role runs, and the worker asked the auth service with the claim\'s credentials', async () => {
    const { taskId, status, log } = await runTask(
      { command: ['sh', '-c', 'echo kept > /cache/note && cat /cache/note'], cache: { 'ci-build': '/cache' }, features: { allowPtrace: true } },
      ['assume:project:ci'],
    );
    expect(status.state).toBe('completed');
    expect(log).toContain('using cache "ci-build" -> /cache');
    expect(log).toContain('\nkept\n');
    const expansions = h.requests.filter((r) => r.name === 'expandScopes');
    expect(expansions.length).toBeGreaterThanOrEqual(1);
    expect(expansions.every((r) => r.status === 200 && r.clientId?.startsWith(`task-client/${taskId}/0/`))).toBe(true);
  });

  it('a role grants the privileged scope, but the worker config still refuses privileged containers', async () => {
    const { status, log } = await runTask({ command: ['true'], capabilities: { privileged: true } }, ['assume:project:ci']);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(log).toContain('dockerConfig.allowPrivileged is false');
    expect(log).not.toContain('needs the task scope');
  });

  it('a role that does not grant the scope does not help: malformed-payload naming it, nothing started', async () => {
    const before = (await h.containers()).length;
    const { status, log } = await runTask({ command: ['true'], cache: { 'other-build': '/cache' } }, ['assume:project:ci']);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(log).toContain('payload.cache["other-build"] needs the task scope docker-worker:cache:other-build or docker-worker:cache:other-build:test-prov/roles-deny');
    expect(log).not.toContain('using cache');
    expect((await h.containers()).length).toBe(before);
  });

  it('a task whose listed scopes suffice is checked without asking the auth service', async () => {
    const asked = h.requests.filter((r) => r.name === 'expandScopes').length;
    const { status } = await runTask({ command: ['true'], cache: { 'ci-plain': '/cache' } }, ['docker-worker:cache:ci-plain', 'assume:project:ci']);
    expect(status.state).toBe('completed');
    expect(h.requests.filter((r) => r.name === 'expandScopes').length).toBe(asked);
  });
});
