import { validateFeatureSection } from './validate.js';

const keySchema = {
  type: 'object',
  properties: {
    ed25519SigningKeyLocation: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 0 },
    tls: { type: 'object', additionalProperties: false, required: ['certificate', 'key'], properties: { certificate: { type: 'string' }, key: { type: 'string' } } },
  },
} as const;

function problems(section: unknown): string[] {
  const result = validateFeatureSection('chainOfTrust', keySchema, section);
  return result.ok ? [] : result.problems.map((p) => p.message);
}

describe('validateFeatureSection', () => {
  it('names a misspelt key from the top of the config, with the key it probably meant', () => {
    expect(problems({ ed25519SigningKeyLocaton: '/k' })).toEqual([
      'features.chainOfTrust.ed25519SigningKeyLocaton is not a known key (did you mean "ed25519SigningKeyLocation"?)',
    ]);
  });

  it('reports every bad value, nested ones included', () => {
    expect(problems({ ed25519SigningKeyLocation: '', port: 70000, tls: { certificate: '/c' }, enabled: 'perhaps' }).sort()).toEqual([
      'features.chainOfTrust.ed25519SigningKeyLocation must not be empty',
      'features.chainOfTrust.enabled must be a boolean (true or false) (got "perhaps")',
      'features.chainOfTrust.port must be at most 65535 (got 70000)',
      'features.chainOfTrust.tls.key is required',
    ]);
  });

  it('accepts enabled on every feature, fills defaults and turns environment strings into the types asked for', () => {
    const result = validateFeatureSection('chainOfTrust', keySchema, { enabled: 'false', port: '60023' });
    expect(result).toEqual({ ok: true, value: { enabled: false, port: 60023 } });
    expect(validateFeatureSection('chainOfTrust', keySchema, undefined)).toEqual({ ok: true, value: { port: 0 } });
  });

  it('refuses every key but enabled for a feature that declares no settings', () => {
    const none = { type: 'object', properties: {} } as const;
    expect(validateFeatureSection('bulkLog', none, { enabled: false })).toEqual({ ok: true, value: { enabled: false } });
    const result = validateFeatureSection('bulkLog', none, { size: 1 });
    expect(result.ok ? [] : result.problems.map((p) => p.message)).toEqual(['features.bulkLog.size is not a known key (known keys: enabled)']);
  });
});
