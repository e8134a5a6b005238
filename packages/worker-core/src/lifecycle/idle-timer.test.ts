import { IdleTimer } from './idle-timer.js';

describe('IdleTimer', () => {
  it('fires after the idle time, and busy time resets it', async () => {
    let busy = true;
    let firedAt = 0;
    const start = Date.now();
    new IdleTimer({ afterMs: 100, checkEveryMs: 10, busy: () => busy, onIdle: () => (firedAt = Date.now()) });
    await new Promise((r) => setTimeout(r, 150));
    expect(firedAt).toBe(0);
    busy = false;
    await new Promise((r) => setTimeout(r, 200));
    expect(firedAt - start).toBeGreaterThanOrEqual(240);
  });

  it('stop() prevents it from firing', async () => {
    let fired = false;
    const timer = new IdleTimer({ afterMs: 20, checkEveryMs: 5, busy: () => false, onIdle: () => (fired = true) });
    timer.stop();
    await new Promise((r) => setTimeout(r, 60));
    expect(fired).toBe(false);
  });
});
