/**
 * Environment overrides for the worker config.
 *
 * The standard Taskcluster variables (TASKCLUSTER_ROOT_URL, _CLIENT_ID, _ACCESS_TOKEN,
 * _CERTIFICATE) work as every Taskcluster tool reads them. Any other key is reachable as
 * `DW_<KEY>` in upper snake case, with `__` between nesting levels:
 * `DW_CAPACITY=4`, `DW_TASK_QUEUE__POLL_INTERVAL=1000`, `DW_DOCKER_CONFIG__ALLOW_PRIVILEGED=true`.
 * Values stay strings here; the config schema coerces them to the key's type.
 */
export type ConfigObject = Record<string, unknown>;

const PREFIX = 'DW_';

/** `TASK_QUEUE` → `taskQueue`. */
function camelCase(snake: string): string {
  return snake.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function setPath(target: ConfigObject, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as ConfigObject;
  }
  node[path[path.length - 1]!] = value;
}

/** The overrides found in `env`, as a partial config object. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigObject {
  const out: ConfigObject = {};
  if (env.TASKCLUSTER_ROOT_URL) out.rootUrl = env.TASKCLUSTER_ROOT_URL;
  if (env.TASKCLUSTER_CLIENT_ID || env.TASKCLUSTER_ACCESS_TOKEN) {
    const creds: ConfigObject = { clientId: env.TASKCLUSTER_CLIENT_ID, accessToken: env.TASKCLUSTER_ACCESS_TOKEN };
    if (env.TASKCLUSTER_CERTIFICATE) creds.certificate = env.TASKCLUSTER_CERTIFICATE;
    out.taskcluster = creds;
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined || name === 'DW_PROFILE') continue;
    const path = name.slice(PREFIX.length).split('__').map(camelCase);
    if (path.some((p) => p === '')) continue;
    setPath(out, path, parseValue(value));
  }
  return out;
}

/** JSON when it parses as an object or array (for map-valued keys), else the raw string. */
function parseValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}
