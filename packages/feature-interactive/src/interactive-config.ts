/**
 * The worker config section `features.interactive`. The worker checks it against
 * `interactiveConfigSchema` at start-up (a bad value or an unknown key stops it, naming the
 * key); `interactiveServerConfig` fills the defaults that depend on the worker.
 *
 * ```yaml
 * features:
 *   interactive:
 *     port: 62022                    # 0 (the default) = any free port
 *     publicHostname: worker-1.example.com   # in socket URLs (default: the worker's `host`)
 *     tls: { certificate: /etc/livelog.crt, key: /etc/livelog.key }   # wss when given; the live log's files do
 *     minTime: 180                   # s the container stays after it started
 *     expirationAfterSession: 900    # s it stays after the last session closed
 *     artifactName: private/docker-worker
 *     shellPage: https://tc.example.com/shell/      # default: <rootUrl>/shell/
 *     displayPage: https://tc.example.com/display/  # default: <rootUrl>/display/
 * ```
 */
import { featureServerSettings, type FeatureConfigSchema } from '@docker-worker/worker-contract';

/** The server cannot work on this host (a certificate it cannot read, a port it cannot have). */
export class InteractiveConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InteractiveConfigError';
  }
}

export interface InteractiveServerConfig {
  host: string;
  port: number;
  publicHostname: string;
  tls?: { certificate: string; key: string };
}

const nonEmpty = { type: 'string', minLength: 1, pattern: '\\S' } as const;

export const DEFAULT_MIN_TIME = 180;
export const DEFAULT_EXPIRATION_AFTER_SESSION = 900;
export const DEFAULT_ARTIFACT_PREFIX = 'private/docker-worker';

export const interactiveConfigSchema = {
  type: 'object',
  title: 'Interactive sessions',
  description: 'The websocket server for shells into running tasks: one per worker process, its own port.',
  properties: {
    host: { ...nonEmpty, title: 'Bind address', description: 'Address the server listens on; every interface unless publicHostname is a loopback name.' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 0, title: 'Port', description: 'Port it listens on, and the port in socket URLs; 0 picks a free one.' },
    publicHostname: { ...nonEmpty, title: 'Public host name', description: "Host name in socket URLs; the worker's `host` by default." },
    tls: {
      type: 'object',
      title: 'TLS',
      description: 'PEM certificate and key files (the same settings as the live log\'s); with both the server speaks wss.',
      additionalProperties: false,
      required: ['certificate', 'key'],
      properties: {
        certificate: { ...nonEmpty, title: 'Certificate file' },
        key: { ...nonEmpty, title: 'Private key file' },
      },
    },
    minTime: {
      type: 'integer',
      minimum: 0,
      default: DEFAULT_MIN_TIME,
      title: 'Minimum time',
      description: 'Seconds an interactive task\'s container stays after it started, even when its command exited sooner.',
    },
    expirationAfterSession: {
      type: 'integer',
      minimum: 0,
      default: DEFAULT_EXPIRATION_AFTER_SESSION,
      title: 'Time after the last session',
      description: 'Seconds the container stays after its last session closed, for a reconnect.',
    },
    artifactName: {
      ...nonEmpty,
      default: DEFAULT_ARTIFACT_PREFIX,
      title: 'Artifact prefix',
      description: 'Where `shell.html` and `display.html` go; keep it private (the socket URLs in them are all a client needs).',
    },
    shellPage: {
      type: 'string',
      format: 'uri',
      title: 'Shell page',
      description: "The UI page `shell.html` points at, with socketUrl, taskId and runId as its query; `<rootUrl>/shell/` by default.",
    },
    displayPage: {
      type: 'string',
      format: 'uri',
      title: 'Display page',
      description: "The UI page `display.html` points at, with socketUrl, displaysUrl, v, taskId and runId as its query; `<rootUrl>/display/` by default.",
    },
  },
} satisfies FeatureConfigSchema;

/** The section as the schema lets it through (defaults filled). */
export interface InteractiveSettings {
  host?: string;
  port?: number;
  publicHostname?: string;
  tls?: { certificate: string; key: string };
  minTime?: number;
  expirationAfterSession?: number;
  artifactName?: string;
  shellPage?: string;
  displayPage?: string;
}

/** Where the server listens: loopback when its URLs name a loopback host (nothing outside could use them). */
export function interactiveServerConfig(section: InteractiveSettings, defaults: { publicHostname: string }): InteractiveServerConfig {
  return featureServerSettings(section, defaults);
}

/** The URL of the UI's shell page for one session socket. */
export function shellPageUrl(page: string, query: { socketUrl: string; taskId: string; runId: number }): string {
  const url = new URL(page);
  url.searchParams.set('socketUrl', query.socketUrl);
  url.searchParams.set('taskId', query.taskId);
  url.searchParams.set('runId', String(query.runId));
  return url.toString();
}

/**
 * The URL of the UI's display page: it fetches `displaysUrl` (a JSON list of `{ display }`) and
 * connects noVNC to `<socketUrl>?display=<display>`, so socketUrl carries no query of its own.
 */
export function displayPageUrl(page: string, query: { socketUrl: string; displaysUrl: string; taskId: string; runId: number }): string {
  const url = new URL(page);
  url.searchParams.set('v', '1');
  url.searchParams.set('socketUrl', query.socketUrl);
  url.searchParams.set('displaysUrl', query.displaysUrl);
  url.searchParams.set('taskId', query.taskId);
  url.searchParams.set('runId', String(query.runId));
  return url.toString();
}
