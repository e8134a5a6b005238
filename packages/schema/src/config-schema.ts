/**
 * JSON Schema of the worker configuration (`WorkerConfig` in `config-types.ts`, kept in step).
 *
 * Every key with a sensible value has a `default`, so an empty object is a complete config for
 * local mode (the embedded queue). Unknown keys are rejected everywhere, so that a misspelt key is
 * reported by name instead of silently ignored; under `features` each feature's own schema
 * does that, checked when the worker starts (worker-core knows the features, this package does not).
 */

/** Taskcluster's pattern for provisionerId, workerGroup and workerId. */
export const IDENTIFIER_PATTERN = '^[a-zA-Z0-9-_]{1,38}$';

/** Taskcluster's pattern for a worker type (the name part of a worker pool id). */
export const WORKER_TYPE_PATTERN = '^[a-z]([-a-z0-9]{0,36}[a-z0-9])?$';

export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://schemas.taskcluster.net/docker-worker/v1/config.json#',
  title: 'docker-worker configuration',
  description:
    'Configuration of the worker: the Taskcluster deployment and credentials, its identity, capacity and ' +
    'per-feature settings. Every key has a default, so local mode needs no file at all.',
  type: 'object',
  additionalProperties: false,
  required: [
    'provisionerId',
    'workerType',
    'workerGroup',
    'workerId',
    'workerNodeType',
    'host',
    'capacity',
    'taskQueue',
    'task',
    'dockerConfig',
    'artifacts',
    'workDir',
    'features',
    'logging',
    'embeddedQueue',
    'shutdown',
    'dockerVolume',
    'capacityManagement',
    'cache',
    'garbageCollection',
    'prometheus',
    'metricsCollection',
  ],
  properties: {
    rootUrl: {
      type: 'string',
      format: 'uri',
      title: 'Taskcluster root URL',
      description: 'Root URL of the Taskcluster deployment to serve, e.g. `https://tc.example.com`. Absent: the embedded queue (local mode).',
    },
    taskcluster: {
      type: 'object',
      title: 'Taskcluster credentials',
      description: 'Credentials the worker claims work with; needed with `rootUrl`.',
      additionalProperties: false,
      required: ['clientId', 'accessToken'],
      properties: {
        clientId: { type: 'string', minLength: 1, title: 'Client ID', description: 'Taskcluster client ID.' },
        accessToken: { type: 'string', minLength: 1, title: 'Access token', description: 'Access token of that client.' },
        certificate: {
          type: 'string',
          title: 'Certificate',
          description: 'Certificate (JSON text) for temporary credentials; absent for permanent ones.',
        },
      },
    },
    provisionerId: {
      type: 'string',
      pattern: IDENTIFIER_PATTERN,
      default: 'local',
      title: 'Provisioner ID',
      description: 'First half of the worker pool id `<provisionerId>/<workerType>`.',
    },
    workerType: {
      type: 'string',
      pattern: WORKER_TYPE_PATTERN,
      default: 'docker-worker',
      title: 'Worker type',
      description: 'Second half of the worker pool id `<provisionerId>/<workerType>`.',
    },
    workerGroup: {
      type: 'string',
      pattern: IDENTIFIER_PATTERN,
      default: 'local',
      title: 'Worker group',
      description: 'Group of this worker, often the cloud region.',
    },
    workerId: {
      type: 'string',
      pattern: IDENTIFIER_PATTERN,
      default: 'local-worker',
      title: 'Worker ID',
      description: 'Name of this worker within its group, often the instance id.',
    },
    workerNodeType: {
      type: 'string',
      minLength: 1,
      default: 'standalone',
      title: 'Worker node type',
      description: 'Kind of machine (e.g. the cloud instance type), reported in logs and metrics.',
    },
    host: {
      type: 'string',
      minLength: 1,
      default: 'localhost',
      title: 'Public hostname',
      description: 'Hostname by which task log readers reach this machine (live log URLs).',
    },
    publicIp: { type: 'string', title: 'Public IP', description: 'Public IP address of this machine.' },
    privateIp: { type: 'string', title: 'Private IP', description: 'Private IP address of this machine.' },
    instanceId: { type: 'string', title: 'Instance ID', description: 'Cloud instance id, for metrics and chain of trust.' },
    region: { type: 'string', title: 'Region', description: 'Cloud region, for metrics and chain of trust.' },
    capacity: {
      type: 'integer',
      minimum: 1,
      maximum: 64,
      default: 1,
      title: 'Capacity',
      description: 'Number of tasks run at once, at least 1 (a worker that may run none would wait for ever). Free devices and disk space may lower it.',
    },
    taskQueue: {
      type: 'object',
      default: {},
      title: 'Polling',
      description: 'How the worker asks the queue for work.',
      additionalProperties: false,
      properties: {
        pollInterval: {
          type: 'integer',
          minimum: 0,
          default: 5000,
          title: 'Poll interval',
          description: 'Pause after an empty or failed claimWork before polling again, in milliseconds.',
        },
      },
    },
    task: {
      type: 'object',
      default: {},
      title: 'Task handling',
      description: 'Settings of each claimed task.',
      additionalProperties: false,
      properties: {
        reclaimDivisor: {
          type: 'number',
          exclusiveMinimum: 1,
          default: 2,
          title: 'Reclaim divisor',
          description: 'A claim is renewed after (takenUntil - now) / reclaimDivisor; must be above 1.',
        },
      },
    },
    dockerConfig: {
      type: 'object',
      default: {},
      title: 'Docker',
      description: 'Docker settings.',
      additionalProperties: false,
      properties: {
        allowPrivileged: {
          type: 'boolean',
          default: false,
          title: 'Allow privileged tasks',
          description: 'Whether tasks may ask for `capabilities.privileged` (they need the scope as well).',
        },
        allowDisableSeccomp: {
          type: 'boolean',
          default: false,
          title: 'Allow tasks without seccomp',
          description:
            "Whether tasks may ask for `capabilities.disableSeccomp`, running without the engine's seccomp profile " +
            '(they need the scope `docker-worker:capability:disableSeccomp` as well).',
        },
        defaultRegistry: {
          type: 'string',
          minLength: 1,
          default: 'registry.hub.docker.com',
          title: 'Default registry',
          description: 'Registry of image names without a host (`user/image`), for matching `registries` keys.',
        },
      },
    },
    registries: {
      type: 'object',
      default: {},
      title: 'Registry credentials',
      description:
        'Credentials for pulling images, keyed `host`, `host/` or `host/user` (an exact `host/user` key wins). A task ' +
        'pulling with them needs the scope `docker-worker:image:<repository>:<tag>`.',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['username', 'password'],
        properties: {
          username: { type: 'string', minLength: 1, title: 'User' },
          password: { type: 'string', title: 'Password' },
          email: { type: 'string', title: 'E-mail' },
        },
      },
    },
    garbageCollection: {
      type: 'object',
      default: {},
      title: 'Garbage collection',
      description: 'Removal of images this worker pulled and no task uses any more.',
      additionalProperties: false,
      properties: {
        imageExpiration: {
          type: 'integer',
          minimum: 0,
          default: 7_200_000,
          title: 'Image expiration',
          description: 'An image this worker pulled is removed after this many milliseconds unused.',
        },
        interval: {
          type: 'integer',
          minimum: 1000,
          default: 60_000,
          title: 'Interval',
          description: 'Milliseconds between garbage-collection sweeps.',
        },
      },
    },
    cache: {
      type: 'object',
      default: {},
      title: 'Caches',
      description: 'Where named caches (`payload.cache`) live on the host.',
      additionalProperties: false,
      properties: {
        volumeCachePath: {
          type: 'string',
          minLength: 1,
          default: '/var/cache/docker-worker',
          title: 'Cache root',
          description: 'Root directory of the cache instances (`<root>/<name>/<instance>`) and their index.',
        },
      },
    },
    dockerVolume: {
      type: 'string',
      minLength: 1,
      default: '/var/lib/docker',
      title: 'Docker volume',
      description: "A directory on the filesystem holding Docker's data root; free space there gates claiming.",
    },
    capacityManagement: {
      type: 'object',
      default: {},
      title: 'Capacity management',
      description: 'Limits on claiming beyond `capacity`.',
      additionalProperties: false,
      properties: {
        diskspaceThreshold: {
          type: 'integer',
          minimum: 0,
          default: 1_000_000_000,
          title: 'Disk space per task',
          description:
            'Free bytes needed on `dockerVolume` for each free slot (at least one) before the worker claims; ' +
            '0 turns the check off.',
        },
      },
    },
    artifacts: {
      type: 'object',
      default: {},
      title: 'Artifacts',
      description: 'How artifacts and logs are uploaded.',
      additionalProperties: false,
      properties: {
        storageType: {
          type: 'string',
          enum: ['s3', 'object'],
          default: 's3',
          title: 'Storage type',
          description: 'Queue storage type for uploaded artifacts and logs: `s3` or `object` (the object service).',
        },
        uploadConcurrency: {
          type: 'integer',
          minimum: 1,
          maximum: 64,
          default: 4,
          title: 'Uploads at once',
          description: 'How many artifact uploads of one task run at once (payload artifacts and logs alike); more wait for a free slot.',
        },
      },
    },
    workDir: {
      type: 'string',
      minLength: 1,
      default: '/tmp/docker-worker',
      title: 'Work directory',
      description: 'Directory for task logs and worker state.',
    },
    features: {
      type: 'object',
      default: {},
      title: 'Feature settings',
      description:
        'Per-feature settings, feature name to an object of that feature\'s settings. Each feature declares the ' +
        'schema of its own section, and the worker checks it at start-up; `enabled: false` switches a feature off.',
      additionalProperties: {
        type: 'object',
        title: 'Settings of one feature',
        properties: {
          enabled: { type: 'boolean', title: 'Enabled', description: '`false` switches the feature off on this worker.' },
        },
      },
    },
    logging: {
      type: 'object',
      default: {},
      title: 'Logging',
      description: 'The worker\'s own log on stderr.',
      additionalProperties: false,
      properties: {
        format: {
          type: 'string',
          enum: ['json', 'pretty'],
          default: 'pretty',
          title: 'Format',
          description: '`json` for one JSON object per line, `pretty` for people.',
        },
        level: {
          type: 'string',
          enum: ['debug', 'info', 'warn', 'error'],
          default: 'info',
          title: 'Level',
          description: 'Least severe level that is written.',
        },
      },
    },
    pulse: {
      type: 'object',
      title: 'Pulse',
      description:
        'The Pulse (RabbitMQ) broker on which the queue publishes task exceptions, so a canceled task is stopped ' +
        'within a second. Give `url` (`amqps://user:password@host/vhost`) or `hostname`, `username`, `password` ' +
        'and `vhost`. Absent: cancellations are noticed at the next reclaim (on the embedded queue, at once).',
      additionalProperties: false,
      properties: {
        url: { type: 'string', pattern: '^amqps?://', title: 'AMQP URL', description: '`amqp://` or `amqps://` URL of the broker.' },
        hostname: { type: 'string', minLength: 1, title: 'Host', description: 'Broker host name.' },
        port: { type: 'integer', minimum: 1, maximum: 65535, title: 'Port', description: 'Broker port; 5671 for amqps, 5672 for amqp.' },
        username: { type: 'string', minLength: 1, title: 'User', description: 'Pulse user.' },
        password: { type: 'string', title: 'Password', description: 'Pulse password.' },
        vhost: { type: 'string', title: 'Virtual host', description: 'Virtual host, `/` when absent.' },
        protocol: { type: 'string', enum: ['amqp', 'amqps'], title: 'Protocol', description: '`amqps` (TLS, the default) or `amqp`.' },
      },
    },
    shutdown: {
      type: 'object',
      default: {},
      title: 'Idle shutdown',
      description: 'Stop the worker after a while with nothing to run; under worker-runner the machine is then removed.',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', default: false, title: 'Enabled', description: 'Shut down when idle.' },
        afterIdleSeconds: {
          type: 'integer',
          minimum: 1,
          default: 300,
          title: 'Idle seconds',
          description: 'Seconds without a running task before the worker stops.',
        },
      },
    },
    influx: {
      type: 'object',
      title: 'InfluxDB',
      description:
        'Where the worker writes its metrics as InfluxDB points (the v2 write API: `/api/v2/write`). Absent: no ' +
        'points are written. An InfluxDB that cannot be reached never slows a task: points wait in a bounded ' +
        'buffer, and those past `maxPendingPoints` are dropped.',
      additionalProperties: false,
      required: ['url', 'bucket'],
      properties: {
        url: { type: 'string', pattern: '^https?://', title: 'URL', description: 'Base URL of the InfluxDB server, e.g. `http://influx.example.com:8086`.' },
        token: { type: 'string', default: '', title: 'Token', description: 'API token (sent as `Authorization: Token ...`); empty for none.' },
        org: { type: 'string', default: '', title: 'Organization', description: 'Organization the bucket belongs to.' },
        bucket: { type: 'string', minLength: 1, title: 'Bucket', description: 'Bucket the points go to (`database/retention-policy` on InfluxDB 1.x).' },
        precision: { type: 'string', enum: ['ns', 'us', 'ms', 's'], default: 'ms', title: 'Precision', description: 'Timestamp precision of the points written.' },
        maxPendingPoints: {
          type: 'integer',
          minimum: 1,
          default: 10000,
          title: 'Pending points',
          description: 'Points kept in memory while InfluxDB cannot be reached; older points past this are dropped.',
        },
        flushInterval: { type: 'integer', minimum: 10, default: 5000, title: 'Flush interval', description: 'ms between writes of the points gathered.' },
      },
    },
    prometheus: {
      type: 'object',
      default: {},
      title: 'Prometheus',
      description: 'A `GET /metrics` endpoint in the Prometheus text format. Off unless `port` is set.',
      additionalProperties: false,
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535, title: 'Port', description: 'Port `/metrics` is served on; absent: not served; 0 picks a free one (logged).' },
        host: { type: 'string', minLength: 1, default: '127.0.0.1', title: 'Listen address', description: 'Address `/metrics` listens on.' },
      },
    },
    metricsCollection: {
      type: 'object',
      default: {},
      title: 'Metrics collection',
      description: 'How often the worker measures its host.',
      additionalProperties: false,
      properties: {
        hostMetricsInterval: {
          type: 'integer',
          minimum: 1000,
          default: 60000,
          title: 'Host metrics interval',
          description: 'ms between measurements of the host\'s memory, CPU load and the free space of `dockerVolume`.',
        },
        cacheDiskUsageInterval: {
          type: 'integer',
          minimum: 1000,
          default: 300000,
          title: 'Cache disk usage interval',
          description: 'ms between measurements of the bytes the named caches hold (`du` of `cache.volumeCachePath`, in a process of its own).',
        },
      },
    },
    workerLocation: {
      type: 'object',
      title: 'Worker location',
      description: "worker-runner's description of where the worker runs (cloud, region, availability zone).",
      additionalProperties: { type: 'string' },
    },
    embeddedQueue: {
      type: 'object',
      default: {},
      title: 'Embedded queue',
      description: 'The embedded Taskcluster queue, used when `rootUrl` is absent.',
      additionalProperties: false,
      properties: {
        host: {
          type: 'string',
          minLength: 1,
          default: '127.0.0.1',
          title: 'Listen address',
          description: 'Address the embedded queue listens on.',
        },
        port: {
          type: 'integer',
          minimum: 0,
          maximum: 65535,
          default: 0,
          title: 'Port',
          description: 'Port it listens on; 0 picks a free one.',
        },
        claimTimeout: {
          type: 'integer',
          minimum: 1,
          default: 1200,
          title: 'Claim timeout',
          description: 'Seconds a claim lasts before it must be reclaimed.',
        },
        storageDir: {
          type: 'string',
          default: '',
          title: 'Storage directory',
          description: 'Where it stores artifacts; a temporary directory when empty.',
        },
        roles: {
          type: 'object',
          default: {},
          title: 'Roles',
          description:
            'Roles of its auth service, role id to scopes: a task (or client) holding `assume:<roleId>` holds the ' +
            'role\'s scopes too, recursively; a role id ending in `*` is assumed by every scope it prefixes.',
          additionalProperties: { type: 'array', items: { type: 'string' }, title: 'Scopes the role grants' },
        },
      },
    },
  },
} as const;
