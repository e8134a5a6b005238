import type { DockerWorkerPayload, Feature, TaskDefinition } from '@docker-worker/worker-contract';
import { missingScopes } from './scopes.js';

/**
 * Features of the original whose services no longer exist (PRODUCT.md). A payload asking for
 * one gets a sentence saying so rather than "unknown feature".
 */
const RETIRED_FEATURES: Record<string, string> = {
  azureLiveLog: 'Azure live logs were removed from docker-worker in 2016; the live log (localLiveLog) replaces them.',
  testdroidProxy: 'the Testdroid phone service it talked to no longer exists.',
  balrogVPNProxy: 'the Balrog VPN it connected to no longer exists.',
  balrogStageVPNProxy: 'the Balrog stage VPN it connected to no longer exists.',
  relengAPIProxy: 'the RelengAPI service it proxied no longer exists.',
  extendTaskGraph: 'the task-graph scheduler it called was retired in 2017.',
};

/**
 * Which features are on for this payload, and every problem with the request: unknown or
 * retired names, and scopes the task lacks for a feature it turned on.
 */
export function selectFeatures(
  available: readonly Feature[],
  payload: DockerWorkerPayload,
  task: TaskDefinition,
  /** Features the operator switched off (`features.<name>.enabled: false` in the worker config). */
  switchedOff: ReadonlySet<string> = new Set(),
): { enabled: Feature[]; problems: string[] } {
  const requested = payload.features ?? {};
  const problems: string[] = [];
  const known = new Set(available.map((f) => f.name));
  for (const name of Object.keys(requested)) {
    if (switchedOff.has(name)) {
      if (requested[name]) problems.push(`payload.features.${name} is switched off on this worker (features.${name}.enabled is false in its config)`);
      continue;
    }
    if (known.has(name)) continue;
    if (name in RETIRED_FEATURES) problems.push(`payload.features.${name} is retired and cannot be used: ${RETIRED_FEATURES[name]}`);
    else problems.push(`payload.features.${name} is not a feature this worker offers (it offers: ${[...known].sort().join(', ')})`);
  }
  const enabled = available.filter((f) => !switchedOff.has(f.name) && (requested[f.name] ?? f.defaultEnabled));
  for (const feature of enabled) {
    const missing = missingScopes(task.scopes ?? [], feature.requiredScopes?.(task) ?? []);
    if (missing.length > 0) problems.push(`payload.features.${feature.name} needs the task scope(s) ${missing.join(', ')}`);
  }
  if ('encryptedEnv' in payload) problems.push('payload.encryptedEnv is retired: OpenPGP-encrypted environment variables were removed in 2019; use Taskcluster secrets.');
  if ('graphs' in payload) problems.push('payload.graphs is retired: the task-graph scheduler it extended was retired in 2017.');
  return { enabled, problems };
}
