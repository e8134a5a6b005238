/**
 * Payloads written from the published payload schema's definitions: every field, every image
 * form, every artifact type, the capabilities and the features, payloads shaped like real
 * Firefox CI tasks, and one payload breaking each rule.
 */
const TASK_ID = 'fN1SbArXTPSVFNUvaOlinQ';
const minimal = { image: 'ubuntu:24.04', maxRunTime: 60 };

/** A Firefox CI decision task as the gecko decision image runs it. */
export const decisionTask = {
  image: { type: 'indexed-image', namespace: 'gecko.cache.level-3.docker-images.v2.decision.latest', path: 'public/image.tar.zst' },
  maxRunTime: 1800,
  command: [
    '/builds/worker/bin/run-task',
    '--gecko-checkout=/builds/worker/checkouts/gecko',
    '--',
    'bash',
    '-cx',
    'cd /builds/worker/checkouts/gecko && ./mach --log-no-times taskgraph decision --project=autoland',
  ],
  env: { GECKO_HEAD_REPOSITORY: 'https://hg.mozilla.org/integration/autoland', MOZ_SCM_LEVEL: '3', TRY_COMMIT_MSG: '' },
  cache: { 'gecko-level-3-checkouts-sparse-v3': '/builds/worker/checkouts' },
  capabilities: { privileged: true },
  features: { chainOfTrust: true, taskclusterProxy: true, interactive: true },
  log: 'public/logs/decision.log',
  onExitStatus: { retry: [72, 137], purgeCaches: [72] },
  artifacts: { public: { type: 'directory', path: '/builds/worker/artifacts', expires: '2027-01-01T00:00:00.000Z' } },
};

/** A fuzzing task: no seccomp filter, ptrace for the sanitizers, a volume for the corpus. */
export const fuzzingTask = {
  image: { type: 'task-image', taskId: TASK_ID, path: 'public/image.tar.zst' },
  maxRunTime: 14400,
  command: ['/bin/bash', '-c', 'python3 -m fuzzing_decision.pool_launch'],
  env: { TASKCLUSTER_FUZZING_POOL: 'pool1', ASAN_OPTIONS: 'detect_leaks=1' },
  capabilities: { disableSeccomp: true, devices: { hostSharedMemory: true } },
  features: { allowPtrace: true, taskclusterProxy: true },
  artifacts: { 'public/results': { type: 'volume', path: '/results' } },
};

/** Accepted by the published schema and by ours. */
export const accepted: Array<[string, unknown]> = [
  ['the minimal payload', minimal],
  ['a decision task', decisionTask],
  ['a fuzzing task', fuzzingTask],
  ['image: a registry reference with a digest', { ...minimal, image: 'mozillareleases/gecko_decision:4.0.0@sha256:' + 'ab'.repeat(32) }],
  ['image: an empty string (refused later, by the worker)', { ...minimal, image: '' }],
  ['image: docker-image', { ...minimal, image: { type: 'docker-image', name: 'ubuntu:24.04' } }],
  ['image: indexed-image', { ...minimal, image: { type: 'indexed-image', namespace: 'project.images.latest.builder', path: 'public/image.tar' } }],
  ['image: task-image', { ...minimal, image: { type: 'task-image', taskId: TASK_ID, path: 'public/image.tar.zst' } }],
  ['image: task-image of any extension', { ...minimal, image: { type: 'task-image', taskId: TASK_ID, path: 'public/image.tar.gz' } }],
  ['image: task-image whose taskId is not a slugid (refused later, by the worker)', { ...minimal, image: { type: 'task-image', taskId: 'nope', path: 'public/i.tar' } }],
  ['maxRunTime: 1', { ...minimal, maxRunTime: 1 }],
  ['maxRunTime: over a week', { ...minimal, maxRunTime: 30 * 24 * 3600 }],
  ['maxRunTime: an integral float', { ...minimal, maxRunTime: 3600.0 }],
  ['command', { ...minimal, command: ['/bin/bash', '-c', 'ls'] }],
  ['command: empty', { ...minimal, command: [] }],
  ['env', { ...minimal, env: { PATH: '/borked/path', EMPTY: '' } }],
  ['cache', { ...minimal, cache: { 'level-3-checkouts': '/builds/worker/checkouts', tooltool: '/builds/worker/tooltool-cache' } }],
  ['capabilities: privileged', { ...minimal, capabilities: { privileged: true } }],
  ['capabilities: disableSeccomp', { ...minimal, capabilities: { disableSeccomp: true } }],
  ['capabilities: all off', { ...minimal, capabilities: { privileged: false, disableSeccomp: false, devices: {} } }],
  ['capabilities: every device', { ...minimal, capabilities: { devices: { loopbackVideo: true, loopbackAudio: true, hostSharedMemory: true, kvm: true } } }],
  ['artifacts: file', { ...minimal, artifacts: { 'public/build.tar.gz': { type: 'file', path: '/home/worker/build.tar.gz', expires: '2030-05-28T16:12:56.693817Z' } } }],
  ['artifacts: directory', { ...minimal, artifacts: { 'public/build': { type: 'directory', path: '/builds/worker/artifacts/' } } }],
  ['artifacts: volume', { ...minimal, artifacts: { 'public/build': { type: 'volume', path: '/builds/worker/artifacts' } } }],
  ['artifacts: a name with spaces', { ...minimal, artifacts: { 'public/my file.txt': { type: 'file', path: '/x' } } }],
  ['features: every one on', { ...minimal, features: { localLiveLog: true, bulkLog: true, taskclusterProxy: true, artifacts: true, interactive: true, allowPtrace: true, chainOfTrust: true } }],
  ['features: every one off', { ...minimal, features: { localLiveLog: false, bulkLog: false, taskclusterProxy: false, artifacts: false, interactive: false, allowPtrace: false, chainOfTrust: false } }],
  ['log', { ...minimal, log: 'apple/banana.log.txt' }],
  ['onExitStatus', { ...minimal, onExitStatus: { retry: [1, 72], purgeCaches: [] } }],
  ['supersederUrl: http', { ...minimal, supersederUrl: 'https://coalesce.example.com/v1/list/3600/5/key' }],
  ['supersederUrl: any string (unused)', { ...minimal, supersederUrl: 'ftp://example.com/x' }],
  ['every field empty', { ...minimal, command: [], env: {}, cache: {}, capabilities: {}, artifacts: {}, features: {}, onExitStatus: {} }],
];

