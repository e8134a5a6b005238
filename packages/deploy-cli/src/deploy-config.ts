/**
 * deploy.json: reading, merging (`--from`, `--set`), validating (ajv, one message per problem
 * naming the variable) and writing.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { DeployError } from './errors.js';
import { VARIABLES, findVariable, suggestKey, type Variable } from './variables.js';

// ajv is CommonJS; under NodeNext its default import is `module.exports`, whose `default` is the class.
const Ajv = AjvModule.default;

export type Value = string | number | boolean;
/** Variables by dotted key. */
export type Values = Record<string, Value>;

export type Validation = { ok: true; values: Values } | { ok: false; problems: string[] };

type Json = Record<string, unknown>;

/** The JSON Schema of deploy.json, nested like the file, built from the variable list. */
export function deployJsonSchema(): Json {
  const root: Json = { type: 'object', additionalProperties: false, properties: {}, required: [] };
  for (const variable of VARIABLES) {
    const parts = variable.key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const properties = node.properties as Json;
      properties[part] ??= { type: 'object', additionalProperties: false, properties: {}, required: [] };
      if (!(node.required as string[]).includes(part)) (node.required as string[]).push(part);
      node = properties[part] as Json;
    }
    const leaf = parts[parts.length - 1]!;
    (node.properties as Json)[leaf] = { ...variable.schema, description: variable.description };
    (node.required as string[]).push(leaf);
  }
  return root;
}

let validator: ValidateFunction | undefined;
function compiled(): ValidateFunction {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(deployJsonSchema());
  return validator;
}

const perVariable = new Map<string, ValidateFunction>();
function variableValidator(variable: Variable): ValidateFunction {
  let fn = perVariable.get(variable.key);
  if (!fn) {
    fn = new Ajv({ allErrors: true, strict: true }).compile(variable.schema);
    perVariable.set(variable.key, fn);
  }
  return fn;
}

/** `a.b.c` → `{a: {b: {c: value}}}`, in the order of the variable list. */
export function nest(values: Values): Json {
  const out: Json = {};
  const keys = [...VARIABLES.map((v) => v.key).filter((k) => k in values), ...Object.keys(values).filter((k) => !findVariable(k))];
  for (const key of keys) {
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Json;
    }
    node[parts[parts.length - 1]!] = values[key];
  }
  return out;
}

/**
 * A nested (or dotted-key) object → values by dotted key. Anything that is not a scalar at a
 * variable's place is kept as it is, so validation reports it by name.
 */
export function flatten(document: unknown, source: string): Record<string, unknown> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new DeployError(`${source}: expected a JSON object of deploy variables`);
  }
  const out: Record<string, unknown> = {};
  const walk = (node: Json, prefix: string) => {
    for (const [name, value] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && !findVariable(key)) walk(value as Json, key);
      else out[key] = value;
    }
  };
  walk(document as Json, '');
  return out;
}

/** A `--set` value as its variable's type, when it reads as one (else left a string for validation to name). */
export function parseSetValue(key: string, raw: string): unknown {
  const variable = findVariable(key);
  if (!variable) return raw;
  if (variable.schema.type === 'integer' && /^-?[0-9]+$/.test(raw.trim())) return Number(raw.trim());
  if (variable.schema.type === 'boolean') {
    const lower = raw.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(lower)) return true;
    if (['false', 'no', 'off', '0'].includes(lower)) return false;
  }
  return raw;
}

