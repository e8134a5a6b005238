// Re-reading the queue's state: each round starts a while after the previous one ended, so a
// slow answer never piles requests up.

/** Calls `round` now and every `intervalMs` after it settles, until the returned stop is called. */
export function poll(round, intervalMs) {
  let stopped = false;
  let timer;
  const next = async () => {
    if (stopped) return;
    try {
      await round();
    } catch (err) {
      console.warn('web view: refresh failed', err);
    }
    if (!stopped) timer = setTimeout(next, intervalMs);
  };
  next();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