/** Refused by the published schema and by ours: one rule broken each, and the field ours names. */
export const refused: Array<[string, unknown, string]> = [
  ['not an object', 'image: ubuntu', 'payload'],
  ['no image', { maxRunTime: 60 }, 'payload.image'],
  ['no maxRunTime', { image: 'ubuntu' }, 'payload.maxRunTime'],
  ['image: a number', { ...minimal, image: 42 }, 'payload.image'],
  ['image: an unknown type', { ...minimal, image: { type: 'oci-image', name: 'x' } }, 'payload.image'],
  ['image: docker-image without name', { ...minimal, image: { type: 'docker-image' } }, 'payload.image.name'],
  ['image: docker-image with an extra key', { ...minimal, image: { type: 'docker-image', name: 'x', tag: '1' } }, 'payload.image.tag'],
  ['image: indexed-image without namespace', { ...minimal, image: { type: 'indexed-image', path: 'public/i.tar' } }, 'payload.image.namespace'],
  ['image: indexed-image without path', { ...minimal, image: { type: 'indexed-image', namespace: 'a.b' } }, 'payload.image.path'],
  ['image: task-image without taskId', { ...minimal, image: { type: 'task-image', path: 'public/i.tar' } }, 'payload.image.taskId'],
  ['image: task-image with a numeric taskId', { ...minimal, image: { type: 'task-image', taskId: 7, path: 'public/i.tar' } }, 'payload.image.taskId'],
  ['maxRunTime: 0', { ...minimal, maxRunTime: 0 }, 'payload.maxRunTime'],
  ['maxRunTime: fractional', { ...minimal, maxRunTime: 1.5 }, 'payload.maxRunTime'],
  ['maxRunTime: a string', { ...minimal, maxRunTime: '60' }, 'payload.maxRunTime'],
  ['log: not a string', { ...minimal, log: 5 }, 'payload.log'],
  ['command: not an array', { ...minimal, command: 'make test' }, 'payload.command'],
  ['command: an item not a string', { ...minimal, command: ['sleep', 5] }, 'payload.command[1]'],
  ['env: not an object', { ...minimal, env: ['A=1'] }, 'payload.env'],
  ['env: a value that is an object', { ...minimal, env: { A: { b: 1 } } }, 'payload.env.A'],
  ['cache: not an object', { ...minimal, cache: ['/x'] }, 'payload.cache'],
  ['cache: a mount point not a string', { ...minimal, cache: { c: true } }, 'payload.cache.c'],
  ['capabilities: an unknown one', { ...minimal, capabilities: { hostNetwork: true } }, 'payload.capabilities.hostNetwork'],
  ['capabilities.privileged: not a boolean', { ...minimal, capabilities: { privileged: 'true' } }, 'payload.capabilities.privileged'],
  ['capabilities.disableSeccomp: not a boolean', { ...minimal, capabilities: { disableSeccomp: 1 } }, 'payload.capabilities.disableSeccomp'],
  ['capabilities.devices: the retired phone', { ...minimal, capabilities: { devices: { phone: { type: 'flame' } } } }, 'payload.capabilities.devices.phone'],
  ['capabilities.devices.kvm: not a boolean', { ...minimal, capabilities: { devices: { kvm: 'yes' } } }, 'payload.capabilities.devices.kvm'],
  ['onExitStatus: an unknown key', { ...minimal, onExitStatus: { purgeCache: [1] } }, 'payload.onExitStatus.purgeCache'],
  ['onExitStatus.retry: not integers', { ...minimal, onExitStatus: { retry: ['72'] } }, 'payload.onExitStatus.retry[0]'],
  ['onExitStatus.purgeCaches: not an array', { ...minimal, onExitStatus: { purgeCaches: 72 } }, 'payload.onExitStatus.purgeCaches'],
  ['artifacts: not an object', { ...minimal, artifacts: [] }, 'payload.artifacts'],
  ['artifacts: an empty name', { ...minimal, artifacts: { '': { type: 'file', path: '/x' } } }, 'payload.artifacts[""]'],
  ['artifacts: a name that is not ASCII', { ...minimal, artifacts: { 'public/café': { type: 'file', path: '/x' } } }, 'payload.artifacts["public/café"]'],
  ['artifacts: an unknown type', { ...minimal, artifacts: { logs: { type: 'dir', path: '/x' } } }, 'payload.artifacts.logs.type'],
  ['artifacts: no type', { ...minimal, artifacts: { logs: { path: '/x' } } }, 'payload.artifacts.logs.type'],
  ['artifacts: no path', { ...minimal, artifacts: { logs: { type: 'file' } } }, 'payload.artifacts.logs.path'],
  ['artifacts: expires not a date-time', { ...minimal, artifacts: { logs: { type: 'file', path: '/x', expires: 'next week' } } }, 'payload.artifacts.logs.expires'],
  ['artifacts: an unknown key', { ...minimal, artifacts: { logs: { type: 'file', path: '/x', expire: '2030-01-01T00:00:00Z' } } }, 'payload.artifacts.logs.expire'],
  ['supersederUrl: not a string', { ...minimal, supersederUrl: 7 }, 'payload.supersederUrl'],
  ['features: an unknown one', { ...minimal, features: { fancy: true } }, 'payload.features.fancy'],
  ['features: the retired dind', { ...minimal, features: { dind: true } }, 'payload.features.dind'],
  ['features: the retired dockerSave', { ...minimal, features: { dockerSave: false } }, 'payload.features.dockerSave'],
  ['features: the retired balrogVPNProxy', { ...minimal, features: { balrogVPNProxy: true } }, 'payload.features.balrogVPNProxy'],
  ['features: a value not a boolean', { ...minimal, features: { chainOfTrust: 'yes' } }, 'payload.features.chainOfTrust'],
];

/**
 * Refused by the published schema for their top-level keys alone; ours accepts them and names
 * each key in a warning, with the field meant when it is a near miss.
 */
export const unknownTopLevel: Array<[string, unknown, Array<string | RegExp>]> = [
  ['a misspelt maxRunTime beside the real one', { ...minimal, maxRuntime: 60 }, ['payload.maxRuntime is not a payload field; it is ignored (did you mean "maxRunTime"?)']],
  ['a misspelt env', { ...minimal, evn: { A: '1' } }, ['payload.evn is not a payload field; it is ignored (did you mean "env"?)']],
  ['a wrongly cased key', { ...minimal, Command: ['ls'] }, ['payload.Command is not a payload field; it is ignored (did you mean "command"?)']],
  ['an old key far from any field', { ...minimal, reboot: 'always' }, [/^payload\.reboot is not a payload field; it is ignored \(known keys: image, maxRunTime, .*\)$/]],
];

/** Env values the original accepted and real old payloads carry; the published schema does not. */
export const looserEnv: unknown = { ...minimal, env: { JOBS: 4, DEBUG: true } };
