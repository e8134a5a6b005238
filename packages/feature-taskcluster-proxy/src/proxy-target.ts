/**
 * Where a request to the proxy goes: the three URL forms tasks use, mapped onto the deployment's
 * root URL. The path's query string comes along unchanged.
 */
export type ProxyTarget = { url: string } | { error: string };

/** `v1`, `v2`, ...: what tells the shortcut form's second segment from a hostname form's path. */
const VERSION = /^v\d+$/;

/** A service name (`queue`, `purge-cache`): never a dotted hostname. */
const SERVICE = /^[a-z][a-z0-9-]*$/i;

/** The deployment the pre-root-URL hostnames (`queue.taskcluster.net`) belong to. */
const LEGACY_ROOT_URL = 'https://taskcluster.net';

/** A service's API URL under a root URL, as the Taskcluster clients build it. */
export function serviceUrl(rootUrl: string, service: string, version: string, rest: string): string {
  const root = rootUrl.replace(/\/+$/, '');
  if (root === LEGACY_ROOT_URL) return `https://${service}.taskcluster.net/${version}/${rest}`;
  return `${root}/api/${service}/${version}/${rest}`;
}

/**
 * - `/api/<service>/<version>/<path>`: the root-URL form (a client given `rootUrl=http://taskcluster`);
 * - `/<service>/<version>/<path>`: the shortcut form;
 * - `/<hostname>/<path>`: the hostname form, for the deployment's own host only (the proxy signs
 *   requests for no other host: its signature would be good for a replay at the deployment).
 */
export function proxyTarget(rootUrl: string, requestPath: string): ProxyTarget {
  const queryAt = requestPath.indexOf('?');
  const path = queryAt === -1 ? requestPath : requestPath.slice(0, queryAt);
  const query = queryAt === -1 ? '' : requestPath.slice(queryAt);
  const segments = path.replace(/^\/+/, '').split('/');
  const [first = '', second = '', third = ''] = segments;
  if (first === 'api' && SERVICE.test(second) && VERSION.test(third)) {
    return { url: serviceUrl(rootUrl, second, third, segments.slice(3).join('/')) + query };
  }
  if (SERVICE.test(first) && VERSION.test(second)) {
    return { url: serviceUrl(rootUrl, first, second, segments.slice(2).join('/')) + query };
  }
  const root = new URL(rootUrl);
  if (first && first.toLowerCase() === root.host.toLowerCase()) {
    return { url: `${root.protocol}//${root.host}/${segments.slice(1).join('/')}${query}` };
  }
  if (first && root.origin === LEGACY_ROOT_URL && /^[a-z0-9-]+\.taskcluster\.net$/i.test(first)) {
    return { url: `https://${first}/${segments.slice(1).join('/')}${query}` };
  }
  return {
    error:
      `The proxy does not know where ${path} goes: use /api/<service>/<version>/<path>, ` +
      `/<service>/<version>/<path> or /${root.host}/<path> (requests are signed for ${root.host} only)`,
  };
}
