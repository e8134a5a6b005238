/**
 * The worker's configuration file (YAML or JSON), after defaults, the chosen profile,
 * environment overrides and CLI flags were applied.
 */
export interface WorkerConfig {
  /** Taskcluster deployment to serve; absent means the embedded queue. */
  rootUrl?: string;
  taskcluster?: { clientId: string; accessToken: string; certificate?: string };

  provisionerId: string;
  workerType: string;
  workerGroup: string;
  workerId: string;
  workerNodeType: string;
  /** Public hostname of this machine (live log URLs). */
  host: string;
  publicIp?: string;
  privateIp?: string;
  instanceId?: string;
  region?: string;

  /** Tasks run at once. */
  capacity: number;
  taskQueue: {
    /** Pause after an empty or failed claimWork before polling again, ms. */
    pollInterval: number;
  };
  task: {
    /** Reclaim after (takenUntil - now) / reclaimDivisor. */
    reclaimDivisor: number;
  };
  dockerConfig: {
    allowPrivileged: boolean;
    /** Tasks may ask for `capabilities.disableSeccomp`. */
    allowDisableSeccomp: boolean;
    /** Registry of image names without a host (`user/image`), for matching `registries`. */
    defaultRegistry: string;
  };
  /** Credentials for image pulls: key `host`, `host/` or `host/user`. */
  registries: Record<string, { username: string; password: string; email?: string }>;
  garbageCollection: {
    /** An image this worker pulled is removed after this long unused, ms. */
    imageExpiration: number;
    /** Time between sweeps, ms. */
    interval: number;
  };
  cache: {
    /** Root of the host directories that hold named cache instances. */
    volumeCachePath: string;
  };
  /** A directory on the filesystem that holds Docker's data (images, containers): the disk gate checks it. */
  dockerVolume: string;
  capacityManagement: {
    /** Free bytes needed per free slot on `dockerVolume` before claiming; 0 turns the gate off. */
    diskspaceThreshold: number;
  };
  artifacts: {
    /** Storage type for uploaded artifacts and logs. */
    storageType: 's3' | 'object';
    /** Uploads of one task run at once. */
    uploadConcurrency: number;
  };
  /** Where task logs and worker state live. */
  workDir: string;
  /**
   * Per-feature settings, keyed by feature name; each feature declares the schema of its own
   * section (checked at start-up), and `enabled: false` switches it off.
   */
  features: Record<string, { enabled?: boolean; [setting: string]: unknown }>;
  logging: {
    /** Structured worker log format on stderr. */
    format: 'json' | 'pretty';
    level: 'debug' | 'info' | 'warn' | 'error';
  };
  /**
   * Pulse (RabbitMQ) for hearing cancellations as they happen: an AMQP URL, or its parts.
   * Absent: cancellations are noticed at the next reclaim (on the embedded queue, at once).
   */
  pulse?: {
    url?: string;
    hostname?: string;
    port?: number;
    username?: string;
    password?: string;
    vhost?: string;
    protocol?: 'amqp' | 'amqps';
  };
  /** Idle shutdown: stop after this long with nothing to run (worker-runner then removes the worker). */
  shutdown: {
    enabled: boolean;
    afterIdleSeconds: number;
  };
  /** InfluxDB to write metrics to (the v2 write API); absent: none written. */
  influx?: {
    url: string;
    token: string;
    org: string;
    /** `database/retention-policy` on InfluxDB 1.x. */
    bucket: string;
    precision: 'ns' | 'us' | 'ms' | 's';
    /** Points kept while InfluxDB cannot be reached; past this the oldest are dropped. */
    maxPendingPoints: number;
    /** ms between writes. */
    flushInterval: number;
  };
  /** `GET /metrics` for Prometheus; served only when `port` is set (0: any free port). */
  prometheus: {
    port?: number;
    host: string;
  };
  metricsCollection: {
    /** ms between host measurements (memory, CPU, `dockerVolume`'s disk). */
    hostMetricsInterval: number;
    /** ms between measurements of the bytes the named caches hold. */
    cacheDiskUsageInterval: number;
  };
  /** worker-runner's description of where the worker runs (cloud, region, zone). */
  workerLocation?: Record<string, string>;
  /** The embedded queue, used when `rootUrl` is absent. */
  embeddedQueue: {
    host: string;
    /** 0 picks a free port. */
    port: number;
    /** Seconds a claim lasts before it must be reclaimed. */
    claimTimeout: number;
    /** Where it stores artifacts; a temporary directory when empty. */
    storageDir: string;
    /** Role id to the scopes `assume:<roleId>` grants (ids ending in `*` are patterns). */
    roles: Record<string, string[]>;
  };
}
