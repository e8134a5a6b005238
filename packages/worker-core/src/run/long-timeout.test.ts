import { jest } from '@jest/globals';
import { setLongTimeout } from './long-timeout.js';

describe('setLongTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits out a delay beyond setTimeout\'s limit instead of firing at once', () => {
    const fired = jest.fn();
    const thirtyDays = 30 * 24 * 3600 * 1000;
    setLongTimeout(fired, thirtyDays);
    jest.advanceTimersByTime(thirtyDays - 1000);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires a short delay on time, and never once cleared', () => {
    const fired = jest.fn();
    setLongTimeout(fired, 50);
    jest.advanceTimersByTime(50);
    expect(fired).toHaveBeenCalledTimes(1);
    const cleared = jest.fn();
    setLongTimeout(cleared, 3 * 2 ** 31).clear();
    jest.advanceTimersByTime(4 * 2 ** 31);
    expect(cleared).not.toHaveBeenCalled();
  });
});
