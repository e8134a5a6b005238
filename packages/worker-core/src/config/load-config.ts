import { readFile } from 'node:fs/promises';
import { formatProblems, validateConfig, type WorkerConfig } from '@docker-worker/schema';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.js';
import { configFromEnv, type ConfigObject } from './env-overrides.js';
import { mergeConfig } from './merge.js';

export interface LoadConfigOptions {
  /** YAML or JSON file; none means every key takes its default. */
  file?: string;
  /** Profile to apply over `defaults` when the file has that layout. */
  profile?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence: CLI flags. */
  overrides?: ConfigObject;
  /** Lowest precedence, under the file: a command's own defaults (`worker run`'s workerId). */
  defaults?: ConfigObject;
}

async function readConfigFile(file: string): Promise<ConfigObject> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    parsed = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold a mapping of config keys`);
  }
  return parsed as ConfigObject;
}

/**
 * A file may be flat, or hold `defaults` plus named profiles (the original's config.yml
 * layout): then the result is `defaults` with the chosen profile merged over it.
 */
function applyProfile(file: ConfigObject, profile: string | undefined, source: string): ConfigObject {
  if (!('defaults' in file)) {
    if (profile) throw new ConfigError(`profile "${profile}" was asked for, but ${source} has no "defaults" section`);
    return file;
  }
  const defaults = (file.defaults ?? {}) as ConfigObject;
  if (!profile) return defaults;
  const chosen = file[profile];
  if (typeof chosen !== 'object' || chosen === null) {
    const known = Object.keys(file).filter((k) => k !== 'defaults');
    throw new ConfigError(`profile "${profile}" is not in ${source} (it has: ${known.join(', ') || 'none'})`);
  }
  return mergeConfig(defaults, chosen as ConfigObject);
}

/** Command defaults → config file → profile → environment → CLI flags, validated, schema defaults filled. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<WorkerConfig> {
  const env = options.env ?? process.env;
  const fromFile = options.file ? applyProfile(await readConfigFile(options.file), options.profile ?? env.DW_PROFILE, options.file) : {};
  const merged = mergeConfig(options.defaults ?? {}, fromFile, configFromEnv(env), options.overrides ?? {});
  const result = validateConfig(merged);
  if (!result.ok) {
    const where = options.file ? ` (from ${options.file}, the environment and flags)` : '';
    throw new ConfigError(`invalid worker config${where}:\n${formatProblems(result.problems)}`);
  }
  const problems = crossKeyProblems(result.value);
  if (problems.length > 0) throw new ConfigError(`invalid worker config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return result.value;
}

/** Rules that span keys, which the schema does not express. */
function crossKeyProblems(config: WorkerConfig): string[] {
  const problems: string[] = [];
  if (config.pulse && !config.pulse.url && !(config.pulse.hostname && config.pulse.username)) {
    problems.push('pulse needs either pulse.url or pulse.hostname and pulse.username');
  }
  return problems;
}
