import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { configSchema, IDENTIFIER_PATTERN, WORKER_TYPE_PATTERN } from './config-schema.js';
import type { WorkerConfig } from './config-types.js';
import { ARTIFACT_NAME_PATTERN, payloadSchema } from './payload-schema.js';
import type { DockerWorkerPayload } from './payload-types.js';

// ajv and ajv-formats are CommonJS modules whose `module.exports` carries a `default` too;
// under NodeNext the default import is `module.exports`, so take `.default` from it.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/** One thing wrong with a payload or config. */
export interface SchemaProblem {
  /** Where: `payload.maxRunTime`, `payload.artifacts["public/x"].type`, `taskQueue.pollInterval`. */
  path: string;
  /** A full sentence naming the field, e.g. `payload.maxRunTime must be an integer (got "hello")`. */
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: SchemaProblem[] };

type Json = Record<string, unknown>;
type Schema = Json;

function newAjv(useDefaults: boolean) {
  // allowUnionTypes: env values may be strings, numbers or booleans, as the original accepted.
  // optimize: false skips ajv's passes over the generated code: the config and payload schemas
  // compile in half the CPU (about 60 ms less at every start of the worker), and the validators
  // check and report exactly the same, no slower (measured, docs/benchmarks.md).
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, useDefaults, code: { optimize: false } });
  addFormats(ajv, ['date-time', 'uri']);
  return ajv;
}

let payloadValidator: ValidateFunction | undefined;
let configValidator: ValidateFunction | undefined;

function getPayloadValidator(): ValidateFunction {
  payloadValidator ??= newAjv(false).compile(payloadSchema);
  return payloadValidator;
}

function getConfigValidator(): ValidateFunction {
  configValidator ??= newAjv(true).compile(configSchema);
  return configValidator;
}

/**
 * Check a task payload against the docker-worker v1 payload schema. The input is not changed
 * and is returned as is when valid; otherwise every problem is returned.
 */
export function validatePayload(payload: unknown): Validation<DockerWorkerPayload> {
  const validate = getPayloadValidator();
  if (validate(payload)) return { ok: true, value: payload as DockerWorkerPayload };
  return { ok: false, problems: describeErrors(validate.errors ?? [], payload, 'payload', 'payload') };
}

/** A top-level payload key the schema does not describe, with a sentence for the task log. */
export interface UnknownPayloadKey {
  key: string;
  /** `payload.maxRuntime is not a payload field; it is ignored (did you mean "maxRunTime"?)`. */
  message: string;
}

/**
 * The top-level keys of a payload that the schema does not describe. The published schema
 * refuses them; this worker accepts them (payloads written for the original carry some) and
 * writes each as a warning, so a misspelt field does not go unseen.
 */
export function unknownPayloadKeys(payload: unknown): UnknownPayloadKey[] {
  if (!isPlainObject(payload)) return [];
  return Object.keys(payload)
    .filter((key) => !Object.hasOwn(payloadSchema.properties, key))
    .map((key) => ({
      key,
      message: `${renderPath('payload', payload, [key])} is not a payload field; it is ignored${unknownKeyHint(key, payloadSchema)}`,
    }));
}

/**
 * Check a worker config. Works on a deep copy: strings as they come from the environment are
 * turned into the numbers and booleans the schema asks for (`"4"` → 4, `"true"` → true), `null`
 * on an optional key means the key is absent, and every missing key gets its default.
 */
export function validateConfig(config: unknown): Validation<WorkerConfig> {
  const validate = getConfigValidator();
  const copy = coerce(configSchema, deepCopy(config));
  if (validate(copy)) return { ok: true, value: copy as WorkerConfig };
  return { ok: false, problems: describeErrors(validate.errors ?? [], copy, '', 'the worker config') };
}

/** The switch every feature section has: `false` turns the feature off on this worker. */
const FEATURE_ENABLED = {
  type: 'boolean',
  title: 'Enabled',
  description: '`false` switches the feature off on this worker.',
} as const;

/** Compiled per schema object, so a feature's schema is compiled once per process. */
const sectionValidators = new WeakMap<object, { schema: Schema; validate: ValidateFunction }>();