/** `key=value` pairs of `--set` → values by key. */
export function parseSets(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new DeployError(`--set ${pair}: expected key=value, e.g. --set worker.capacity=4`, 2);
    const key = pair.slice(0, eq).trim();
    out[key] = parseSetValue(key, pair.slice(eq + 1));
  }
  return out;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function keyOf(error: ErrorObject): string {
  return error.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function requiredProblem(variable: Variable): string {
  return `${variable.key} is required: ${variable.description}${variable.example ? ` (e.g. ${variable.example})` : ''}`;
}

function problemOf(error: ErrorObject, flat: Record<string, unknown>): string | undefined {
  const at = keyOf(error);
  const value = flat[at];
  const variable = findVariable(at);
  switch (error.keyword) {
    case 'required': {
      const key = at ? `${at}.${String(error.params.missingProperty)}` : String(error.params.missingProperty);
      const missing = findVariable(key);
      if (!missing) {
        // A whole group is missing: each of its variables is reported on its own.
        return undefined;
      }
      return requiredProblem(missing);
    }
    case 'additionalProperties': {
      const key = at ? `${at}.${String(error.params.additionalProperty)}` : String(error.params.additionalProperty);
      const suggestion = suggestKey(key);
      return `${key} is not a deploy variable${suggestion ? ` (did you mean ${suggestion}?)` : ''}; \`dw-deploy variables\` lists them`;
    }
    case 'type':
      return `${at} must be ${error.params.type === 'integer' ? 'an integer' : `a ${String(error.params.type)}`} (got ${describe(value)})`;
    case 'enum':
      return `${at} must be one of ${(error.params.allowedValues as unknown[]).join(', ')} (got ${describe(value)})`;
    case 'pattern':
      return `${at} is not valid${variable?.example !== undefined ? `: expected something like ${variable.example}` : ` (must match ${String(error.params.pattern)})`} (got ${describe(value)})`;
    case 'minimum':
      return `${at} must be at least ${String(error.params.limit)} (got ${describe(value)})`;
    case 'maximum':
      return `${at} must be at most ${String(error.params.limit)} (got ${describe(value)})`;
    case 'minLength':
      return `${at} must not be empty`;
    default:
      return `${at || 'deploy.json'} ${error.message ?? 'is invalid'}`;
  }
}

/** Checks that involve two variables. */
function crossProblems(values: Values): string[] {
  const problems: string[] = [];
  if (Boolean(values['tls.certificate']) !== Boolean(values['tls.key'])) {
    problems.push(
      values['tls.certificate']
        ? 'tls.key is required when tls.certificate is set (the key of that certificate)'
        : 'tls.certificate is required when tls.key is set (the certificate of that key)',
    );
  }
  const driver = values['docker.storageDriver'];
  const layout = values['disks.layout'];
  if (driver === 'btrfs' && layout === 'lvm') {
    problems.push('docker.storageDriver btrfs needs a btrfs /mnt, but disks.layout is lvm (ext4): set disks.layout to btrfs or auto, or the driver to overlay2');
  }
  if (driver === 'overlay2' && layout === 'btrfs') {
    problems.push('docker.storageDriver overlay2 does not run on btrfs, but disks.layout is btrfs: set the driver to btrfs or auto, or disks.layout to lvm or auto');
  }
  return problems;
}

/** Validates a complete set of values (defaults already applied). */
export function validateValues(flat: Record<string, unknown>): Validation {
  const document = nest(flat as Values);
  const fn = compiled();
  if (!fn(document)) {
    const problems = [...new Set((fn.errors ?? []).map((e) => problemOf(e, flat)).filter((p): p is string => p !== undefined))];
    // A missing group (e.g. no "aws" at all) is reported as its missing variables.
    for (const error of fn.errors ?? []) {
      if (error.keyword !== 'required') continue;
      const group = [keyOf(error), String(error.params.missingProperty)].filter(Boolean).join('.');
      if (findVariable(group)) continue;
      for (const variable of VARIABLES.filter((v) => v.key.startsWith(`${group}.`) && !(v.key in flat))) {
        problems.push(requiredProblem(variable));
      }
    }
    return { ok: false, problems: [...problems, ...crossProblems(flat as Values)] };
  }
  const values = flat as Values;
  const cross = crossProblems(values);
  return cross.length > 0 ? { ok: false, problems: cross } : { ok: true, values };
}

/** One value on its own, for an interactive prompt: `true` or the problem. */
export function checkValue(key: string, value: unknown): true | string {
  const variable = findVariable(key);
  if (!variable) return `${key} is not a deploy variable`;
  const fn = variableValidator(variable);
  if (fn(value)) return true;
  return problemOf({ ...fn.errors![0]!, instancePath: `/${key.split('.').join('/')}` }, { [key]: value }) ?? `${key} is invalid`;
}

/** Defaults of every variable that has one. */
export function defaults(): Record<string, unknown> {
  return Object.fromEntries(VARIABLES.filter((v) => v.default !== undefined).map((v) => [v.key, v.default]));
}

/** The values in deploy.json, by dotted key, or `undefined` when there is no file. */
export async function readDeployFile(path: string): Promise<Record<string, unknown> | undefined> {
  if (!existsSync(path)) return undefined;
  return readJsonValues(path);
}

/** A JSON file of variables (nested or dotted keys), by dotted key. */
export async function readJsonValues(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DeployError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new DeployError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return flatten(document, path);
}

/** The validated values of deploy.json, for render and build. */
export async function loadDeployConfig(path: string): Promise<Values> {
  const stored = await readDeployFile(path);
  if (!stored) throw new DeployError(`no deploy variables at ${path}: run \`dw-deploy configure\` first`);
  const result = validateValues({ ...defaults(), ...stored });
  if (!result.ok) {
    throw new DeployError(`${path} is not valid, ${result.problems.length} problem(s):\n${result.problems.map((p) => `  - ${p}`).join('\n')}\nFix it with \`dw-deploy configure\`.`);
  }
  return result.values;
}

export async function writeDeployFile(path: string, values: Values): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(nest(values), null, 2)}\n`);
  await rename(temporary, path);
}
