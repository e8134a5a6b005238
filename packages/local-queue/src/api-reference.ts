// The API reference shipped inside taskcluster-client: the source of each route's scope
// expression, so the server checks exactly what a real deployment checks.

import apis, { type ApiReferenceEntry } from 'taskcluster-client/src/apis.js';
import type { ScopeExpression } from './auth/scopes.js';

/** Our service names (as in the URL) mapped to the keys of the client's reference table. */
export const SERVICE_REFERENCE_KEYS = {
  queue: 'Queue',
  object: 'Object',
  index: 'Index',
  'purge-cache': 'PurgeCache',
  auth: 'Auth',
} as const;

export type ServiceName = keyof typeof SERVICE_REFERENCE_KEYS;

export interface ReferenceFunction {
  service: ServiceName;
  name: string;
  method: string;
  route: string;
  args: string[];
  query: string[];
  input: string | undefined;
  scopes: ScopeExpression | undefined;
}

/** All function entries of one service's reference. */
export function referenceFunctions(service: ServiceName): ReferenceFunction[] {
  const reference = apis[SERVICE_REFERENCE_KEYS[service]]?.reference;
  if (!reference) throw new Error(`taskcluster-client has no API reference for ${service}`);
  return reference.entries
    .filter((e: ApiReferenceEntry) => e.type === 'function')
    .map((e: ApiReferenceEntry) => ({
      service,
      name: e.name,
      method: (e.method ?? 'get').toUpperCase(),
      route: e.route ?? '',
      args: e.args ?? [],
      query: e.query ?? [],
      input: e.input,
      scopes: (e.scopes ?? undefined) as ScopeExpression | undefined,
    }));
}

export function referenceFunction(service: ServiceName, name: string): ReferenceFunction {
  const entry = referenceFunctions(service).find((e) => e.name === name);
  if (!entry) throw new Error(`taskcluster-client's ${service} reference has no function ${name}`);
  return entry;
}
