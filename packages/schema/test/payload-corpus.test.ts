import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { payloadSchema } from '../src/payload-schema.js';
import { unknownPayloadKeys, validatePayload } from '../src/validate.js';
import { accepted, looserEnv, refused, unknownTopLevel } from './payload-corpus.js';
import { publishedPayloadSchema } from './published-payload-schema.js';

const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv, ['date-time']);
const published = ajv.compile(publishedPayloadSchema);
const ours = (payload: unknown) => validatePayload(payload);

describe('our payload schema against the published one, on the corpus', () => {
  it.each(accepted)('both accept %s, with no warning', (_name, payload) => {
    expect(published(payload)).toBe(true);
    expect(ours(payload)).toEqual({ ok: true, value: payload });
    expect(unknownPayloadKeys(payload)).toEqual([]);
  });

  it.each(refused)('both refuse %s; ours names %s', (_name, payload, path) => {
    expect(published(payload)).toBe(false);
    const result = ours(payload);
    if (result.ok) throw new Error('accepted');
    expect(result.problems.map((p) => p.path)).toEqual([path]);
    expect(result.problems[0]!.message.startsWith(path)).toBe(true);
  });

  it.each(unknownTopLevel)('the published schema refuses %s; ours accepts it with a warning per key', (_name, payload, warnings) => {
    expect(published(payload)).toBe(false);
    expect(ours(payload).ok).toBe(true);
    const found = unknownPayloadKeys(payload).map((k) => k.message);
    expect(found).toHaveLength(warnings.length);
    warnings.forEach((warning, i) => (typeof warning === 'string' ? expect(found[i]).toBe(warning) : expect(found[i]).toMatch(warning)));
  });

  it('a payload with several unknown keys gets one warning each', () => {
    const keys = unknownPayloadKeys({ image: 'x', maxRunTime: 1, maxRuntime: 1, artifact: {}, features: {} }).map((k) => k.key);
    expect(keys).toEqual(['maxRuntime', 'artifact']);
  });

  it('the one place ours is looser: env values that are numbers or booleans, which old payloads carry', () => {
    expect(published(looserEnv)).toBe(false);
    expect(ours(looserEnv).ok).toBe(true);
  });

  it('describes the same fields, capabilities, devices and features as the published schema', () => {
    const published = publishedPayloadSchema.properties;
    expect(Object.keys(payloadSchema.properties).sort()).toEqual(Object.keys(published).sort());
    expect(Object.keys(payloadSchema.properties.capabilities.properties).sort()).toEqual(Object.keys(published.capabilities.properties).sort());
    expect(Object.keys(payloadSchema.properties.capabilities.properties.devices.properties).sort()).toEqual(
      Object.keys(published.capabilities.properties.devices.properties).sort(),
    );
    expect(Object.keys(payloadSchema.properties.features.properties).sort()).toEqual(Object.keys(published.features.properties).sort());
    expect(payloadSchema.properties.artifacts.additionalProperties.properties.type.enum).toEqual(['file', 'directory', 'volume']);
  });
});
