import { configSchema } from './config-schema.js';
import type { WorkerConfig } from './config-types.js';
import { validateConfig, type SchemaProblem } from './validate.js';

const DEFAULTS: WorkerConfig = {
  provisionerId: 'local',
  workerType: 'docker-worker',
  workerGroup: 'local',
  workerId: 'local-worker',
  workerNodeType: 'standalone',
  host: 'localhost',
  capacity: 1,
  taskQueue: { pollInterval: 5000 },
  task: { reclaimDivisor: 2 },
  dockerConfig: { allowPrivileged: false, allowDisableSeccomp: false, defaultRegistry: 'registry.hub.docker.com' },
  registries: {},
  artifacts: { storageType: 's3', uploadConcurrency: 4 },
  workDir: '/tmp/docker-worker',
  features: {},
  logging: { format: 'pretty', level: 'info' },
  shutdown: { enabled: false, afterIdleSeconds: 300 },
  dockerVolume: '/var/lib/docker',
  capacityManagement: { diskspaceThreshold: 1_000_000_000 },
  cache: { volumeCachePath: '/var/cache/docker-worker' },
  garbageCollection: { imageExpiration: 7_200_000, interval: 60_000 },
  prometheus: { host: '127.0.0.1' },
  metricsCollection: { hostMetricsInterval: 60_000, cacheDiskUsageInterval: 300_000 },
  embeddedQueue: { host: '127.0.0.1', port: 0, claimTimeout: 1200, storageDir: '', roles: {} },
};

