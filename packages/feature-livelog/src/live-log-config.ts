/**
 * The worker config section `features.localLiveLog`. The worker checks it against
 * `liveLogConfigSchema` at start-up (a bad value or an unknown key stops it, naming the key);
 * `liveLogServerConfig` then fills the defaults that depend on the worker.
 *
 * ```yaml
 * features:
 *   localLiveLog:
 *     host: 0.0.0.0                 # bind address (default: see below)
 *     port: 60023                   # 0 (the default) = any free port
 *     publicHostname: worker-1.example.com   # in live log URLs (default: the worker's `host`)
 *     tls: { certificate: /etc/livelog.crt, key: /etc/livelog.key }   # https when given
 * ```
 */
import { featureServerSettings, type FeatureConfigSchema } from '@docker-worker/worker-contract';

/** The server cannot work on this host (a certificate it cannot read, a port it cannot have). */
export class LiveLogConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveLogConfigError';
  }
}

export interface LiveLogServerConfig {
  /** Address the server listens on. */
  host: string;
  /** Port the server listens on; 0 picks a free one. */
  port: number;
  /** Host name readers use in live log URLs. */
  publicHostname: string;
  /** Paths of a PEM certificate (chain) and its key: the server speaks https. */
  tls?: { certificate: string; key: string };
}

const nonEmpty = { type: 'string', minLength: 1, pattern: '\\S' } as const;

export const liveLogConfigSchema = {
  type: 'object',
  title: 'Live log',
  description: 'The live log server: one per worker process, serving every running task\'s log.',
  properties: {
    host: { ...nonEmpty, title: 'Bind address', description: 'Address the server listens on, such as 0.0.0.0.' },
    port: { type: 'integer', minimum: 0, maximum: 65535, default: 0, title: 'Port', description: 'Port it listens on, and the port in URLs; 0 picks a free one.' },
    publicHostname: { ...nonEmpty, title: 'Public host name', description: 'Host name in live log URLs; the worker\'s `host` by default.' },
    tls: {
      type: 'object',
      title: 'TLS',
      description: 'PEM certificate and key files; with both the server speaks https.',
      additionalProperties: false,
      required: ['certificate', 'key'],
      properties: {
        certificate: { ...nonEmpty, title: 'Certificate file' },
        key: { ...nonEmpty, title: 'Private key file' },
      },
    },
  },
} satisfies FeatureConfigSchema;

/** The section as the schema lets it through. */
export interface LiveLogSettings {
  host?: string;
  port?: number;
  publicHostname?: string;
  tls?: { certificate: string; key: string };
}

/**
 * The live log server's settings from the (validated) config section. `publicHostname`
 * defaults to the worker's `host`. The bind address defaults to loopback when that name is a
 * loopback name (a local `worker run`: nothing outside can use the URL, so nothing outside
 * should reach the port) and to every interface otherwise.
 */
export function liveLogServerConfig(section: LiveLogSettings, defaults: { publicHostname: string }): LiveLogServerConfig {
  return featureServerSettings(section, defaults);
}
