import type { DockerWorkerPayload } from '@docker-worker/schema';
import { fieldPath } from './field-path.js';

/** `.` and `..` as whole path segments. */
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;

/**
 * Cache names and mount points, and artifact names: each becomes a host directory, a bind
 * mount or a URL path, where `.` and `..` would point somewhere else than the author meant.
 */
export function pathProblems(payload: DockerWorkerPayload): string[] {
  return [...cacheProblems(payload.cache ?? {}), ...artifactNameProblems(Object.keys(payload.artifacts ?? {}))];
}

function cacheProblems(caches: Record<string, string>): string[] {
  const problems: string[] = [];
  const mountedAt = new Map<string, string>();
  for (const [name, mountPoint] of Object.entries(caches)) {
    const path = fieldPath('payload.cache', name);
    if (name === '') problems.push(`${path}: a cache needs a name`);
    else if (name === '.' || name === '..') problems.push(`${path}: "${name}" is not a cache name (it names a directory)`);
    const problem = mountPointProblem(mountPoint);
    if (problem) {
      problems.push(`${path}: the mount point ${JSON.stringify(mountPoint)} ${problem}`);
      continue;
    }
    // The engine refuses two mounts at one place ("Duplicate mount point"), trailing slashes aside.
    const normal = mountPoint.replace(/\/+/g, '/').replace(/\/$/, '');
    const other = mountedAt.get(normal);
    if (other !== undefined) problems.push(`${path}: the mount point ${JSON.stringify(mountPoint)} is also where ${fieldPath('payload.cache', other)} is mounted`);
    else mountedAt.set(normal, name);
  }
  return problems;
}

function mountPointProblem(mountPoint: string): string | undefined {
  if (!mountPoint.startsWith('/')) return 'must be an absolute path in the container';
  if (/^\/+$/.test(mountPoint)) return "cannot be the container's root directory";
  if (mountPoint.includes(':')) return 'cannot contain ":" (the engine would read what follows as another path or as mount options)';
  if (DOT_SEGMENT.test(mountPoint)) return 'cannot contain "." or ".." segments';
  return undefined;
}

function artifactNameProblems(names: string[]): string[] {
  return names
    .filter((name) => DOT_SEGMENT.test(name))
    .map((name) => `${fieldPath('payload.artifacts', name)}: an artifact name cannot have "." or ".." segments (a URL resolves them away, so the upload would go to another name)`);
}
