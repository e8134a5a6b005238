/**
 * The deploy variables: every value `dw-deploy configure` asks for and `deploy/deploy.json` holds.
 *
 * Each variable has a dotted key (its path in deploy.json and its `{{key}}` name in the
 * templates), a JSON Schema for its value, and a description that the prompt and the variables
 * table of docs/deployment.md show. All values are scalars, so a `--set key=value` can give any
 * of them.
 */

/** Taskcluster's pattern for provisionerId (mirrors the worker config schema). */
const IDENTIFIER = '^[a-zA-Z0-9-_]{1,38}$';
/** Taskcluster's pattern for a worker type. */
const WORKER_TYPE = '^[a-z]([-a-z0-9]{0,36}[a-z0-9])?$';
const AWS_REGION = '[a-z]{2}(-gov)?-[a-z]+-[0-9]';
/** An AMI id. */
export const AMI_ID = '^ami-[0-9a-f]{8,17}$';

export type VariableSchema =
  | { type: 'string'; enum?: readonly string[]; pattern?: string; minLength?: number }
  | { type: 'integer'; minimum?: number; maximum?: number }
  | { type: 'boolean' };

export interface Variable {
  /** Dotted key, e.g. `worker.capacity`. */
  key: string;
  /** Shown by the prompt. */
  description: string;
  schema: VariableSchema;
  /** Absent: the variable is required and has no default. */
  default?: string | number | boolean;
  /** What a valid value looks like, added to pattern errors. */
  example?: string;
}

