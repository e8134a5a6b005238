import { checkValue, defaults, deployJsonSchema, flatten, nest, parseSets, validateValues } from './deploy-config.js';
import { DeployError } from './errors.js';
import { VARIABLES, suggestKey } from './variables.js';

const required = {
  'worker.rootUrl': 'https://tc.example.com',
  'worker.provisionerId': 'proj-example',
  'worker.workerType': 'docker-worker',
  'keys.signingKey': '/keys/cot.key',
  'aws.sourceImage': 'ami-0123456789abcdef0',
};

function problems(values: Record<string, unknown>): string[] {
  const result = validateValues({ ...defaults(), ...required, ...values });
  return result.ok ? [] : result.problems;
}

describe('deploy variables', () => {
  it('accept the defaults plus the required values', () => {
    const result = validateValues({ ...defaults(), ...required });
    expect(result.ok).toBe(true);
  });

  it('name each missing required variable with what it is', () => {
    const result = validateValues(defaults());
    expect(result.ok).toBe(false);
    const list = result.ok ? [] : result.problems;
    expect(list).toHaveLength(5);
    expect(list).toContain('worker.rootUrl is required: Root URL of the Taskcluster deployment the fleet serves (e.g. https://tc.example.com)');
    expect(list.some((p) => p.startsWith('aws.sourceImage is required'))).toBe(true);
  });

  it('name the variable and the value of every bad value', () => {
    expect(
      problems({ 'worker.capacity': 'four', 'disks.layout': 'zfs', 'aws.sourceImage': 'ubuntu', 'worker.capacity2': 1, 'logForwarding.target': 'nohost' }),
    ).toEqual([
      'worker.capacity2 is not a deploy variable (did you mean worker.capacity?); `dw-deploy variables` lists them',
      'worker.capacity must be an integer (got "four")',
      'logForwarding.target is not valid: expected something like logs.example.com:6514 (got "nohost")',
      'disks.layout must be one of auto, lvm, btrfs (got "zfs")',
      'aws.sourceImage is not valid: expected something like ami-0123456789abcdef0 (got "ubuntu")',
    ]);
    expect(problems({ 'worker.capacity': 0 })).toEqual(['worker.capacity must be at least 1 (got 0)']);
    expect(problems({ 'worker.capacity': 65 })).toEqual(['worker.capacity must be at most 64 (got 65)']);
    expect(problems({ 'keys.signingKey': '' })).toEqual(['keys.signingKey must not be empty']);
    expect(problems({ 'worker.allowPrivileged': 'maybe' })).toEqual(['worker.allowPrivileged must be a boolean (got "maybe")']);
  });

  it('check the variables that go together', () => {
    expect(problems({ 'tls.certificate': '/x.crt' })).toEqual(['tls.key is required when tls.certificate is set (the key of that certificate)']);
    expect(problems({ 'tls.key': '/x.key' })).toEqual(['tls.certificate is required when tls.key is set (the certificate of that key)']);
    expect(problems({ 'docker.storageDriver': 'btrfs', 'disks.layout': 'lvm' })[0]).toMatch(/^docker.storageDriver btrfs needs a btrfs \/mnt/);
    expect(problems({ 'docker.storageDriver': 'overlay2', 'disks.layout': 'btrfs' })[0]).toMatch(/^docker.storageDriver overlay2 does not run on btrfs/);
    expect(problems({ 'docker.storageDriver': 'btrfs', 'disks.layout': 'auto' })).toEqual([]);
  });

  it('parse --set values as their variable type', () => {
    expect(parseSets(['worker.capacity=4', 'worker.allowPrivileged=yes', 'worker.idleShutdown=false', 'worker.rootUrl=https://a.b/c=d'])).toEqual({
      'worker.capacity': 4,
      'worker.allowPrivileged': true,
      'worker.idleShutdown': false,
      'worker.rootUrl': 'https://a.b/c=d',
    });
    expect(parseSets(['worker.capacity=4.5'])).toEqual({ 'worker.capacity': '4.5' });
    expect(() => parseSets(['capacity'])).toThrow(DeployError);
  });

  it('flatten nested and dotted files alike, and nest in the order of the variable list', () => {
    expect(flatten({ worker: { capacity: 2 }, 'aws.region': 'eu-west-1' }, 'f')).toEqual({ 'worker.capacity': 2, 'aws.region': 'eu-west-1' });
    expect(() => flatten([1], 'f.json')).toThrow('f.json: expected a JSON object of deploy variables');
    const nested = nest({ 'aws.region': 'eu-west-1', 'worker.capacity': 2 });
    expect(Object.keys(nested)).toEqual(['worker', 'aws']);
  });

  it('check one value for a prompt', () => {
    expect(checkValue('worker.capacity', 3)).toBe(true);
    expect(checkValue('worker.capacity', 'x')).toBe('worker.capacity must be an integer (got "x")');
    expect(checkValue('worker.rootUrl', 'tc.example.com')).toBe(
      'worker.rootUrl is not valid: expected something like https://tc.example.com (got "tc.example.com")',
    );
  });

  it('have a schema with every variable, and suggestions for typos', () => {
    const schema = deployJsonSchema() as { properties: Record<string, { properties: Record<string, unknown> }> };
    for (const variable of VARIABLES) {
      const [group, leaf] = variable.key.split('.');
      expect(schema.properties[group!]!.properties[leaf!]).toBeDefined();
    }
    expect(suggestKey('aws.sourceimage')).toBe('aws.sourceImage');
    expect(suggestKey('something.else.entirely')).toBeUndefined();
  });
});
