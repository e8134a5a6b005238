import type { ConfigObject } from './env-overrides.js';

function isPlainObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge where later layers win; arrays and scalars replace, objects merge. */
export function mergeConfig(...layers: ConfigObject[]): ConfigObject {
  const out: ConfigObject = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const current = out[key];
      out[key] = isPlainObject(current) && isPlainObject(value) ? mergeConfig(current, value) : value;
    }
  }
  return out;
}
