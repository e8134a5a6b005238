import { payloadSchema, unknownPayloadKeys, validateFeatureOptions, validatePayload, type DockerWorkerPayload, type SchemaProblem } from '@docker-worker/schema';
import { InternalError, MalformedPayloadError, type ImageSpec, type Runtime, type ScopeRequirement, type TaskDefinition } from '@docker-worker/worker-contract';
import type { BoundFeature, EnabledFeature } from './feature-binding.js';
import { RETIRED_PAYLOAD_KEYS, featureScopes, selectFeatures, unmetRequests } from './features.js';
import { fieldPath } from './field-path.js';
import { payloadValueProblems } from './payload-checks.js';
import { requestProblems, requestScopes, type HostOffer } from './task-requests.js';
import { scopeProblems, type ExpandScopes } from './task-scopes.js';

/** What validation asks of the worker beyond its config. */
export interface ValidationHost extends HostOffer {
  /** The runtime, for the scopes its images need (registry credentials, private artifacts). */
  runtime?: Pick<Runtime, 'requiredScopes'>;
  /** The auth service's expandScopes, with the claim's credentials: roles then count. */
  expandScopes?: ExpandScopes;
}

/**
 * One sentence per top-level payload key the schema does not describe, for warning lines in
 * the task log: the run goes ahead without them. Retired keys are not among them; those are
 * refused, with the reason.
 */
export function payloadWarnings(payload: unknown): string[] {
  return unknownPayloadKeys(payload)
    .filter(({ key }) => !RETIRED_PAYLOAD_KEYS.has(key))
    .map(({ message }) => message);
}

/**
 * Everything checked before anything starts. Every problem is collected, so the task author
 * sees them all in one run instead of one per retry: a payload that fails the schema still
 * has its feature names checked; scopes are checked once the payload can be read.
 */
export async function validateTask(
  task: TaskDefinition,
  available: readonly BoundFeature[],
  host: ValidationHost,
): Promise<{ payload: DockerWorkerPayload; features: EnabledFeature[] }> {
  const schema = validatePayload(task.payload);
  const raw: unknown = task.payload;
  const readable = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const { enabled, problems } = selectFeatures(available, readable, host.switchedOff);
  const refused = schemaProblems(schema, available, readable);
  if (refused.length > 0) throw new MalformedPayloadError([...refused.map((p) => p.message), ...problems]);
  // Valid but for feature names this worker offers beyond the published ones (or explains).
  const payload = task.payload as DockerWorkerPayload;
  problems.push(...requestProblems(payload, task, host));
  problems.push(...unmetRequests(available, enabled, payload, host.switchedOff));
  problems.push(...payloadValueProblems(payload));
  const features = enabled.map((bound) => ({ bound, options: featureOptions(bound, payload) }));
  const reserved = new Set(enabled.flatMap((f) => f.feature.reservedArtifacts ?? []));
  for (const name of Object.keys(payload.artifacts ?? {})) {
    if (reserved.has(name)) problems.push(`payload.artifacts["${name}"] uses a name the worker reserves for its own artifacts`);
  }
  const required = [...requestScopes(payload, task), ...featureScopes(features, task), ...runtimeScopes(host.runtime, payload, task, problems)];
  problems.push(...(await scopeProblems(task, required, host.expandScopes)));
  if (problems.length > 0) throw new MalformedPayloadError(problems);
  return { payload, features };
}

/**
 * The options the binding maps from a valid payload, checked against the feature's schema: a
 * mismatch is this worker's bug (the payload was valid), so it is an internal error.
 */
function featureOptions(bound: BoundFeature, payload: DockerWorkerPayload): unknown {
  const options = bound.options(payload);
  const schema = bound.feature.optionsSchema;
  if (!schema) return options;
  const checked = validateFeatureOptions(bound.name, schema, options);
  if (!checked.ok) throw new InternalError(`the worker mapped the payload onto options feature ${bound.name} refuses: ${checked.problems.map((p) => p.message).join('; ')}`);
  return options;
}

/**
 * The schema lists the published features only; which names a payload may use is this
 * worker's to say (a feature it offers beyond them is fine, and selectFeatures explains each
 * name it does not offer: retired, or unknown with the list of what it offers). So the
 * schema's "not a known key" for a feature name is left out, and the boolean check it could
 * not make for such a name is made here.
 */
function withoutFeatureNames(problems: SchemaProblem[], available: readonly BoundFeature[], payload: Record<string, unknown>): SchemaProblem[] {
  const features = payload.features;
  if (typeof features !== 'object' || features === null || Array.isArray(features)) return problems;
  const listed = new Set(Object.keys(payloadSchema.properties.features.properties));
  const offered = new Set(available.map((f) => f.name));
  const unlisted = Object.entries(features as Record<string, unknown>).filter(([name]) => !listed.has(name));
  const paths = new Set(unlisted.map(([name]) => fieldPath('payload.features', name)));
  const typeProblems = unlisted
    .filter(([name, value]) => offered.has(name) && typeof value !== 'boolean')
    .map(([name, value]) => {
      const path = fieldPath('payload.features', name);
      return { path, message: `${path} must be a boolean (true or false) (got ${JSON.stringify(value)})` };
    });
  return [...problems.filter((p) => !paths.has(p.path)), ...typeProblems];
}

/**
 * Schema problems, less those about feature names only (see withoutFeatureNames): none left
 * means the payload is valid but for them.
 */
function schemaProblems(schema: ReturnType<typeof validatePayload>, available: readonly BoundFeature[], payload: Record<string, unknown>): SchemaProblem[] {
  return schema.ok ? withoutFeatureNames([], available, payload) : withoutFeatureNames(schema.problems, available, payload);
}

/** The runtime's requirements; a payload it cannot read adds its problems instead. */
function runtimeScopes(runtime: ValidationHost['runtime'], payload: DockerWorkerPayload, task: TaskDefinition, problems: string[]): ScopeRequirement[] {
  try {
    return runtime?.requiredScopes?.(payload.image as ImageSpec, task) ?? [];
  } catch (err) {
    if (!(err instanceof MalformedPayloadError)) throw err;
    problems.push(...err.problems);
    return [];
  }
}
