import type { Resolution } from '@docker-worker/worker-contract';
import { createMemoryLog } from '../log/worker-log.js';
import type { TaskStatus } from '../queue/types.js';
import { resolveRun, type ResolvingQueue } from './resolve-run.js';

/** An error shaped as taskcluster-client throws them. */
function httpError(statusCode: number, message = `HTTP ${statusCode}`): Error {
  return Object.assign(new Error(message), { statusCode });
}

function networkError(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/** A run queue answering each report call with the next of `answers` (undefined: accepted). */
function fakeQueue(answers: Array<Error | undefined>, status?: Partial<TaskStatus['runs'][number]>) {
  const calls: string[] = [];
  const answer = async (call: string) => {
    calls.push(call);
    const next = answers.shift();
    if (next) throw next;
  };
  const runQueue: ResolvingQueue = {
    taskId: 'T',
    runId: 0,
    reportCompleted: () => answer('completed'),
    reportFailed: () => answer('failed'),
    reportException: (reason) => answer(`exception/${reason}`),
  };
  const queue = {
    status: async () => {
      calls.push('status');
      if (!status) throw networkError();
      return { taskId: 'T', state: 'exception', runs: [{ runId: 0, ...status }] } as unknown as TaskStatus;
    },
  };
  return { runQueue, queue, calls };
}

const later = () => Date.now() + 60_000;

async function resolve(fake: ReturnType<typeof fakeQueue>, resolution: Resolution, takenUntil = later) {
  const log = createMemoryLog();
  const result = await resolveRun({ ...fake, resolution, takenUntil, log, minDelayMs: 1 });
  return { result, log };
}

describe('resolveRun', () => {
  it('reports the resolution once when the queue accepts it', async () => {
    const fake = fakeQueue([]);
    expect((await resolve(fake, { state: 'failed' })).result).toEqual({ result: 'resolved' });
    expect(fake.calls).toEqual(['failed']);
  });

  it('retries network errors and 5xx until the queue accepts', async () => {
    const fake = fakeQueue([networkError(), httpError(503), httpError(500)]);
    const { result, log } = await resolve(fake, { state: 'exception', reason: 'worker-shutdown' });
    expect(result).toEqual({ result: 'resolved' });
    expect(fake.calls).toEqual(Array(4).fill('exception/worker-shutdown'));
    expect(log.records.filter((r) => r.type === 'resolution failed, retrying')).toHaveLength(3);
  });

  it('a 409 for a run already in the reported state counts as resolved (an earlier attempt got through)', async () => {
    const fake = fakeQueue([networkError(), httpError(409)], { state: 'completed', reasonResolved: 'completed' });
    expect((await resolve(fake, { state: 'completed' })).result).toEqual({ result: 'resolved' });
    expect(fake.calls).toEqual(['completed', 'completed', 'status']);
  });

  it('a 409 for a run resolved otherwise is a conflict, naming what the queue recorded', async () => {
    const fake = fakeQueue([httpError(409)], { state: 'exception', reasonResolved: 'canceled' });
    const { result } = await resolve(fake, { state: 'completed' });
    expect(result).toEqual({ result: 'conflict', reason: 'the queue had already resolved the run exception (canceled)' });
  });

  it('gives up at once on a 4xx other than 409, saying the queue refused it', async () => {
    const fake = fakeQueue([httpError(401, 'Header length too long')]);
    const { result, log } = await resolve(fake, { state: 'exception', reason: 'internal-error' });
    expect(result).toMatchObject({ result: 'gave-up' });
    expect((result as { reason: string }).reason).toBe('the queue refused to record exception/internal-error: HTTP 401: Header length too long');
    expect(fake.calls).toHaveLength(1);
    expect(log.records.map((r) => r.type)).toEqual(['resolution refused']);
  });

  it('gives up when the claim runs out while the queue cannot be reached', async () => {
    const fake = fakeQueue(Array.from({ length: 1000 }, networkError));
    const until = Date.now() + 200;
    const { result } = await resolve(fake, { state: 'failed' }, () => until);
    expect(result).toMatchObject({ result: 'gave-up' });
    expect((result as { reason: string }).reason).toMatch(/^the queue could not be reached to record failed before the claim ran out: socket hang up/);
    expect(Date.now()).toBeGreaterThanOrEqual(until - 5);
  });
});
