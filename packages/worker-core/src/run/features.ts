import type { DockerWorkerPayload } from '@docker-worker/schema';
import type { ScopeRequirement, TaskDefinition } from '@docker-worker/worker-contract';
import type { BoundFeature, EnabledFeature } from './feature-binding.js';

/**
 * Features of the original whose services no longer exist. A payload asking for
 * one gets a sentence saying so rather than "unknown feature".
 */
const RETIRED_FEATURES: Record<string, string> = {
  azureLiveLog: 'Azure live logs were removed from docker-worker in 2016; the live log (localLiveLog) replaces them.',
  testdroidProxy: 'the Testdroid phone service it talked to no longer exists.',
  balrogVPNProxy: 'the Balrog VPN it connected to no longer exists.',
  balrogStageVPNProxy: 'the Balrog stage VPN it connected to no longer exists.',
  relengAPIProxy: 'the RelengAPI service it proxied no longer exists.',
  extendTaskGraph: 'the task-graph scheduler it called was retired in 2017.',
  dind: 'the Docker-in-Docker side-car was dropped from docker-worker, and the payload schema no longer has it.',
  dockerSave: 'saving the container as an image artifact was dropped from docker-worker, and the payload schema no longer has it.',
};

/** Top-level payload keys of the original that are refused with a reason, not ignored with a warning. */
export const RETIRED_PAYLOAD_KEYS: ReadonlySet<string> = new Set(['encryptedEnv', 'graphs']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Which features are on for this payload, and every problem with the request: unknown or
 * retired names, features the operator switched off, retired payload keys. The payload may
 * be one that failed the schema (its other problems are reported with these), so nothing here
 * trusts its types.
 */
export function selectFeatures(
  available: readonly BoundFeature[],
  payload: Readonly<Record<string, unknown>>,
  /** Features the operator switched off (`features.<name>.enabled: false` in the worker config). */
  switchedOff: ReadonlySet<string> = new Set(),
): { enabled: BoundFeature[]; problems: string[] } {
  const requested = isPlainObject(payload.features) ? payload.features : {};
  const problems: string[] = [];
  const known = new Set(available.map((f) => f.name));
  for (const name of Object.keys(requested)) {
    if (switchedOff.has(name)) {
      if (requested[name] === true) problems.push(`payload.features.${name} is switched off on this worker (features.${name}.enabled is false in its config)`);
      continue;
    }
    if (known.has(name)) continue;
    if (name in RETIRED_FEATURES) problems.push(`payload.features.${name} is retired and cannot be used: ${RETIRED_FEATURES[name]}`);
    else problems.push(`payload.features.${name} is not a feature this worker offers (it offers: ${[...known].sort().join(', ')})`);
  }
  const wanted = (feature: BoundFeature) => (typeof requested[feature.name] === 'boolean' ? requested[feature.name] === true : feature.defaultEnabled);
  const enabled = available.filter((f) => !switchedOff.has(f.name) && wanted(f));
  if ('encryptedEnv' in payload) problems.push('payload.encryptedEnv is retired: OpenPGP-encrypted environment variables were removed in 2019; use Taskcluster secrets.');
  if ('graphs' in payload) problems.push('payload.graphs is retired: the task-graph scheduler it extended was retired in 2017.');
  return { enabled, problems };
}

/** The scopes the enabled features need, one requirement per feature. */
export function featureScopes(enabled: readonly EnabledFeature[], task: TaskDefinition): ScopeRequirement[] {
  return enabled.flatMap(({ bound, options }) => {
    const scopes = bound.feature.requiredScopes?.(task, options) ?? [];
    if (scopes.length === 0) return [];
    return [{ for: bound.requestedBy?.field ?? `payload.features.${bound.name}`, scopes: scopes.length === 1 ? scopes[0]! : { AllOf: scopes } }];
  });
}

/**
 * What the payload asks for through a feature's other field (see FeatureRequest) while the
 * feature is off, one sentence per sub-field: the task would otherwise run without it.
 */
export function unmetRequests(
  available: readonly BoundFeature[],
  enabled: readonly BoundFeature[],
  payload: DockerWorkerPayload,
  switchedOff: ReadonlySet<string> = new Set(),
): string[] {
  return available.flatMap((bound) => {
    if (!bound.requestedBy || enabled.includes(bound)) return [];
    const why = switchedOff.has(bound.name)
      ? `the ${bound.name} feature is switched off on this worker (features.${bound.name}.enabled is false in its config)`
      : `payload.features.${bound.name} is false`;
    return bound.requestedBy.asked(payload).map((sub) => `${bound.requestedBy!.field}.${sub}: ${why}`);
  });
}