export const VARIABLES: readonly Variable[] = [
  // --- the worker config baked into the image (etc/docker-worker/config.yml) ---
  {
    key: 'worker.rootUrl',
    description: 'Root URL of the Taskcluster deployment the fleet serves',
    schema: { type: 'string', pattern: '^https?://[^\\s/]+[^\\s]*$' },
    example: 'https://tc.example.com',
  },
  {
    key: 'worker.provisionerId',
    description: 'provisionerId: first half of the worker pool id <provisionerId>/<workerType>',
    schema: { type: 'string', pattern: IDENTIFIER },
    example: 'proj-example',
  },
  {
    key: 'worker.workerType',
    description: 'workerType: second half of the worker pool id',
    schema: { type: 'string', pattern: WORKER_TYPE },
    example: 'docker-worker',
  },
  {
    key: 'worker.capacity',
    description: 'Tasks each machine runs at once',
    schema: { type: 'integer', minimum: 1, maximum: 64 },
    default: 1,
  },
  {
    key: 'worker.logLevel',
    description: "Least severe level of the worker's own log (JSON lines in the journal)",
    schema: { type: 'string', enum: ['debug', 'info', 'warn', 'error'] },
    default: 'info',
  },
  {
    key: 'worker.artifactStorage',
    description: 'Storage type of uploaded artifacts and logs: s3 or object (the object service)',
    schema: { type: 'string', enum: ['s3', 'object'] },
    default: 's3',
  },
  {
    key: 'worker.allowPrivileged',
    description: 'Whether tasks may ask for privileged containers (they need the scope too)',
    schema: { type: 'boolean' },
    default: false,
  },
  {
    key: 'worker.allowDisableSeccomp',
    description: "Whether tasks may ask to run without the engine's seccomp profile (they need the scope too)",
    schema: { type: 'boolean' },
    default: false,
  },
  {
    key: 'worker.diskspaceThreshold',
    description: 'Free bytes needed on /mnt per free task slot before the worker claims (0: no check)',
    schema: { type: 'integer', minimum: 0 },
    default: 10_000_000_000,
  },
  {
    key: 'worker.idleShutdown',
    description: 'Stop the worker (and so release the machine) after worker.idleSeconds without a task',
    schema: { type: 'boolean' },
    default: false,
  },
  {
    key: 'worker.idleSeconds',
    description: 'Seconds without a running task before an idle shutdown',
    schema: { type: 'integer', minimum: 1 },
    default: 300,
  },
  {
    key: 'worker.stopTimeoutSeconds',
    description: 'How long `systemctl stop` (SIGINT) waits for running tasks to finish before killing the worker',
    schema: { type: 'integer', minimum: 30, maximum: 604800 },
    default: 86400,
  },
  {
    key: 'worker.liveLogPort',
    description: 'Port of the live log server (open it to task log readers; 0: any free port)',
    schema: { type: 'integer', minimum: 0, maximum: 65535 },
    default: 60023,
  },
  {
    key: 'worker.interactivePort',
    description: 'Port of the interactive shell server (open it to the people who open shells into tasks; 0: any free port)',
    schema: { type: 'integer', minimum: 0, maximum: 65535 },
    default: 62022,
  },
  // --- host services ---
  {
    key: 'logForwarding.target',
    description: 'host:port of a syslog server that receives the journal (empty: no forwarding)',
    schema: { type: 'string', pattern: '^$|^[A-Za-z0-9.-]+:[0-9]{1,5}$' },
    default: '',
    example: 'logs.example.com:6514',
  },
  {
    key: 'logForwarding.protocol',
    description: 'Syslog transport: tls (TCP with TLS, the system CA bundle), tcp or udp',
    schema: { type: 'string', enum: ['tls', 'tcp', 'udp'] },
    default: 'tls',
  },
  {
    key: 'keys.signingKey',
    description: 'Local path of the chain-of-trust ed25519 signing key, installed as /etc/docker-worker/cot-signing-key.key',
    schema: { type: 'string', minLength: 1 },
    example: '/secrets/docker-worker-cot.key',
  },
  {
    key: 'tls.certificate',
    description: 'Local path of the TLS certificate for the live log server (empty: none), installed as /etc/docker-worker/tls.crt',
    schema: { type: 'string' },
    default: '',
  },
  {
    key: 'tls.key',
    description: 'Local path of the key of that certificate (empty: none), installed as /etc/docker-worker/tls.key',
    schema: { type: 'string' },
    default: '',
  },
  {
    key: 'docker.storageDriver',
    description: 'Docker storage driver: auto (btrfs on a btrfs /mnt, else overlay2), overlay2 or btrfs',
    schema: { type: 'string', enum: ['auto', 'overlay2', 'btrfs'] },
    default: 'auto',
  },
  {
    key: 'docker.logMaxSize',
    description: 'Largest size of one container log file kept by Docker',
    schema: { type: 'string', pattern: '^[0-9]+[kmg]$' },
    default: '50m',
    example: '50m',
  },
  {
    key: 'docker.logMaxFiles',
    description: 'Number of container log files Docker keeps per container',
    schema: { type: 'integer', minimum: 1, maximum: 100 },
    default: 3,
  },
  {
    key: 'disks.layout',
    description:
      'How the instance-store disks become /mnt: auto (LVM+ext4 with device-mapper, else btrfs; a lone disk ext4), lvm or btrfs',
    schema: { type: 'string', enum: ['auto', 'lvm', 'btrfs'] },
    default: 'auto',
  },
  // --- the image build (packer, amazon-ebs) ---
  {
    key: 'aws.region',
    description: 'AWS region the images are built in',
    schema: { type: 'string', pattern: `^${AWS_REGION}$` },
    default: 'us-west-2',
    example: 'us-west-2',
  },
  {
    key: 'aws.copyRegions',
    description: 'Other regions the app image is copied to, comma-separated (empty: none)',
    schema: { type: 'string', pattern: `^$|^${AWS_REGION}(,${AWS_REGION})*$` },
    default: '',
    example: 'us-east-1,eu-central-1',
  },
  {
    key: 'aws.instanceType',
    description: 'Instance type packer builds on',
    schema: { type: 'string', pattern: '^[a-z][a-z0-9-]*\\.[a-z0-9]+$' },
    default: 'm5.large',
    example: 'm5.large',
  },
  {
    key: 'aws.sourceImage',
    description: 'Source image (AMI id) of the base build: a stock Ubuntu 24.04 (or Debian 12) image of aws.region',
    schema: { type: 'string', pattern: AMI_ID },
    example: 'ami-0123456789abcdef0',
  },
  {
    key: 'aws.sshUsername',
    description: 'Login user of the source image (ubuntu for Ubuntu, admin for Debian)',
    schema: { type: 'string', pattern: '^[a-z_][a-z0-9_-]*$' },
    default: 'ubuntu',
  },
  {
    key: 'image.name',
    description: 'Name prefix of the images: <name>-base-<timestamp>, <name>-app-<timestamp>',
    schema: { type: 'string', pattern: '^[a-zA-Z0-9()\\[\\]./_-]{3,100}$' },
    default: 'docker-worker',
  },
  {
    key: 'node.version',
    description: 'Node.js version installed on the image (checked against the release SHASUMS256.txt)',
    schema: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' },
    default: '20.20.2',
    example: '20.20.2',
  },
];

export function findVariable(key: string): Variable | undefined {
  return VARIABLES.find((v) => v.key === key);
}

/** The closest known key to a misspelt one, if close enough to be a likely typo. */
export function suggestKey(key: string): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const variable of VARIABLES) {
    const distance = editDistance(key.toLowerCase(), variable.key.toLowerCase());
    if (!best || distance < best.distance) best = { key: variable.key, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 4)) ? best.key : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
