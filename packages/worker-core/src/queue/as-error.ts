/**
 * p-retry only retries values that are `instanceof Error`; an error from another realm (a
 * test's VM context, where Node's own errors come from outside it) or a thrown non-error is
 * wrapped so it is retried like any network error, its `code` kept.
 */
export function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const wrapped = new Error((err as { message?: unknown } | null)?.message ? String((err as { message: unknown }).message) : String(err), { cause: err });
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== undefined) Object.assign(wrapped, { code });
  return wrapped;
}
