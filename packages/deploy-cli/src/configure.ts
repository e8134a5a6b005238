/**
 * `dw-deploy configure`: deploy.json from prompts (defaults: the existing file, then each
 * variable's default), or from `--from FILE` and `--set key=value` without any prompt.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import promptsLib from 'prompts';
import {
  checkValue,
  defaults,
  parseSetValue,
  parseSets,
  readDeployFile,
  readJsonValues,
  validateValues,
  writeDeployFile,
  type Value,
  type Values,
} from './deploy-config.js';
import { DeployError } from './errors.js';
import type { Output } from './process.js';
import { KEY_FILES } from './render.js';
import { VARIABLES, type Variable } from './variables.js';

/** Variables holding a local file path: made absolute at configure time, so they mean the same from any folder. */
const PATH_VARIABLES = KEY_FILES.map((key) => key.variable);

/** The subset of the prompts library dw-deploy uses; tests may pass their own. */
export type Ask = (questions: promptsLib.PromptObject[], options?: promptsLib.Options) => Promise<Record<string, unknown>>;

export interface ConfigureOptions {
  configFile: string;
  cwd: string;
  sets: readonly string[];
  from?: string;
  /** Whether prompting is possible (stdin is a terminal). */
  interactive: boolean;
  output: Output;
  ask?: Ask;
}

function absolutePaths(values: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const out = { ...values };
  for (const key of PATH_VARIABLES) {
    const value = out[key];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value)) out[key] = resolve(cwd, value);
  }
  return out;
}

function report(problems: string[], configFile: string): DeployError {
  return new DeployError(
    `not written: ${problems.length} problem${problems.length === 1 ? '' : 's'} with the deploy variables:\n` +
      `${problems.map((p) => `  - ${p}`).join('\n')}\n(${configFile} is unchanged)`,
  );
}

export async function configure(options: ConfigureOptions): Promise<Values> {
  const { configFile, cwd, output } = options;
  const existing = (await readDeployFile(configFile)) ?? {};
  const fromFile = options.from ? await readJsonValues(resolve(cwd, options.from)) : {};
  const sets = parseSets(options.sets);
  const given = absolutePaths({ ...fromFile, ...sets }, cwd);
  const start = { ...defaults(), ...existing, ...given };

  let values: Record<string, unknown>;
  if (options.from !== undefined || options.sets.length > 0) {
    values = start;
  } else {
    if (!options.interactive) {
      throw new DeployError('no terminal to ask on: give the variables with --set key=value (repeatable) or --from FILE', 2);
    }
    values = await askAll(start, options.ask ?? (promptsLib as unknown as Ask), output, cwd, configFile);
  }

  const result = validateValues(values);
  if (!result.ok) throw report(result.problems, configFile);
  await writeDeployFile(configFile, result.values);
  output.stdout(`wrote ${relative(cwd, configFile) || configFile} (${VARIABLES.length} variables)`);
  return result.values;
}

function question(variable: Variable, current: unknown): promptsLib.PromptObject {
  const message = `${variable.key}: ${variable.description}`;
  const { schema } = variable;
  if (schema.type === 'boolean') {
    return { type: 'toggle', name: variable.key, message, initial: current === true, active: 'yes', inactive: 'no' };
  }
  if (schema.type === 'string' && schema.enum) {
    const index = schema.enum.indexOf(String(current));
    return {
      type: 'select',
      name: variable.key,
      message,
      choices: schema.enum.map((value) => ({ title: value, value })),
      initial: index >= 0 ? index : 0,
    };
  }
  return {
    type: 'text',
    name: variable.key,
    message: variable.example ? `${message} (e.g. ${variable.example})` : message,
    initial: current === undefined ? '' : String(current),
    validate: (input: string) => checkValue(variable.key, parseSetValue(variable.key, input)),
    format: (input: string) => {
      const value = parseSetValue(variable.key, input);
      return typeof value === 'string' ? value.trim() : value;
    },
  };
}

/** One prompt per variable, then the summary and a confirmation; "no" asks again from the answers given. */
async function askAll(start: Record<string, unknown>, ask: Ask, output: Output, cwd: string, configFile: string): Promise<Record<string, unknown>> {
  let current = { ...start };
  for (;;) {
    let cancelled = false;
    const answers = await ask(
      VARIABLES.map((variable) => question(variable, current[variable.key])),
      { onCancel: () => ((cancelled = true), false) },
    );
    if (cancelled) throw new DeployError(`configure cancelled: ${configFile} is unchanged`, 130);
    current = absolutePaths({ ...current, ...answers }, cwd);
    output.stdout('');
    for (const variable of VARIABLES) output.stdout(`  ${variable.key} = ${JSON.stringify(current[variable.key] as Value)}`);
    const { confirmed } = await ask([{ type: 'confirm', name: 'confirmed', message: `Write these to ${configFile}?`, initial: true }], {
      onCancel: () => ((cancelled = true), false),
    });
    if (cancelled) throw new DeployError(`configure cancelled: ${configFile} is unchanged`, 130);
    if (confirmed === true) return current;
  }
}
