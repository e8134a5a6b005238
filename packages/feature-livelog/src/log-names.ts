/** The content type of the task log, live or kept. */
export const LOG_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** The default live log artifact name; `payload.log` replaces it. */
export const DEFAULT_LIVE_LOG = 'public/logs/live.log';

/**
 * The backing log's name derived from the live log's, as the original did:
 * `public/logs/live.log` → `public/logs/live_backing.log`, `private/x/custom` → `private/x/custom_backing`.
 */
export function backingLogName(liveLogName: string): string {
  const slash = liveLogName.lastIndexOf('/');
  const dir = liveLogName.slice(0, slash + 1);
  const file = liveLogName.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return `${dir}${file}_backing`;
  return `${dir}${file.slice(0, dot)}_backing${file.slice(dot)}`;
}
