import { validateFeatureSection, type SchemaProblem, type WorkerConfig } from '@docker-worker/schema';
import type { Feature } from '@docker-worker/worker-contract';

/** A feature that declares no settings takes only the switch. */
const NO_SETTINGS = { type: 'object', properties: {} } as const;

/** The `features` config of this worker's features, as they are handed to them. */
export interface FeatureSettings {
  /**
   * Every feature's section: validated against its `configSchema`, defaults filled, without
   * `enabled`; `{enabled: false}` for a feature the config switches off.
   */
  sections: WorkerConfig['features'];
  switchedOff: ReadonlySet<string>;
}

/**
 * Checks each `features.<name>` section against the schema its feature declares (the worker
 * config schema cannot: it does not know the features). Returns the sections to hand over, or
 * every problem, each naming its key, including sections of features this worker does not have.
 */
export function featureSettings(features: readonly Feature[], configured: WorkerConfig['features']): { settings: FeatureSettings; problems: SchemaProblem[] } {
  const problems: SchemaProblem[] = [];
  const known = new Set(features.map((f) => f.name));
  for (const name of Object.keys(configured)) {
    if (!known.has(name)) {
      problems.push({ path: `features.${name}`, message: `features.${name} is not a feature of this worker (it has: ${[...known].sort().join(', ')})` });
    }
  }
  const sections: WorkerConfig['features'] = {};
  const switchedOff = new Set<string>();
  for (const feature of features) {
    const result = validateFeatureSection(feature.name, feature.configSchema ?? NO_SETTINGS, configured[feature.name]);
    if (!result.ok) {
      problems.push(...result.problems);
      continue;
    }
    const { enabled, ...section } = result.value;
    if (enabled === false) {
      switchedOff.add(feature.name);
      sections[feature.name] = { enabled: false };
    } else {
      sections[feature.name] = section;
    }
  }
  return { settings: { sections, switchedOff }, problems };
}