function sectionValidator(settings: Schema): { schema: Schema; validate: ValidateFunction } {
  let entry = sectionValidators.get(settings);
  if (!entry) {
    // Unknown keys are refused unless the feature's schema says otherwise: a misspelt key
    // must stop the worker, not leave the feature silently off.
    const schema: Schema = {
      additionalProperties: false,
      ...settings,
      type: 'object',
      properties: { ...(isPlainObject(settings.properties) ? settings.properties : {}), enabled: FEATURE_ENABLED },
    };
    entry = { schema, validate: newAjv(true).compile(schema) };
    sectionValidators.set(settings, entry);
  }
  return entry;
}

/**
 * Check one feature's worker config section (`features.<name>`) against the JSON Schema the
 * feature declares for its settings, plus `enabled`. Like validateConfig it works on a copy,
 * turns environment strings into the types asked for and fills defaults; problems name the key
 * from the top of the config (`features.chainOfTrust.ed25519SigningKeyLocaton is not a known key ...`).
 */
export function validateFeatureSection(name: string, settings: Schema, section: unknown): Validation<Json> {
  const { schema, validate } = sectionValidator(settings);
  const copy = coerce(schema, deepCopy(section ?? {}));
  if (validate(copy)) return { ok: true, value: copy as Json };
  return { ok: false, problems: describeErrors(validate.errors ?? [], copy, `features.${name}`, `features.${name}`) };
}

/** Compiled per options schema object, once per process. */
const optionsValidators = new WeakMap<object, ValidateFunction>();

/**
 * Check the per-task options a worker mapped from its payload for one feature against the
 * JSON Schema the feature declares (`Feature.optionsSchema`). Problems name the option
 * (`options of feature artifacts: artifacts.x.type must be ...`): a failure is the mapping's
 * bug, not the task's, as the payload was valid.
 */
export function validateFeatureOptions(name: string, schema: Schema, options: unknown): Validation<Json> {
  let validate = optionsValidators.get(schema);
  if (!validate) {
    validate = newAjv(false).compile(schema);
    optionsValidators.set(schema, validate);
  }
  if (validate(options)) return { ok: true, value: options as Json };
  return { ok: false, problems: describeErrors(validate.errors ?? [], options, `options of feature ${name}`, `options of feature ${name}`) };
}

/** One line per problem, for a log or a terminal. */
export function formatProblems(problems: SchemaProblem[]): string {
  return problems.map((p) => `  - ${p.message}`).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Config preparation

function isPlainObject(value: unknown): value is Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Copy of plain objects and arrays, dropping keys whose value is `undefined`. */
function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (isPlainObject(value)) {
    const out: Json = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = deepCopy(item);
    }
    return out;
  }
  return value;
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** Environment-style scalars to the type the schema wants; changes `value` in place. */
function coerce(schema: unknown, value: unknown): unknown {
  if (!isPlainObject(schema)) return value;
  const type = schema.type;
  if (typeof value === 'string') {
    const text = value.trim();
    if ((type === 'integer' || type === 'number') && NUMBER.test(text)) return Number(text);
    if (type === 'boolean' && /^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
    return value;
  }
  if (type === 'object' && isPlainObject(value)) {
    const properties = isPlainObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
    for (const [key, item] of Object.entries(value)) {
      const known = Object.hasOwn(properties, key);
      if (item === null && known && !required.includes(key)) {
        delete value[key];
        continue;
      }
      const child = known ? properties[key] : schema.additionalProperties;
      value[key] = coerce(child, item);
    }
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Messages

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Human descriptions of the patterns in our schemas, used instead of the regular expression. */
const PATTERN_HINTS: Record<string, string> = {
  [ARTIFACT_NAME_PATTERN]: 'must be at least one printable ASCII character',
  [IDENTIFIER_PATTERN]: 'must be 1 to 38 letters, digits, "-" or "_"',
  [WORKER_TYPE_PATTERN]:
    'must be 1 to 38 lowercase letters, digits or "-", starting with a letter and not ending with "-"',
};

const FORMAT_HINTS: Record<string, string> = {
  'date-time': 'must be an RFC 3339 date-time with a time zone, like "2030-01-01T00:00:00.000Z"',
  uri: 'must be an absolute URI, like "https://example.com/path"',
};

/** JSON-pointer segments of an ajv instancePath. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** `payload` + [`artifacts`, `public/x`] → `payload.artifacts["public/x"]`; array items as `[3]`. */
function renderPath(root: string, data: unknown, segments: string[]): string {
  let path = root;
  let node: unknown = data;
  for (const segment of segments) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) path += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
    node = typeof node === 'object' && node !== null ? (node as Json)[segment] : undefined;
  }
  return path;
}

function truncate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** A received value, short, for "(got ...)". */
function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return truncate(JSON.stringify(value) ?? String(value));
  } catch {
    return truncate(String(value));
  }
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeName(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ');
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment), so `evn` is one edit from `env`, as a typo of it is.
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function unknownKeyHint(key: string, parentSchema: unknown): string {
  if (!isPlainObject(parentSchema) || !isPlainObject(parentSchema.properties)) return '';
  const known = Object.keys(parentSchema.properties);
  if (known.length === 0) return '';
  const close = known
    .map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(k, key) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.min(3, Math.floor(k.length / 3))))
    .sort((x, y) => x.d - y.d);
  if (close.length > 0) return ` (did you mean "${close[0]!.k}"?)`;
  return ` (known keys: ${known.join(', ')})`;
}

