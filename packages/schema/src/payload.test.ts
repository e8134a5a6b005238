import { payloadSchema } from './payload-schema.js';
import type { DockerWorkerPayload } from './payload-types.js';
import { formatProblems, validatePayload, type SchemaProblem } from './validate.js';

const TASK_ID = 'fN1SbArXTPSVFNUvaOlinQ';

/** A gecko-style decision task: registry image with digest, run-task command, caches, proxy, CoT. */
const decisionTask: DockerWorkerPayload = {
  image: 'mozillareleases/gecko_decision:4.0.0@sha256:1b5e2a2e9e0b9d6f0c4d1a9c6b1d1b7e0d0f6b1c5e0a1d2c3b4a5f6e7d8c9b0a',
  maxRunTime: 1800,
  command: [
    '/builds/worker/bin/run-task',
    '--gecko-checkout=/builds/worker/checkouts/gecko',
    '--gecko-sparse-profile=build/sparse-profiles/taskgraph',
    '--',
    'bash',
    '-cx',
    'cd /builds/worker/checkouts/gecko && ln -s /builds/worker/artifacts artifacts && ./mach --log-no-times taskgraph decision --pushlog-id=12345 --project=autoland',
  ],
  env: {
    GECKO_BASE_REPOSITORY: 'https://hg.mozilla.org/mozilla-unified',
    GECKO_HEAD_REPOSITORY: 'https://hg.mozilla.org/integration/autoland',
    GECKO_HEAD_REF: '0123456789abcdef0123456789abcdef01234567',
    GECKO_HEAD_REV: '0123456789abcdef0123456789abcdef01234567',
    HG_STORE_PATH: '/builds/worker/checkouts/hg-store',
    TASKCLUSTER_CACHES: '/builds/worker/checkouts',
    MOZ_SCM_LEVEL: '3',
    TRY_COMMIT_MSG: '',
  },
  cache: { 'gecko-level-3-checkouts-sparse-v2': '/builds/worker/checkouts' },
  features: { taskclusterProxy: true, chainOfTrust: true },
  artifacts: {
    public: { type: 'directory', path: '/builds/worker/artifacts', expires: '2026-12-01T10:20:30.456Z' },
  },
};

/** A build task: task-image, retry/purge on exit codes, superseder, multiple artifacts. */
const buildTask: DockerWorkerPayload = {
  image: { type: 'task-image', taskId: TASK_ID, path: 'public/image.tar.zst' },
  maxRunTime: 7200,
  command: ['/builds/worker/bin/run-task', '--', '/builds/worker/workspace/build/src/taskcluster/scripts/builder/build-linux.sh'],
  env: { MOZ_BUILD_DATE: '20250101000000', MOZ_AUTOMATION: '1', USE_SCCACHE: '1' },
  cache: {
    'gecko-level-3-checkouts-v3': '/builds/worker/checkouts',
    'gecko-level-3-tooltool-cache-v1': '/builds/worker/tooltool-cache',
  },
  artifacts: {
    'public/build': { type: 'directory', path: '/builds/worker/artifacts/', expires: '2026-01-01T00:00:00Z' },
    'public/logs': { type: 'directory', path: '/builds/worker/logs/' },
    'public/build/target.tar.bz2': { type: 'file', path: '/builds/worker/artifacts/target.tar.bz2' },
  },
  features: { taskclusterProxy: true, chainOfTrust: true, bulkLog: false },
  onExitStatus: { retry: [72, 137], purgeCaches: [72] },
  supersederUrl: 'https://coalesce.example.com/v1/list/3600/5/autoland.linux64-opt',
  log: 'public/logs/build.log',
};

/** A test task: indexed image, devices, privileged, ptrace, interactive. */
const testTask: DockerWorkerPayload = {
  image: { type: 'indexed-image', namespace: 'gecko.cache.level-3.docker-images.v2.ubuntu1804-test.latest', path: 'public/image.tar.zst' },
  maxRunTime: 604800,
  command: ['/builds/worker/bin/test-linux.sh', '--e10s'],
  capabilities: {
    privileged: true,
    devices: { loopbackVideo: true, loopbackAudio: true, hostSharedMemory: true, kvm: true },
  },
  features: { allowPtrace: true, interactive: true, dind: true, dockerSave: true, localLiveLog: false, artifacts: true },
};

