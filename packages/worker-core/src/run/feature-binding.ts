import type { DockerWorkerPayload } from '@docker-worker/schema';
import type { Feature } from '@docker-worker/worker-contract';

/**
 * A feature as docker-worker offers it. Features know nothing of docker-worker's payload: this
 * says which payload switch turns one on (`payload.features.<name>`, `defaultEnabled` when the
 * payload does not say) and how the payload maps onto the feature's options. The composition
 * root binds every feature the worker offers; the pipeline only ever sees bindings.
 */
export interface BoundFeature {
  /** The feature's name: its `payload.features` key and its `features.<name>` config section. */
  readonly name: string;
  readonly defaultEnabled: boolean;
  // The options' type is each feature's own; the binding's mapping and the feature agree on it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly feature: Feature<any>;
  /** The feature's options for this (valid) payload. */
  options(payload: DockerWorkerPayload): unknown;
  /** See `FeatureRequest`. */
  readonly requestedBy?: FeatureRequest;
}

/**
 * A payload field other than `payload.features.<name>` that asks for what the feature gives
 * (`payload.capabilities.devices` for the devices feature): scope problems name it, and a
 * request made through it while the feature is off is refused rather than run without.
 */
export interface FeatureRequest {
  /** The field, as messages name it: `payload.capabilities.devices`. */
  field: string;
  /** The sub-fields of it this payload sets (`loopbackVideo`), none when it asks for nothing. */
  asked(payload: DockerWorkerPayload): string[];
}

export function bindFeature<Options>(
  feature: Feature<Options>,
  binding: { defaultEnabled: boolean; options?: (payload: DockerWorkerPayload) => Options; requestedBy?: FeatureRequest },
): BoundFeature {
  const options = binding.options ?? (() => ({}));
  return { name: feature.name, defaultEnabled: binding.defaultEnabled, feature, options, ...(binding.requestedBy ? { requestedBy: binding.requestedBy } : {}) };
}

/** A feature with the options mapped for one task: what a run's pipeline holds. */
export interface EnabledFeature {
  readonly bound: BoundFeature;
  readonly options: unknown;
}

/** Hook order: `run` features in the order given, then `seal` features (see FeaturePhase). */
export function inPhaseOrder<T extends { bound: BoundFeature }>(features: readonly T[]): T[] {
  const seal = (f: T) => f.bound.feature.phase === 'seal';
  return [...features.filter((f) => !seal(f)), ...features.filter(seal)];
}
