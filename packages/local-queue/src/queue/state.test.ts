import { InputError, RequestConflict, ResourceNotFound } from '../errors.js';
import type { PulseMessage } from './events.js';
import { QueueState } from './state.js';
import { normalizeTaskDefinition } from './task-definition.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const MIN = 60_000;
let seq = 0;
const newId = () => `taskId${String(++seq).padStart(2, '0')}AQOmFJAbUnA9Hw`.slice(0, 22);

function setup(claimTimeout = 60) {
  const messages: PulseMessage[] = [];
  const woken: string[] = [];
  const expired: string[] = [];
  const state = new QueueState({
    claimTimeout,
    publish: (m) => messages.push(m),
    onPending: (q) => woken.push(q),
    onTaskExpired: (id) => expired.push(id),
  });
  const create = (overrides: Record<string, unknown> = {}) => {
    const taskId = newId();
    const def = normalizeTaskDefinition(taskId, {
      taskQueueId: 'p/w',
      created: new Date(T0).toJSON(),
      deadline: new Date(T0 + 60 * MIN).toJSON(),
      payload: {},
      metadata: { name: 'n', description: 'd', owner: 'o', source: 's' },
      ...overrides,
    });
    state.createTask(taskId, def, T0);
    return taskId;
  };
  return { state, messages, woken, expired, create };
}

const exchangeNames = (messages: PulseMessage[]) => messages.map((m) => m.exchange.split('/').pop());

describe('QueueState', () => {
  it('claims each pending run once, waking pollers when runs become pending', () => {
    const { state, create, woken } = setup();
    const a = create();
    const b = create();
    expect(woken).toEqual(['p/w', 'p/w']);
    const first = state.claimWork('p/w', 'g', 'w', 1, T0);
    const second = state.claimWork('p/w', 'g', 'w', 5, T0);
    expect(first.map((c) => c.record.taskId)).toEqual([a]);
    expect(second.map((c) => c.record.taskId)).toEqual([b]);
    expect(state.claimWork('p/w', 'g', 'w', 5, T0)).toEqual([]);
    expect(state.claimWork('other/q', 'g', 'w', 5, T0)).toEqual([]);
  });

  it('expires a claim at takenUntil with a retry run while retries are left', () => {
    const { state, create, messages } = setup(60);
    const taskId = create({ retries: 1 });
    state.claimWork('p/w', 'g', 'w', 1, T0);
    state.sweep(T0 + 59_000);
    expect(state.status(state.get(taskId)!).state).toBe('running');
    state.sweep(T0 + 60_000);
    let status = state.status(state.get(taskId)!);
    expect(status.runs.map((r) => [r.state, r.reasonCreated, r.reasonResolved])).toEqual([
      ['exception', 'scheduled', 'claim-expired'],
      ['pending', 'retry', undefined],
    ]);
    expect(status.retriesLeft).toBe(0);
    // The exception message already shows the retry run, then task-pending follows.
    const exception = messages.find((m) => m.exchange.endsWith('task-exception'))!;
    expect((exception.payload.status as { runs: unknown[] }).runs).toHaveLength(2);
    expect(exchangeNames(messages).slice(-2)).toEqual(['task-exception', 'task-pending']);

    state.claimWork('p/w', 'g', 'w', 1, T0 + 61_000);
    state.sweep(T0 + 122_000);
    status = state.status(state.get(taskId)!);
    expect(status.runs).toHaveLength(2);
    expect(status.state).toBe('exception');
  });

  it('extends claims without moving takenUntil backwards', () => {
    const { state, create } = setup(60);
    const taskId = create();
    const [claim] = state.claimWork('p/w', 'g', 'w', 1, T0 + 10_000);
    const reclaimed = state.reclaim(taskId, 0, T0);
    expect(reclaimed.takenUntil.getTime()).toBe(claim!.takenUntil.getTime());
    expect(state.reclaim(taskId, 0, T0 + 30_000).takenUntil.getTime()).toBe(T0 + 90_000);
    // Past takenUntil the claim is gone, whether or not the sweep has run.
    expect(() => state.reclaim(taskId, 0, T0 + 91_000)).toThrow(RequestConflict);
    expect(state.status(state.get(taskId)!).runs[0]!.reasonResolved).toBe('claim-expired');
  });

  it('resolves deadline-exceeded, even for a task that never had a run', () => {
    const { state, create } = setup();
    const blocker = create();
    const waiting = create({ dependencies: [blocker] });
    expect(state.status(state.get(waiting)!).state).toBe('unscheduled');
    state.sweep(T0 + 61 * MIN);
    for (const taskId of [blocker, waiting]) {
      const status = state.status(state.get(taskId)!);
      expect(status.runs).toHaveLength(1);
      expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'deadline-exceeded' });
    }
    expect(state.status(state.get(waiting)!).runs[0]!.reasonCreated).toBe('exception');
  });

  it('drops tasks past expires', () => {
    const { state, create, expired } = setup();
    const taskId = create({ expires: new Date(T0 + 2 * 60 * MIN).toJSON() });
    state.sweep(T0 + 3 * 60 * MIN);
    expect(state.get(taskId)).toBeUndefined();
    expect(expired).toEqual([taskId]);
  });

  it('refuses unknown dependencies and unknown runs', () => {
    const { state, create } = setup();
    expect(() => create({ dependencies: ['nXhBN8HuRNKzhnJUPdJsMg'] })).toThrow(InputError);
    const taskId = create();
    expect(() => state.reclaim(taskId, 4, T0)).toThrow(ResourceNotFound);
    expect(() => state.reclaim('nXhBN8HuRNKzhnJUPdJsMg', 0, T0)).toThrow(ResourceNotFound);
  });

  it('schedules all-resolved dependents after a failure, all-completed ones only after completion', () => {
    const { state, create } = setup();
    const dep = create();
    const anyOutcome = create({ dependencies: [dep], requires: 'all-resolved' });
    const needsSuccess = create({ dependencies: [dep] });
    state.claimWork('p/w', 'g', 'w', 1, T0);
    state.resolve(dep, 0, 'failed', T0);
    expect(state.status(state.get(anyOutcome)!).state).toBe('pending');
    expect(state.status(state.get(needsSuccess)!).state).toBe('unscheduled');
  });
});
