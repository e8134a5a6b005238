import type { Feature, FeaturePhase, TaskContext, TaskFeature, WorkerIdentity } from '@docker-worker/worker-contract';
import type { ProcessPayload } from './payload.js';

/**
 * A feature as this worker offers it: the feature, how this worker's payload maps onto the
 * feature's options (the feature never reads the payload), and its worker config section.
 */
export interface HostedFeature {
  readonly name: string;
  readonly phase: FeaturePhase;
  /** Artifact names a task may not declare: the feature publishes them. */
  readonly reservedArtifacts: readonly string[];
  /** Why this host cannot offer it (see `Feature.checkHost`); undefined when it can. */
  checkHost(worker: WorkerIdentity): Promise<string | undefined>;
  /**
   * The run's hooks, or undefined when the feature is off for this run. `payload` is undefined
   * when the payload was invalid: only features that should still run then (the log, which
   * says why) map it to options.
   */
  forTask(ctx: TaskContext, payload: ProcessPayload | undefined): TaskFeature | undefined;
}

export interface Hosting<Options> {
  /** The feature's options for this payload; undefined turns it off for the run. */
  options: (payload: ProcessPayload | undefined) => Options | undefined;
  /** Its worker config section, as `Feature.configSchema` describes it; `{}` by default. */
  config?: Record<string, unknown>;
}

export function hostFeature<Options>(feature: Feature<Options>, hosting: Hosting<Options>): HostedFeature {
  // This worker does not expand the task's scopes (no auth call), so it cannot honour a
  // feature that asks for some: better refused here than run unchecked.
  if (feature.requiredScopes) throw new Error(`feature ${feature.name} requires scopes, which this worker does not check`);
  const config = hosting.config ?? {};
  return {
    name: feature.name,
    phase: feature.phase ?? 'run',
    reservedArtifacts: feature.reservedArtifacts ?? [],
    checkHost: async (worker) => feature.checkHost?.(worker, config),
    forTask: (ctx, payload) => {
      const options = hosting.options(payload);
      return options === undefined ? undefined : feature.forTask({ ...ctx, config }, options);
    },
  };
}
