/**
 * The docker-worker v1 task payload schema (`docker-worker/v1/payload.json`).
 *
 * It accepts and refuses what the payload schema Taskcluster publishes today accepts and
 * refuses, with two exceptions kept for payloads written years ago: unknown top-level keys
 * are accepted (the worker writes a warning line per key in the task log), and `env` values
 * may be numbers or booleans. Values the published schema lets through but no run could use
 * (an empty image name, a taskId that is not a slugid, an empty log name) are refused by the
 * worker after the schema, naming the field. Retired features and fields (`dind`,
 * `encryptedEnv`, ...) are refused by the worker with a sentence saying why.
 *
 * Written for task authors: every field carries a title and a description.
 * Kept in step with `DockerWorkerPayload` in `payload-types.ts`.
 */

/** A Taskcluster taskId (a slugid), as the queue accepts it. */
export const TASK_ID_PATTERN = '^[A-Za-z0-9_-]{8}[Q-T][A-Za-z0-9_-][CGKOSWaeimquy26-][A-Za-z0-9_-]{10}[AQgw]$';

/** Artifact names: printable ASCII, at least one character (as the published schema says). */
export const ARTIFACT_NAME_PATTERN = '^[\\x20-\\x7e]+$';

const dockerImage = {
  type: 'object',
  title: 'Docker image from a registry',
  description:
    'An image pulled from a Docker registry, e.g. `{"type": "docker-image", "name": "ubuntu:24.04"}`. ' +
    'Pulling from a registry the worker has credentials for needs the scope `docker-worker:image:<repository>:<tag>`.',
  properties: {
    type: { type: 'string', const: 'docker-image', title: 'Image type', description: 'Always `docker-image` for this form.' },
    name: {
      type: 'string',
      title: 'Image name',
      description: 'Registry reference: `[registry/]repository[:tag][@digest]`; the tag defaults to `latest`.',
    },
  },
  required: ['type', 'name'],
  additionalProperties: false,
} as const;

const indexedImage = {
  type: 'object',
  title: 'Image from an indexed task',
  description:
    'An image archive (`docker save` output: plain tar, or compressed with gzip, bzip2, xz, zstd or lz4, told by its content, not its name) saved as an artifact of the task that an index namespace points to, ' +
    'e.g. `{"type": "indexed-image", "namespace": "project.images.latest.builder", "path": "public/image.tar.zst"}`. ' +
    'Artifacts whose name does not start with `public/` need the scope `queue:get-artifact:<path>`.',
  properties: {
    type: { type: 'string', const: 'indexed-image', title: 'Image type', description: 'Always `indexed-image` for this form.' },
    namespace: {
      type: 'string',
      title: 'Index namespace',
      description: 'Index namespace whose task holds the image artifact.',
    },
    path: {
      type: 'string',
      title: 'Artifact name',
      description: 'Name of the image artifact of that task, e.g. `public/image.tar.zst`.',
    },
  },
  required: ['type', 'namespace', 'path'],
  additionalProperties: false,
} as const;

const taskImage = {
  type: 'object',
  title: 'Image from a task artifact',
  description:
    'An image archive (`docker save` output: plain tar, or compressed with gzip, bzip2, xz, zstd or lz4, told by its content, not its name) saved as an artifact of a given task, ' +
    'e.g. `{"type": "task-image", "taskId": "<taskId>", "path": "public/image.tar.zst"}`. ' +
    'Artifacts whose name does not start with `public/` need the scope `queue:get-artifact:<path>`.',
  properties: {
    type: { type: 'string', const: 'task-image', title: 'Image type', description: 'Always `task-image` for this form.' },
    taskId: {
      type: 'string',
      title: 'Task ID',
      description: 'The task (a 22-character slugid) whose artifact holds the image; usually a dependency of this task.',
    },
    path: {
      type: 'string',
      title: 'Artifact name',
      description: 'Name of the image artifact of that task, e.g. `public/image.tar.zst`.',
    },
  },
  required: ['type', 'taskId', 'path'],
  additionalProperties: false,
} as const;

const feature = (on: boolean, title: string, description: string) => ({ type: 'boolean', default: on, title, description }) as const;

const exitCodes = (title: string, description: string) =>
  ({
    type: 'array',
    title,
    description,
    items: { type: 'integer', title: 'Exit code' },
  }) as const;