function valid(config: unknown): WorkerConfig {
  const result = validateConfig(config);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

function problemsOf(config: unknown): SchemaProblem[] {
  const result = validateConfig(config);
  if (result.ok) throw new Error(`expected ${JSON.stringify(config)} to be invalid`);
  return result.problems;
}

describe('configSchema', () => {
  it('is a closed draft-07 schema', () => {
    expect(configSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(configSchema.additionalProperties).toBe(false);
  });
});

describe('validateConfig', () => {
  it('fills every default for an empty config (local mode)', () => {
    expect(valid({})).toEqual(DEFAULTS);
  });

  it('fills defaults inside partly given sections', () => {
    const config = valid({ logging: { format: 'json' }, embeddedQueue: { port: 8080 } });
    expect(config.logging).toEqual({ format: 'json', level: 'info' });
    expect(config.embeddedQueue).toEqual({ host: '127.0.0.1', port: 8080, claimTimeout: 1200, storageDir: '', roles: {} });
  });

  it('accepts a full production config', () => {
    const full: WorkerConfig = {
      rootUrl: 'https://tc.example.com',
      taskcluster: { clientId: 'worker/prod', accessToken: 'secret', certificate: '{"version":1}' },
      provisionerId: 'proj-releng',
      workerType: 'b-linux-gcp',
      workerGroup: 'us-central1',
      workerId: '7654321098765432109',
      workerNodeType: 'n2-standard-8',
      host: 'worker-1.example.com',
      publicIp: '203.0.113.7',
      privateIp: '10.0.0.7',
      instanceId: 'i-0123456789',
      region: 'us-central1',
      capacity: 4,
      taskQueue: { pollInterval: 1000 },
      task: { reclaimDivisor: 1.3 },
      dockerConfig: { allowPrivileged: true, allowDisableSeccomp: false, defaultRegistry: 'registry.example.com' },
      registries: { 'registry.example.com/team': { username: 'u', password: 'p' } },
      artifacts: { storageType: 'object', uploadConcurrency: 8 },
      workDir: '/var/lib/docker-worker',
      features: { localLiveLog: { port: 60023 }, chainOfTrust: { ed25519SigningKeyLocation: '/etc/docker-worker-ed25519-cot-signing-key.key' } },
      logging: { format: 'json', level: 'debug' },
      embeddedQueue: { host: '0.0.0.0', port: 60000, claimTimeout: 600, storageDir: '/var/lib/q', roles: { 'project:ci:*': ['docker-worker:cache:ci-*'] } },
      shutdown: { enabled: true, afterIdleSeconds: 600 },
      dockerVolume: '/mnt/var/lib/docker',
      cache: { volumeCachePath: '/mnt/var/cache/docker-worker' },
      garbageCollection: { imageExpiration: 3_600_000, interval: 30_000 },
      capacityManagement: { diskspaceThreshold: 30_000_000_000 },
      workerLocation: { cloud: 'google', region: 'us-central1' },
      influx: { url: 'https://influx.example.com', token: 't', org: 'releng', bucket: 'workers', precision: 's', maxPendingPoints: 5000, flushInterval: 10_000 },
      prometheus: { port: 60090, host: '0.0.0.0' },
      metricsCollection: { hostMetricsInterval: 30_000, cacheDiskUsageInterval: 600_000 },
    };
    expect(valid(full)).toEqual(full);
  });

  it('coerces environment-style strings on a copy', () => {
    const input = {
      capacity: '4',
      taskQueue: { pollInterval: ' 1000 ' },
      task: { reclaimDivisor: '1.5' },
      dockerConfig: { allowPrivileged: 'true' },
      embeddedQueue: { port: '0' },
      workerId: 'w-1',
    };
    const snapshot = structuredClone(input);
    const config = valid(input);
    expect(config.capacity).toBe(4);
    expect(config.taskQueue.pollInterval).toBe(1000);
    expect(config.task.reclaimDivisor).toBe(1.5);
    expect(config.dockerConfig.allowPrivileged).toBe(true);
    expect(config.embeddedQueue.port).toBe(0);
    expect(valid({ dockerConfig: { allowPrivileged: 'FALSE' } }).dockerConfig.allowPrivileged).toBe(false);
    expect(input).toEqual(snapshot);
  });

  it('does not coerce strings that are not numbers or booleans', () => {
    expect(problemsOf({ capacity: 'four' })[0]!.message).toBe('capacity must be an integer (got "four")');
    expect(problemsOf({ capacity: '' })[0]!.path).toBe('capacity');
    expect(problemsOf({ dockerConfig: { allowPrivileged: 'yes' } })[0]!.message).toBe(
      'dockerConfig.allowPrivileged must be a boolean (true or false) (got "yes")',
    );
  });

  it('treats null and undefined on optional keys as absent', () => {
    const config = valid({ rootUrl: null, taskcluster: undefined, publicIp: null });
    expect(config).toEqual(DEFAULTS);
    expect('rootUrl' in config).toBe(false);
  });

  it('does not mutate its input when filling defaults', () => {
    const input = { taskQueue: {} };
    valid(input);
    expect(input).toEqual({ taskQueue: {} });
  });

  it.each<[string, unknown, string, RegExp]>([
    ['capacity 0', { capacity: 0 }, 'capacity', /^capacity must be at least 1 \(got 0\)$/],
    ['capacity -1', { capacity: -1 }, 'capacity', /^capacity must be at least 1 \(got -1\)$/],
    ['capacity 65', { capacity: 65 }, 'capacity', /^capacity must be at most 64 \(got 65\)$/],
    ['capacity 1.5', { capacity: 1.5 }, 'capacity', /^capacity must be an integer \(got 1\.5\)$/],
    ['workerType with capitals', { workerType: 'Docker_Worker' }, 'workerType', /^workerType must be 1 to 38 lowercase letters, .* \(got "Docker_Worker"\)$/],
    ['workerType ending in -', { workerType: 'abc-' }, 'workerType', /^workerType must be/],
    ['workerType too long', { workerType: `a${'b'.repeat(38)}` }, 'workerType', /^workerType must be/],
    ['workerId with a dot', { workerId: 'i.123' }, 'workerId', /^workerId must be 1 to 38 letters, digits, "-" or "_" \(got "i\.123"\)$/],
    ['workerGroup empty', { workerGroup: '' }, 'workerGroup', /^workerGroup must be 1 to 38/],
    ['provisionerId too long', { provisionerId: 'p'.repeat(39) }, 'provisionerId', /^provisionerId must be 1 to 38/],
    ['rootUrl not a URI', { rootUrl: 'tc.example.com' }, 'rootUrl', /^rootUrl must be an absolute URI/],
    ['credentials without accessToken', { taskcluster: { clientId: 'me' } }, 'taskcluster.accessToken', /^taskcluster\.accessToken is required$/],
    ['unknown credentials key', { taskcluster: { clientId: 'me', accessToken: 't', cert: 'x' } }, 'taskcluster.cert', /^taskcluster\.cert is not a known key/],
    ['misspelt nested key', { taskQueue: { pollIntervall: 1000 } }, 'taskQueue.pollIntervall', /^taskQueue\.pollIntervall is not a known key \(did you mean "pollInterval"\?\)$/],
    ['unknown top-level key', { capactiy: 2 }, 'capactiy', /^capactiy is not a known key \(did you mean "capacity"\?\)$/],
    ['unrelated top-level key', { zzzzzzzz: 2 }, 'zzzzzzzz', /^zzzzzzzz is not a known key \(known keys: rootUrl, taskcluster, /],
    ['logging level', { logging: { level: 'verbose' } }, 'logging.level', /^logging\.level must be one of "debug", "info", "warn", "error" \(got "verbose"\)$/],
    ['storage type', { artifacts: { storageType: 'azure' } }, 'artifacts.storageType', /must be one of "s3", "object"/],
    ['upload concurrency 0', { artifacts: { uploadConcurrency: 0 } }, 'artifacts.uploadConcurrency', /^artifacts\.uploadConcurrency must be at least 1 \(got 0\)$/],
    ['feature switch not a boolean', { features: { bulkLog: { enabled: 'maybe' } } }, 'features.bulkLog.enabled', /^features\.bulkLog\.enabled must be a boolean \(true or false\) \(got "maybe"\)$/],
    ['role scopes not a list', { embeddedQueue: { roles: { ci: 'docker-worker:cache:x' } } }, 'embeddedQueue.roles.ci', /must be an array/],
    ['reclaimDivisor 1', { task: { reclaimDivisor: 1 } }, 'task.reclaimDivisor', /^task\.reclaimDivisor must be greater than 1 \(got 1\)$/],
    ['port too high', { embeddedQueue: { port: 70000 } }, 'embeddedQueue.port', /at most 65535/],
    ['feature settings not an object', { features: { dind: true } }, 'features.dind', /^features\.dind must be an object \(got true\)$/],
    ['section not an object', { logging: 'json' }, 'logging', /^logging must be an object \(got "json"\)$/],
    ['influx without a bucket', { influx: { url: 'http://127.0.0.1:8086' } }, 'influx.bucket', /^influx\.bucket is required$/],
    ['influx url not http', { influx: { url: 'udp://x', bucket: 'b' } }, 'influx.url', /^influx\.url must/],
    ['influx buffer 0', { influx: { url: 'http://x', bucket: 'b', maxPendingPoints: 0 } }, 'influx.maxPendingPoints', /at least 1/],
    ['prometheus port too high', { prometheus: { port: 70000 } }, 'prometheus.port', /at most 65535/],
    ['host metrics every ms', { metricsCollection: { hostMetricsInterval: 5 } }, 'metricsCollection.hostMetricsInterval', /at least 1000/],
    ['config not an object', ['capacity'], '', /^the worker config must be an object/],
  ])('%s', (_name, config, path, message) => {
    const problems = problemsOf(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toMatch(message);
  });

  it('takes the upload concurrency and a feature switch from environment-style strings too', () => {
    const config = valid({ artifacts: { uploadConcurrency: '8' }, features: { chainOfTrust: { ed25519SigningKeyLocation: '/etc/cot.key', enabled: 'true' } } });
    expect(config.artifacts.uploadConcurrency).toBe(8);
    expect(config.features.chainOfTrust).toEqual({ ed25519SigningKeyLocation: '/etc/cot.key', enabled: true });
  });

  it('leaves the keys of a feature section to the feature (checked by validateFeatureSection at start-up)', () => {
    expect(valid({ features: { anything: { deep: { x: [1, 2] } } } }).features).toEqual({ anything: { deep: { x: [1, 2] } } });
  });

  it('reports every problem with its path', () => {
    const problems = problemsOf({ capacity: -1, workerType: 'BAD', taskQueue: { pollIntervall: 1 }, logging: { level: 'loud' } });
    expect(problems.map((p) => p.path).sort()).toEqual(['capacity', 'logging.level', 'taskQueue.pollIntervall', 'workerType']);
  });
});
