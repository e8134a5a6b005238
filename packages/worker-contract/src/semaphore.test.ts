import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('admits `limit` holders and the rest in arrival order', async () => {
    const semaphore = new Semaphore(2);
    const order: string[] = [];
    await semaphore.acquire();
    await semaphore.acquire();
    const third = semaphore.acquire().then(() => order.push('third'));
    const fourth = semaphore.acquire().then(() => order.push('fourth'));
    await Promise.resolve();
    expect(semaphore.held).toBe(2);
    expect(order).toEqual([]);
    semaphore.release();
    await third;
    semaphore.release();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(semaphore.held).toBe(2);
  });

  it('a waiter whose signal aborts leaves the line; the next one gets the slot', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const abort = new AbortController();
    const abandoned = semaphore.acquire(abort.signal);
    const next = semaphore.acquire();
    abort.abort(new Error('canceled'));
    await expect(abandoned).rejects.toThrow('canceled');
    semaphore.release();
    await next;
    expect(semaphore.held).toBe(1);
  });

  it('an already aborted signal is refused at once', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.acquire(AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(semaphore.held).toBe(0);
  });

  it('run releases the slot whether the work succeeds or throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(async () => 7)).resolves.toBe(7);
    await expect(semaphore.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(semaphore.held).toBe(0);
  });

  it.each([0, -1, 1.5, NaN])('refuses the limit %p', (limit) => {
    expect(() => new Semaphore(limit)).toThrow(/positive integer/);
  });
});