export const payloadSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://schemas.taskcluster.net/docker-worker/v1/payload.json#',
  title: 'Docker worker payload',
  description:
    'The `payload` of a task run by docker-worker: which image to run, the command, its environment, caches, ' +
    'devices, artifacts to upload afterwards and optional worker features. Only `image` and `maxRunTime` are required. ' +
    'Other top-level keys are ignored, each with a warning line in the task log.',
  type: 'object',
  required: ['image', 'maxRunTime'],
  properties: {
    image: {
      title: 'Docker image',
      description:
        'Image the task runs in. Either a string, a registry reference like `ubuntu:24.04` or ' +
        '`registry.example.com/team/builder@sha256:...` (the same as `{"type": "docker-image", "name": ...}`), ' +
        'or an object with `type` `docker-image`, `indexed-image` or `task-image`.',
      oneOf: [
        {
          type: 'string',
          title: 'Docker image name',
          description: 'Registry reference: `[registry/]repository[:tag][@digest]`; the tag defaults to `latest`.',
        },
        dockerImage,
        indexedImage,
        taskImage,
      ],
    },
    maxRunTime: {
      type: 'integer',
      minimum: 1,
      title: 'Maximum run time',
      description:
        'Seconds the task may run, counted from the start of the container; then the container is killed and the ' +
        'run fails. No upper limit (the claim is renewed for as long as the task runs).',
    },
    command: {
      type: 'array',
      default: [],
      title: 'Command',
      description:
        'Command to run in the container, as an argument vector, e.g. `["/bin/bash", "-c", "make test"]`. ' +
        "Omitted or empty: the image's default command.",
      items: { type: 'string', title: 'Argument' },
    },
    env: {
      type: 'object',
      title: 'Environment variables',
      description:
        'Extra environment variables for the container, name to value. The worker sets `TASK_ID`, `RUN_ID` and the ' +
        '`TASKCLUSTER_*` variables itself; those names cannot be overridden. Numbers and booleans are ' +
        'passed as their text, as the original worker did.',
      additionalProperties: { type: ['string', 'number', 'boolean'], title: 'Value' },
    },
    cache: {
      type: 'object',
      title: 'Caches',
      description:
        'Persistent named caches, cache name to the path where it is mounted in the container, e.g. ' +
        '`{"project-level-3-checkouts": "/builds/worker/checkouts"}`. Each cache needs the scope ' +
        '`docker-worker:cache:<name>`. A cache instance is used by one task at a time and kept for later tasks.',
      additionalProperties: { type: 'string', title: 'Mount path', description: 'Absolute path in the container.' },
    },
    capabilities: {
      type: 'object',
      title: 'Capabilities',
      description: 'Host capabilities the task needs. Each one needs a scope, and the worker must offer it.',
      additionalProperties: false,
      properties: {
        privileged: {
          type: 'boolean',
          default: false,
          title: 'Privileged container',
          description:
            'Run the container in Docker privileged mode. Needs the scope `docker-worker:capability:privileged` ' +
            'and a worker configured with `dockerConfig.allowPrivileged: true`.',
        },
        disableSeccomp: {
          type: 'boolean',
          default: false,
          title: 'No seccomp profile',
          description:
            "Run the container without Docker's seccomp system-call filter (`--security-opt seccomp=unconfined`), " +
            'e.g. for fuzzers and sanitizers that need `personality` or `ptrace`-like calls. Needs the scope ' +
            '`docker-worker:capability:disableSeccomp` (not a per-pool form) and a worker configured with ' +
            '`dockerConfig.allowDisableSeccomp: true`.',
        },
        devices: {
          type: 'object',
          title: 'Devices',
          description:
            'Host devices to attach to the container. Each needs the scope `docker-worker:capability:device:<name>`.',
          additionalProperties: false,
          properties: {
            loopbackVideo: {
              type: 'boolean',
              title: 'Loopback video device',
              description: 'Attach one v4l2loopback video device (`/dev/videoN`) for this task alone.',
            },
            loopbackAudio: {
              type: 'boolean',
              title: 'Loopback audio device',
              description: 'Attach one snd-aloop sound card (`/dev/snd/controlC<N>` and its pcm devices) for this task alone.',
            },
            hostSharedMemory: {
              type: 'boolean',
              title: 'Host shared memory',
              description: "Bind the host's `/dev/shm` into the container (experimental).",
            },
            kvm: {
              type: 'boolean',
              title: 'KVM',
              description: 'Pass `/dev/kvm` into the container, for hardware-accelerated virtual machines (experimental).',
            },
          },
        },
      },
    },
    artifacts: {
      type: 'object',
      title: 'Artifacts',
      description:
        'Files and directories uploaded from the container after the command exits, artifact name to declaration, e.g. ' +
        '`{"public/build.tar.gz": {"type": "file", "path": "/builds/worker/build.tar.gz"}}`. ' +
        'A directory artifact uploads every file below it, named `<artifact name>/<relative path>`. ' +
        'A path that does not exist (or is of the other kind) yields an error artifact and fails the task. ' +
        'Names are printable ASCII.',
      propertyNames: { pattern: ARTIFACT_NAME_PATTERN },
      additionalProperties: {
        type: 'object',
        title: 'Artifact',
        description: 'One file or directory to upload.',
        required: ['type', 'path'],
        additionalProperties: false,
        properties: {
          type: {
            type: 'string',
            enum: ['file', 'directory', 'volume'],
            title: 'Artifact kind',
            description:
              '`file` for a single file, `directory` for every file below a directory, `volume` for a directory the worker mounts from the host (empty, writable) and publishes like a `directory`.',
          },
          path: {
            type: 'string',
            title: 'Path in the container',
            description: 'Absolute path of the file or directory inside the container.',
          },
          expires: {
            type: 'string',
            format: 'date-time',
            title: 'Expiry',
            description:
              "Date and time (RFC 3339, e.g. `2030-01-01T00:00:00.000Z`) after which the artifact is deleted. Defaults to the task's `expires`, and must not be later than it.",
          },
        },
      },
    },
    features: {
      type: 'object',
      title: 'Features',
      description:
        'Worker features to turn on (`true`) or off (`false`). Features not mentioned keep their default. ' +
        'Any other name fails the task as malformed; retired ones (`dind`, `dockerSave`, `balrogVPNProxy`, ...) ' +
        'with a sentence saying why.',
      additionalProperties: false,
      properties: {
        localLiveLog: feature(
          true,
          'Live log',
          'Stream the task log live while the task runs (artifact `public/logs/live.log`) and upload the full log ' +
            'afterwards (`public/logs/live_backing.log`). On by default.',
        ),
        bulkLog: feature(
          false,
          'Bulk log',
          'Also upload the whole task log as one gzipped artifact, `public/logs/terminal_bulk.log.gz`. Off by default on ' +
            'this worker, as on the original (the published schema documents `true`).',
        ),
        taskclusterProxy: feature(
          false,
          'Taskcluster proxy',
          'Run a proxy the task can call Taskcluster APIs through, with the scopes of this task; its URL is in ' +
            '`TASKCLUSTER_PROXY_URL` (the host `taskcluster` in the container). Off by default; not offered by this worker yet.',
        ),
        artifacts: feature(true, 'Artifact upload', 'Upload the artifacts declared in `artifacts` after the command exits. On by default.'),
        interactive: feature(
          false,
          'Interactive session',
          'Allow shell sessions into the running container over a websocket (artifact `private/docker-worker/shell.html`); ' +
            'the container is kept for a while after the command exits, never past maxRunTime. Needs the scope ' +
            '`docker-worker:feature:interactive`. Off by default; this worker offers no VNC display.',
        ),
        allowPtrace: feature(
          false,
          'Allow ptrace',
          'Give the container the `SYS_PTRACE` capability, for debuggers and crash reporters. Needs the scope ' +
            '`docker-worker:feature:allowPtrace`. Off by default.',
        ),
        chainOfTrust: feature(
          false,
          'Chain of trust',
          'Upload a signed description of the run (`public/chain-of-trust.json` and `.sig`) and `public/logs/certified.log`. ' +
            'Needs a signing key in the worker config. Off by default.',
        ),
      },
    },
    log: {
      type: 'string',
      default: 'public/logs/live.log',
      title: 'Live log artifact name',
      description:
        'Custom name for the live log artifact instead of `public/logs/live.log`; the uploaded full log is named after it, ' +
        'with `_backing` before the extension (`public/logs/build.log` → `public/logs/build_backing.log`).',
    },
    onExitStatus: {
      type: 'object',
      title: 'Exit status handling',
      description: 'What to do with a run that exits with given non-zero exit codes.',
      additionalProperties: false,
      properties: {
        retry: exitCodes(
          'Retry on exit codes',
          'Exit codes that resolve the run as `exception` with reason `intermittent-task`, so the queue retries the task (up to its `retries`).',
        ),
        purgeCaches: exitCodes(
          'Purge caches on exit codes',
          'Exit codes after which every cache mounted by this task is purged, so the next task starts with an empty one.',
        ),
      },
    },
    supersederUrl: {
      type: 'string',
      title: 'Superseder URL',
      description:
        'Kept for payloads that carry it. An http(s) service the worker asks, with `?taskId=<taskId>`, for a list of tasks ' +
        'this one supersedes (`{"supersedes": [taskIds]}`); the worker claims them too, runs the first in the list and ' +
        'resolves the others as `exception`/`superseded`. Anything else (not http(s), no answer, an answer without such ' +
        'a list) and the task runs alone, with a line in its log saying why.',
    },
  },
  // The published schema refuses unknown top-level keys; this worker accepts them, as payloads
  // written for the original carry some, and warns in the task log (unknownPayloadKeys).
  additionalProperties: true,
} as const;