function problemsOf(payload: unknown): SchemaProblem[] {
  const result = validatePayload(payload);
  if (result.ok) throw new Error(`expected ${JSON.stringify(payload)} to be invalid`);
  return result.problems;
}

const minimal = { image: 'ubuntu:24.04', maxRunTime: 60 };

describe('payloadSchema', () => {
  it('is a draft-07 schema with a $id, requiring image and maxRunTime', () => {
    expect(payloadSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(payloadSchema.$id).toMatch(/docker-worker\/v1\/payload\.json/);
    expect(payloadSchema.required).toEqual(['image', 'maxRunTime']);
  });

  it('documents every property with a title and a description', () => {
    const missing: string[] = [];
    const walk = (schema: unknown, path: string) => {
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (s.properties) {
        for (const [key, sub] of Object.entries(s.properties as Record<string, Record<string, unknown>>)) {
          const where = `${path}.${key}`;
          if (!sub.title || !sub.description) missing.push(where);
          walk(sub, where);
        }
      }
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${path}.*`);
      if (Array.isArray(s.oneOf)) s.oneOf.forEach((b, i) => walk(b, `${path}<${i}>`));
    };
    walk(payloadSchema, 'payload');
    expect(missing).toEqual([]);
  });

  it('lists the known features but not retired ones', () => {
    const features = Object.keys(payloadSchema.properties.features.properties);
    expect(features.sort()).toEqual(
      ['allowPtrace', 'artifacts', 'bulkLog', 'chainOfTrust', 'dind', 'dockerSave', 'interactive', 'localLiveLog', 'taskclusterProxy'].sort(),
    );
  });
});

describe('validatePayload: valid payloads', () => {
  it.each([
    ['minimal', minimal],
    ['decision task', decisionTask],
    ['build task', buildTask],
    ['test task', testTask],
    ['docker-image object', { image: { type: 'docker-image', name: 'ubuntu:24.04' }, maxRunTime: 1 }],
    ['env numbers and booleans (passed as text)', { ...minimal, env: { JOBS: 4, DEBUG: true, NAME: 'x' } }],
    ['empty command and env', { ...minimal, command: [], env: {}, cache: {}, artifacts: {}, features: {} }],
    ['integral float maxRunTime', { ...minimal, maxRunTime: 3600.0 }],
    ['http superseder', { ...minimal, supersederUrl: 'http://localhost:8080/supersede' }],
    ['empty onExitStatus lists', { ...minimal, onExitStatus: { retry: [], purgeCaches: [] } }],
  ])('accepts %s', (_name, payload) => {
    const result = validatePayload(payload);
    expect(result).toEqual({ ok: true, value: payload });
  });

  it('accepts unknown top-level keys and unknown (boolean) feature names', () => {
    expect(validatePayload({ ...minimal, cmd: ['ls'], encryptedEnv: ['x'], graphs: ['/g.json'] }).ok).toBe(true);
    expect(validatePayload({ ...minimal, features: { relengAPIProxy: true, someFutureThing: false } }).ok).toBe(true);
  });

  it('does not change its input', () => {
    const payload = structuredClone(buildTask);
    const before = JSON.stringify(payload);
    validatePayload(payload);
    validatePayload({ ...payload, capabilities: {} });
    expect(JSON.stringify(payload)).toBe(before);
    const invalid = { image: { type: 'docker-image' }, maxRunTime: 'x', capabilities: {} };
    validatePayload(invalid);
    expect(invalid).toEqual({ image: { type: 'docker-image' }, maxRunTime: 'x', capabilities: {} });
  });
});

describe('validatePayload: invalid payloads name the field', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['maxRunTime as a string', { ...minimal, maxRunTime: 'hello' }, 'payload.maxRunTime', /^payload\.maxRunTime must be an integer \(got "hello"\)$/],
    ['maxRunTime 0', { ...minimal, maxRunTime: 0 }, 'payload.maxRunTime', /^payload\.maxRunTime must be at least 1 \(got 0\)$/],
    ['maxRunTime over a week', { ...minimal, maxRunTime: 604801 }, 'payload.maxRunTime', /^payload\.maxRunTime must be at most 604800 \(got 604801\)$/],
    ['maxRunTime fractional', { ...minimal, maxRunTime: 1.5 }, 'payload.maxRunTime', /must be an integer \(got 1\.5\)/],
    ['missing maxRunTime', { image: 'ubuntu' }, 'payload.maxRunTime', /^payload\.maxRunTime is required$/],
    ['missing image', { maxRunTime: 60 }, 'payload.image', /^payload\.image is required$/],
    ['empty image', { ...minimal, image: '' }, 'payload.image', /^payload\.image must not be empty$/],
    ['docker-image without name', { ...minimal, image: { type: 'docker-image' } }, 'payload.image.name', /^payload\.image\.name is required$/],
    ['indexed-image without path', { ...minimal, image: { type: 'indexed-image', namespace: 'a.b' } }, 'payload.image.path', /^payload\.image\.path is required$/],
    ['task-image with a bad taskId', { ...minimal, image: { type: 'task-image', taskId: 'nope', path: 'public/i.tar' } }, 'payload.image.taskId', /taskId \(a 22-character slugid\) \(got "nope"\)/],
    ['docker-image with an extra key', { ...minimal, image: { type: 'docker-image', name: 'x', tag: 'latest' } }, 'payload.image.tag', /^payload\.image\.tag is not a known key/],
    ['image object with unknown type', { ...minimal, image: { type: 'oci-image', name: 'x' } }, 'payload.image', /^payload\.image must be a string or an object with type docker-image\|indexed-image\|task-image \(got \{"type":"oci-image","name":"x"\}\)$/],
    ['image object without type', { ...minimal, image: { name: 'ubuntu' } }, 'payload.image', /^payload\.image must be a string or an object with type docker-image\|indexed-image\|task-image/],
    ['image a number', { ...minimal, image: 42 }, 'payload.image', /^payload\.image must be a string or an object with type .* \(got 42\)$/],
    ['command not an array', { ...minimal, command: 'make test' }, 'payload.command', /^payload\.command must be an array \(got "make test"\)$/],
    ['command item not a string', { ...minimal, command: ['sleep', 5] }, 'payload.command[1]', /^payload\.command\[1\] must be a string \(got 5\)$/],
    ['env value an object', { ...minimal, env: { JOBS: { n: 4 } } }, 'payload.env.JOBS', /^payload\.env\.JOBS must be a string or a number or a boolean/],
    ['env an array', { ...minimal, env: ['A=1'] }, 'payload.env', /^payload\.env must be an object \(got \["A=1"\]\)$/],
    ['cache path not a string', { ...minimal, cache: { 'my-cache': true } }, 'payload.cache["my-cache"]', /^payload\.cache\["my-cache"\] must be a string \(got true\)$/],
    ['artifact type dir', { ...minimal, artifacts: { 'public/x': { type: 'dir', path: '/x' } } }, 'payload.artifacts["public/x"].type', /^payload\.artifacts\["public\/x"\]\.type must be one of "file", "directory", "volume" \(got "dir"\)$/],
    ['artifact without path', { ...minimal, artifacts: { 'public/x': { type: 'file' } } }, 'payload.artifacts["public/x"].path', /^payload\.artifacts\["public\/x"\]\.path is required$/],
    ['artifact expires not a date', { ...minimal, artifacts: { 'public/x': { type: 'file', path: '/x', expires: 'next week' } } }, 'payload.artifacts["public/x"].expires', /expires must be an RFC 3339 date-time .* \(got "next week"\)$/],
    ['artifact expires without a time zone', { ...minimal, artifacts: { logs: { type: 'file', path: '/x', expires: '2030-01-01T00:00:00' } } }, 'payload.artifacts.logs.expires', /date-time/],
    ['artifact with a misspelt key', { ...minimal, artifacts: { logs: { type: 'file', path: '/x', expire: '2030-01-01T00:00:00Z' } } }, 'payload.artifacts.logs.expire', /is not a known key \(did you mean "expires"\?\)$/],
    ['feature value not boolean', { ...minimal, features: { taskclusterProxy: 'yes' } }, 'payload.features.taskclusterProxy', /^payload\.features\.taskclusterProxy must be a boolean \(true or false\) \(got "yes"\)$/],
    ['unknown feature value not boolean', { ...minimal, features: { fancy: 1 } }, 'payload.features.fancy', /must be a boolean/],
    ['privileged not boolean', { ...minimal, capabilities: { privileged: 'true' } }, 'payload.capabilities.privileged', /must be a boolean/],
    ['unknown device', { ...minimal, capabilities: { devices: { phone: { type: 'flame' } } } }, 'payload.capabilities.devices.phone', /^payload\.capabilities\.devices\.phone is not a known key \(known keys: loopbackVideo, loopbackAudio, hostSharedMemory, kvm\)$/],
    ['log not a string', { ...minimal, log: 5 }, 'payload.log', /^payload\.log must be a string/],
    ['retry codes not integers', { ...minimal, onExitStatus: { retry: ['72'] } }, 'payload.onExitStatus.retry[0]', /must be an integer \(got "72"\)$/],
    ['misspelt onExitStatus key', { ...minimal, onExitStatus: { purgeCache: [1] } }, 'payload.onExitStatus.purgeCache', /did you mean "purgeCaches"/],
    ['supersederUrl ftp', { ...minimal, supersederUrl: 'ftp://example.com/x' }, 'payload.supersederUrl', /^payload\.supersederUrl must be an http:\/\/ or https:\/\/ URL .* \(got "ftp:\/\/example\.com\/x"\)$/],
    ['supersederUrl with non-ASCII', { ...minimal, supersederUrl: 'https://example.com/ü' }, 'payload.supersederUrl', /http:\/\/ or https:\/\//],
    ['payload not an object', 'image: ubuntu', 'payload', /^payload must be an object \(got "image: ubuntu"\)$/],
    ['payload null', null, 'payload', /^payload must be an object \(got null\)$/],
  ])('%s', (_name, payload, path, message) => {
    const problems = problemsOf(payload);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe(path);
    expect(problems[0]!.message).toMatch(message);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      image: { type: 'docker-image' },
      maxRunTime: 'hello',
      command: 'ls',
      env: { A: [1], B: 'ok', C: null },
      artifacts: { 'public/x': { type: 'dir', path: '/x', expires: 'soon' } },
      features: { bulkLog: 'yes' },
      supersederUrl: 'ftp://x',
    });
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'payload.image.name',
        'payload.maxRunTime',
        'payload.command',
        'payload.env.A',
        'payload.env.C',
        'payload.artifacts["public/x"].type',
        'payload.artifacts["public/x"].expires',
        'payload.features.bulkLog',
        'payload.supersederUrl',
      ].sort(),
    );
    for (const p of problems) expect(p.message.startsWith(p.path)).toBe(true);
  });

  it('truncates long received values', () => {
    const [problem] = problemsOf({ ...minimal, maxRunTime: 'x'.repeat(500) });
    expect(problem!.message.length).toBeLessThan(120);
    expect(problem!.message).toContain('...');
  });

  it('quotes keys that are not identifiers', () => {
    const [problem] = problemsOf({ ...minimal, env: { 'MY-VAR': [1], '': 'fine' } });
    expect(problem!.path).toBe('payload.env["MY-VAR"]');
  });
});

describe('formatProblems', () => {
  it('writes one line per problem', () => {
    const problems = problemsOf({ maxRunTime: 0 });
    const text = formatProblems(problems);
    expect(text.split('\n')).toHaveLength(problems.length);
    expect(text).toContain('payload.image is required');
    expect(text).toContain('payload.maxRunTime must be at least 1');
  });

  it('is empty for no problems', () => {
    expect(formatProblems([])).toBe('');
  });
});
