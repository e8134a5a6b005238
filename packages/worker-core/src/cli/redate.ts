const DAY_MS = 24 * 3600 * 1000;
/** The queue's default expiry: a year after the deadline. */
const DEFAULT_EXPIRY_MS = 365 * DAY_MS;

export interface Redated {
  created: string;
  deadline: string;
  expires: string;
  /** The payload, its artifacts' `expires` moved as the task's dates were. */
  payload: Record<string, unknown>;
}

/**
 * A copied task's dates are usually in the past. With a `created` date, every date of the
 * task moves by (now - created): the deadline and expiry keep their distance from creation,
 * and the artifacts' `expires` move with them, so a production task runs unchanged (the queue
 * refuses an artifact that expires in the past, or after its task). Without one, the task
 * gets the queue's defaults from now (a day to run) and its artifacts are left as written.
 */
export function redated(given: Record<string, unknown>, now: Date): Redated {
  const payload = given.payload as Record<string, unknown>;
  const created = dateOf(given.created);
  if (created === undefined) {
    const deadline = now.getTime() + DAY_MS;
    return { created: now.toISOString(), deadline: iso(deadline), expires: iso(deadline + DEFAULT_EXPIRY_MS), payload };
  }
  const shift = now.getTime() - created;
  const deadline = (dateOf(given.deadline) ?? created + DAY_MS) + shift;
  const expires = dateOf(given.expires) === undefined ? deadline + DEFAULT_EXPIRY_MS : dateOf(given.expires)! + shift;
  return { created: now.toISOString(), deadline: iso(deadline), expires: iso(expires), payload: withArtifactsShifted(payload, shift) };
}

function withArtifactsShifted(payload: Record<string, unknown>, shift: number): Record<string, unknown> {
  const artifacts = payload.artifacts;
  if (typeof artifacts !== 'object' || artifacts === null || Array.isArray(artifacts)) return payload;
  const moved = Object.fromEntries(
    Object.entries(artifacts as Record<string, unknown>).map(([name, artifact]) => {
      if (typeof artifact !== 'object' || artifact === null) return [name, artifact];
      const expires = dateOf((artifact as Record<string, unknown>).expires);
      // A malformed date is left for payload validation to name.
      return [name, expires === undefined ? artifact : { ...artifact, expires: iso(expires + shift) }];
    }),
  );
  return { ...payload, artifacts: moved };
}

function dateOf(value: unknown): number | undefined {
  if (typeof value !== 'string' && !(value instanceof Date)) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
