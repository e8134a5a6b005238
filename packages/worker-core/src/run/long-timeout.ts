/** The longest delay setTimeout keeps; a longer one fires at once (Node's TimeoutOverflowWarning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * setTimeout for any delay: maxRunTime has no upper limit in the payload schema, and a
 * week-plus timeout handed to setTimeout as it is would kill the task at once. Longer delays
 * are waited out in steps.
 */
export function setLongTimeout(callback: () => void, delayMs: number): { clear(): void } {
  const due = Date.now() + delayMs;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = due - Date.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(callback, Math.max(0, left));
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