/** What the alternatives of a `oneOf` accept, in words. */
function describeAlternatives(branches: unknown[]): string {
  const words: string[] = [];
  const discriminated = new Map<string, string[]>();
  for (const branch of branches) {
    if (!isPlainObject(branch)) return 'one of the allowed forms';
    const discriminators = discriminatorsOf(branch);
    if (branch.type === 'object' && discriminators.size > 0) {
      for (const [key, value] of discriminators) {
        const list = discriminated.get(key) ?? [];
        list.push(String(value));
        discriminated.set(key, list);
      }
    } else if (typeof branch.type === 'string') {
      words.push(typeName(branch.type));
    } else {
      return 'one of the allowed forms';
    }
  }
  for (const [key, values] of discriminated) words.push(`an object with ${key} ${values.join('|')}`);
  return words.join(' or ');
}

/** Properties a branch pins to one value (`type: {const: 'docker-image'}`). */
function discriminatorsOf(branch: Schema): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (isPlainObject(branch.properties)) {
    for (const [key, sub] of Object.entries(branch.properties)) {
      if (isPlainObject(sub) && 'const' in sub) out.set(key, sub.const);
    }
  }
  return out;
}

/**
 * ajv reports every branch of a failed `oneOf`. When the value's kind and discriminator pick
 * out exactly one branch, keep that branch's errors (they say what is missing or wrong);
 * otherwise replace them all with one error for the `oneOf`.
 */
function simplifyOneOf(errors: ErrorObject[]): ErrorObject[] {
  let result = errors;
  for (const oneOf of errors.filter((e) => e.keyword === 'oneOf')) {
    if (!result.includes(oneOf)) continue;
    const prefix = `${oneOf.schemaPath}/`;
    const branches = (isPlainObject(oneOf.parentSchema) && Array.isArray(oneOf.parentSchema.oneOf) ? oneOf.parentSchema.oneOf : []) as unknown[];
    const byBranch = new Map<number, ErrorObject[]>();
    for (const e of result) {
      if (!e.schemaPath.startsWith(prefix)) continue;
      const index = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
      byBranch.set(index, [...(byBranch.get(index) ?? []), e]);
    }
    const plausible = [...byBranch.entries()].filter(([index, branchErrors]) => {
      const branch = branches[index];
      const discriminators = isPlainObject(branch) ? discriminatorsOf(branch) : new Map<string, unknown>();
      return !branchErrors.some(
        (e) =>
          (e.keyword === 'type' && e.instancePath === oneOf.instancePath) ||
          (e.keyword === 'const' && discriminators.has(e.instancePath.slice(oneOf.instancePath.length + 1))) ||
          (e.keyword === 'required' && discriminators.has(String((e.params as { missingProperty?: unknown }).missingProperty))),
      );
    });
    const inBranches = new Set([...byBranch.values()].flat());
    if (plausible.length === 1) {
      const keep = new Set(plausible[0]![1]);
      result = result.filter((e) => e !== oneOf && (!inBranches.has(e) || keep.has(e)));
    } else {
      result = result.filter((e) => !inBranches.has(e));
    }
  }
  return result;
}

