import { KeepAlive, deadlineFor } from './keep-alive.js';

const times = { startedAt: 0, minTimeMs: 180_000, expirationAfterSessionMs: 900_000, deadlineAt: 3_598_000 };

describe('how long an interactive container is kept', () => {
  it('without sessions: minTime after the start', () => {
    expect(new KeepAlive(times).releaseAt()).toBe(180_000);
  });

  it('while a session is open: until the deadline; after the last closes: expirationAfterSession later', () => {
    const k = new KeepAlive(times);
    k.opened();
    k.opened();
    expect(k.releaseAt()).toBe(times.deadlineAt);
    k.closed(10_000);
    expect(k.releaseAt()).toBe(times.deadlineAt);
    k.closed(20_000);
    expect(k.openSessions).toBe(0);
    expect(k.releaseAt()).toBe(920_000);
  });

  it('never past the deadline, and minTime still holds after a short session', () => {
    const k = new KeepAlive({ ...times, expirationAfterSessionMs: 1000 });
    k.opened();
    k.closed(5000);
    expect(k.releaseAt()).toBe(180_000);
    const late = new KeepAlive(times);
    late.opened();
    late.closed(3_000_000);
    expect(late.releaseAt()).toBe(times.deadlineAt);
    expect(late.pastDeadline(times.deadlineAt)).toBe(true);
    expect(late.pastDeadline(times.deadlineAt - 1)).toBe(false);
  });

  it('the deadline is 2 s before maxRunTime (half a shorter one): in seconds, not milliseconds twice', () => {
    expect(deadlineFor(1000, 3_600_000)).toBe(1000 + 3_598_000);
    expect(deadlineFor(0, 1000)).toBe(500);
  });
});
