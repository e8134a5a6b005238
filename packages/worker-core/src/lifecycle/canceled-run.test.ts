import { canceledRunOf } from './canceled-run.js';

const body = (reasonResolved: string, runId: unknown = 1) => ({
  version: 1,
  runId,
  status: { taskId: 'T', runs: [{ runId: 0, reasonResolved: 'canceled' }, { runId: 1, reasonResolved }] },
});

describe('canceledRunOf', () => {
  it('names the run the message is about when it was canceled', () => {
    expect(canceledRunOf(body('canceled'))).toEqual({ taskId: 'T', runId: 1 });
  });

  it('ignores other exceptions, even when an earlier run was canceled', () => {
    expect(canceledRunOf(body('deadline-exceeded'))).toBeUndefined();
    expect(canceledRunOf(body('worker-shutdown'))).toBeUndefined();
  });

  it('ignores bodies of another shape', () => {
    for (const bad of [null, 'x', 3, {}, { runId: 1 }, body('canceled', '1'), { runId: 1, status: { taskId: 'T', runs: 'no' } }, { runId: 1, status: { taskId: 7, runs: [] } }]) {
      expect(canceledRunOf(bad)).toBeUndefined();
    }
  });
});