function describeError(e: ErrorObject, data: unknown, root: string, rootLabel: string): SchemaProblem {
  if (e.propertyName !== undefined) return describeNameError(e, data, root);
  const segments = pointerSegments(e.instancePath);
  const path = renderPath(root, data, segments);
  const subject = path === '' ? rootLabel : path;
  const got = ` (got ${show(e.data)})`;
  const params = e.params as Record<string, unknown>;
  const schema = e.schema as unknown;
  const child = (key: string) => renderPath(root, data, [...segments, key]);

  switch (e.keyword) {
    case 'type':
      return { path, message: `${subject} must be ${typeName(isPlainObject(e.parentSchema) ? e.parentSchema.type : params.type)}${got}` };
    case 'required': {
      const missing = String(params.missingProperty);
      const where = child(missing);
      return { path: where, message: `${where} is required` };
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const where = child(key);
      return { path: where, message: `${where} is not a known key${unknownKeyHint(key, e.parentSchema)}` };
    }
    case 'enum':
      return {
        path,
        message: `${subject} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`,
      };
    case 'const':
      return { path, message: `${subject} must be ${JSON.stringify(params.allowedValue)}${got}` };
    case 'minimum':
      return { path, message: `${subject} must be at least ${String(params.limit)}${got}` };
    case 'maximum':
      return { path, message: `${subject} must be at most ${String(params.limit)}${got}` };
    case 'exclusiveMinimum':
      return { path, message: `${subject} must be greater than ${String(params.limit)}${got}` };
    case 'exclusiveMaximum':
      return { path, message: `${subject} must be less than ${String(params.limit)}${got}` };
    case 'minLength':
      return params.limit === 1
        ? { path, message: `${subject} must not be empty` }
        : { path, message: `${subject} must be at least ${String(params.limit)} characters long${got}` };
    case 'maxLength':
      return { path, message: `${subject} must be at most ${String(params.limit)} characters long${got}` };
    case 'pattern': {
      const hint = PATTERN_HINTS[String(params.pattern)] ?? `must match the pattern /${String(params.pattern)}/`;
      return { path, message: `${subject} ${hint}${got}` };
    }
    case 'format': {
      const hint = FORMAT_HINTS[String(params.format)] ?? `must be a valid ${String(params.format)}`;
      return { path, message: `${subject} ${hint}${got}` };
    }
    case 'oneOf': {
      const branches = isPlainObject(e.parentSchema) && Array.isArray(e.parentSchema.oneOf) ? e.parentSchema.oneOf : [];
      return { path, message: `${subject} must be ${describeAlternatives(branches as unknown[])}${got}` };
    }
    default:
      return { path, message: `${subject} ${e.message ?? `fails the schema keyword ${e.keyword}`} (schema: ${show(schema)})` };
  }
}

/** A key refused by `propertyNames`: `payload.artifacts["café"]: the name must be ...`. */
function describeNameError(e: ErrorObject, data: unknown, root: string): SchemaProblem {
  const name = e.propertyName as string;
  const path = renderPath(root, data, [...pointerSegments(e.instancePath), name]);
  const params = e.params as Record<string, unknown>;
  const rule = e.keyword === 'pattern' ? (PATTERN_HINTS[String(params.pattern)] ?? `must match the pattern /${String(params.pattern)}/`) : (e.message ?? e.keyword);
  return { path, message: `${path}: the name ${rule}` };
}

function describeErrors(errors: ErrorObject[], data: unknown, root: string, rootLabel: string): SchemaProblem[] {
  // A name refused by `propertyNames` comes as the name's own error (carrying `propertyName`)
  // and one for the keyword itself: the first says it all.
  let kept = simplifyOneOf(errors.filter((e) => e.keyword !== 'propertyNames'));
  // A value that fails its pattern also tends to fail its format; one message is enough.
  const patternFailures = new Set(kept.filter((e) => e.keyword === 'pattern').map((e) => e.instancePath));
  kept = kept.filter((e) => !(e.keyword === 'format' && patternFailures.has(e.instancePath)));

  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const problem = describeError(e, data, root, rootLabel);
    if (seen.has(problem.message)) continue;
    seen.add(problem.message);
    problems.push(problem);
  }
  return problems;
}
