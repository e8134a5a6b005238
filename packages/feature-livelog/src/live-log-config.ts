/**
 * The worker config section `features.localLiveLog`, checked here rather than in the worker's
 * config schema: `features` is a free-form map there, and the feature owns its settings.
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

/** A setting that cannot work: the worker prints it and stops before claiming. */
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

const KEYS = ['host', 'port', 'publicHostname', 'tls'];
const SECTION = 'features.localLiveLog';

/** Loopback names: a URL with one of them only works on this machine anyway. */
function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name.endsWith('.localhost') || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/**
 * The live log server's settings from the config section, with every problem in one error.
 * `publicHostname` defaults to the worker's `host`. The bind address defaults to loopback when
 * that name is a loopback name (a local `worker run`: nothing outside can use the URL, so
 * nothing outside should reach the port) and to every interface otherwise.
 * `port` may be a string of digits, as an environment override (`DW_FEATURES__...`) gives it.
 */
export function liveLogServerConfig(section: Record<string, unknown>, defaults: { publicHostname: string }): LiveLogServerConfig {
  const problems: string[] = [];
  for (const key of Object.keys(section)) {
    if (!KEYS.includes(key)) problems.push(`${SECTION}.${key} is not a setting (known: ${KEYS.join(', ')})`);
  }
  const { host, port, publicHostname, tls } = section;

  if (publicHostname !== undefined && !nonEmptyString(publicHostname)) problems.push(`${SECTION}.publicHostname must be a non-empty string`);
  const hostname = nonEmptyString(publicHostname) ? publicHostname.trim() : defaults.publicHostname;

  if (host !== undefined && !nonEmptyString(host)) problems.push(`${SECTION}.host must be a non-empty string (a bind address such as 0.0.0.0)`);
  const bind = nonEmptyString(host) ? host.trim() : isLoopback(hostname) ? '127.0.0.1' : '0.0.0.0';

  let portNumber = 0;
  if (port !== undefined) {
    const parsed = typeof port === 'string' && /^\d+$/.test(port.trim()) ? Number(port.trim()) : port;
    if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
      problems.push(`${SECTION}.port must be an integer from 0 to 65535 (0: any free port), not ${JSON.stringify(port)}`);
    } else {
      portNumber = parsed;
    }
  }

  let tlsFiles: LiveLogServerConfig['tls'];
  if (tls !== undefined) {
    if (typeof tls !== 'object' || tls === null || Array.isArray(tls)) {
      problems.push(`${SECTION}.tls must be an object { certificate, key } of file paths`);
    } else {
      const { certificate, key, ...rest } = tls as Record<string, unknown>;
      for (const extra of Object.keys(rest)) problems.push(`${SECTION}.tls.${extra} is not a setting (known: certificate, key)`);
      if (!nonEmptyString(certificate)) problems.push(`${SECTION}.tls.certificate must be the path of a PEM certificate`);
      if (!nonEmptyString(key)) problems.push(`${SECTION}.tls.key must be the path of a PEM private key`);
      if (nonEmptyString(certificate) && nonEmptyString(key)) tlsFiles = { certificate, key };
    }
  }

  if (problems.length > 0) throw new LiveLogConfigError(problems.join('; '));
  return { host: bind, port: portNumber, publicHostname: hostname, ...(tlsFiles ? { tls: tlsFiles } : {}) };
}
