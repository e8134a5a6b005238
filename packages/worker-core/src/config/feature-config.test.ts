import { devicesConfigSchema } from '@docker-worker/feature-devices';
import type { WorkerConfig } from '@docker-worker/schema';
import type { Feature } from '@docker-worker/worker-contract';
import { configFromEnv } from './env-overrides.js';
import { featureSettings } from './feature-config.js';

const withKey: Feature = {
  name: 'chainOfTrust',
  configSchema: { type: 'object', properties: { ed25519SigningKeyLocation: { type: 'string', minLength: 1 }, port: { type: 'integer', default: 7 } } },
  forTask: () => ({}),
};
const plain: Feature = { name: 'bulkLog', forTask: () => ({}) };

describe('featureSettings', () => {
  it('hands over each section validated, defaults filled and without enabled; notes what is switched off', () => {
    const { settings, problems } = featureSettings([withKey, plain], { chainOfTrust: { ed25519SigningKeyLocation: '/k', enabled: true }, bulkLog: { enabled: false } });
    expect(problems).toEqual([]);
    expect(settings.sections).toEqual({ chainOfTrust: { ed25519SigningKeyLocation: '/k', port: 7 }, bulkLog: { enabled: false } });
    expect([...settings.switchedOff]).toEqual(['bulkLog']);
  });

  it('names every bad key: misspelt settings, settings of a feature that takes none, and unknown features', () => {
    const { problems } = featureSettings([withKey, plain], { chainOfTrust: { ed25519SigningKeyLocaton: '/k' }, bulkLog: { size: 3 }, dind: { enabled: false } });
    expect(problems.map((p) => p.message)).toEqual([
      'features.dind is not a feature of this worker (it has: bulkLog, chainOfTrust)',
      'features.chainOfTrust.ed25519SigningKeyLocaton is not a known key (did you mean "ed25519SigningKeyLocation"?)',
      'features.bulkLog.size is not a known key (known keys: enabled)',
    ]);
  });
});

describe('feature settings from DW_ environment variables', () => {
  // What an operator sets in a unit file: strings only, nested with __, arrays as JSON.
  const devicesFeature: Feature = { name: 'devices', configSchema: devicesConfigSchema, forTask: () => ({}) };
  const env = {
    DW_FEATURES__DEVICES__ROOT: '/srv/dev',
    DW_FEATURES__DEVICES__LOOPBACK_VIDEO__ENABLED: 'false',
    DW_FEATURES__DEVICES__CPU__ENABLED: 'true',
    DW_FEATURES__DEVICES__CPU__CORES: '[0, 2]',
  };

  it('reach a feature section typed: strings become the booleans and numbers its schema asks for', () => {
    const configured = configFromEnv(env).features as WorkerConfig['features'];
    const { settings, problems } = featureSettings([devicesFeature], configured);
    expect(problems).toEqual([]);
    expect(settings.sections.devices).toEqual({ root: '/srv/dev', loopbackVideo: { enabled: false }, cpu: { enabled: true, cores: [0, 2] } });
  });

  it('name the key of a value that is not of its type, and of a misspelt one', () => {
    const configured = configFromEnv({ DW_FEATURES__DEVICES__CPU__ENABLED: 'maybe', DW_FEATURES__DEVICES__KVMM__ENABLED: 'true' }).features as WorkerConfig['features'];
    const messages = featureSettings([devicesFeature], configured).problems.map((p) => p.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringContaining('features.devices.cpu.enabled'), expect.stringContaining('features.devices.kvmm')]));
    expect(messages).toHaveLength(2);
  });
});
