import type { Feature } from '@docker-worker/worker-contract';
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
