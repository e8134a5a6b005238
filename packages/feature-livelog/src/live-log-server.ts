import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { FeatureServer, type Metrics, type TaskLog } from '@docker-worker/worker-contract';
import { LiveLogConfigError, type LiveLogServerConfig } from './live-log-config.js';
import { LOG_CONTENT_TYPE } from './log-names.js';
import { pacedReader } from './paced-reader.js';

export interface LiveLogServerOptions extends Partial<LiveLogServerConfig> {
  /**
   * A reader whose client has taken nothing for this long while bytes wait for it is dropped,
   * so a stuck client cannot hold a finished log's file (and its disk space) open for ever.
   * A reader that is merely waiting for a quiet task to print is never dropped. Default 5 min.
   */
  stallTimeoutMs?: number;
}

/** One log the server serves, until `unregister()`. */
export interface LiveLogRegistration {
  /** Where readers get the log: `http(s)://<publicHostname>:<port>/log/<token>`. */
  readonly url: string;
  /** No new reader gets the log; readers already connected still read it to its end. */
  unregister(): void;
}

/** What `register` was told about the log, with its URL (`worker run` prints it). */
export interface LiveLogRegisteredEvent {
  url: string;
  taskId?: string;
  runId?: number;
}

export interface LiveLogServerEvents {
  registered: [LiveLogRegisteredEvent];
}

const LOG_PATH = '/log/';
/** 32 random bytes: as hard to guess as a Taskcluster access token. */
const TOKEN_BYTES = 32;
const DEFAULT_STALL_TIMEOUT_MS = 5 * 60_000;

const LOG_HEADERS = {
  'Content-Type': LOG_CONTENT_TYPE,
  // Readers want each byte as it comes: no cache may keep a copy, no proxy may hold it back.
  'Cache-Control': 'no-cache, no-store',
  'X-Accel-Buffering': 'no',
  // A log is text whatever it contains: never let a browser run it as HTML.
  'X-Content-Type-Options': 'nosniff',
  // Log viewers on other origins (Treeherder) fetch it; the token in the URL is the only secret.
  'Access-Control-Allow-Origin': '*',
};

/**
 * The live log server: one per worker process, serving the log of every running task at an
 * unguessable URL. Each reader gets the log from its first byte and then follows it, with
 * chunked transfer, until the log is closed.
 *
 * Readers read the task's log file (TaskLog.createReader), never a buffer the task writes into:
 * a slow reader only falls behind on disk, so it neither slows the task nor grows this process,
 * and any number of readers cost a file handle and a socket each.
 */
export class LiveLogServer extends EventEmitter<LiveLogServerEvents> {
  #options: LiveLogServerOptions;
  /** Where it listens and what its URLs say: from the constructor, or given to start(). */
  #config: LiveLogServerConfig | undefined;
  #server: FeatureServer | undefined;
  #logs = new Map<string, TaskLog>();
  #readers = new Set<AbortController>();
  /** Where each registered log's readers are counted (LIVE_LOG_METRICS), when its host keeps metrics; weak, so an entry goes with its log. */
  #metrics = new WeakMap<TaskLog, Metrics>();

  /**
   * Settings given here are used by start(); a server made without them is configured by
   * start(config), which the live log feature's checkHost calls with the worker's config.
   */
  constructor(options: LiveLogServerOptions = {}) {
    super();
    this.#options = options;
    const { host, port, publicHostname, tls } = options;
    if (host !== undefined && port !== undefined && publicHostname !== undefined) this.#config = { host, port, publicHostname, ...(tls ? { tls } : {}) };
  }

  /** Whether it listens. */
  get started(): boolean {
    return this.#server !== undefined;
  }

  /** The port the server listens on, once started. */
  get port(): number {
    if (!this.#server) throw new Error('the live log server is not started');
    return this.#server.port;
  }

  /** Readers connected right now. */
  get readers(): number {
    return this.#readers.size;
  }

  /**
   * Listen, with `config` or the constructor's settings. Throws LiveLogConfigError when the
   * certificate cannot be used or the port is taken. A server already listening stays as it is.
   */
  async start(config?: LiveLogServerConfig): Promise<void> {
    if (this.#server) return;
    if (config) this.#config = config;
    if (!this.#config) throw new Error('the live log server needs its host, port and publicHostname to start');
    this.#server = await FeatureServer.listen(this.#config, (req, res) => this.#serve(req, res), {
      configKey: 'features.localLiveLog',
      what: 'live log server',
      toError: (message) => new LiveLogConfigError(message),
    });
  }

  /** Stop listening and close every reader's connection (they see an incomplete response). */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    await server.close(() => {
      for (const reader of this.#readers) reader.abort();
    });
    this.#logs.clear();
  }

  /**
   * Serve `log` at a fresh unguessable URL until `unregister()`. `about` only travels with the
   * `registered` event.
   */
  register(log: TaskLog, about: { taskId?: string; runId?: number; metrics?: Metrics } = {}): LiveLogRegistration {
    const token = randomBytes(TOKEN_BYTES).toString('hex');
    const url = `${this.#baseUrl()}${LOG_PATH}${token}`;
    this.#logs.set(token, log);
    if (about.metrics) this.#metrics.set(log, about.metrics);
    this.emit('registered', { url, ...about });
    return { url, unregister: () => void this.#logs.delete(token) };
  }

  #baseUrl(): string {
    const { publicHostname, tls } = this.#config!;
    // An IPv6 literal needs brackets in a URL.
    const host = publicHostname.includes(':') && !publicHostname.startsWith('[') ? `[${publicHostname}]` : publicHostname;
    return `${tls ? 'https' : 'http'}://${host}:${this.port}`;
  }


  #serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Only GET and HEAD are served here.\n');
      return;
    }
    const path = (req.url ?? '').split('?')[0]!;
    const log = path.startsWith(LOG_PATH) ? this.#logs.get(path.slice(LOG_PATH.length)) : undefined;
    if (!log) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('No such live log: the URL is wrong, or its task run has ended (its log is then an artifact of the task).\n');
      return;
    }
    res.writeHead(200, LOG_HEADERS);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // Headers now, so a reader knows it is connected even before the task prints anything.
    res.flushHeaders();
    const abort = new AbortController();
    this.#readers.add(abort);
    const metrics = this.#metrics.get(log);
    metrics?.increment('dw_livelog_readers_total');
    metrics?.set('dw_livelog_readers', this.#readers.size);
    let served = 0;
    // The client went away (or stop()): wake the reader, which may be waiting for the task to write.
    res.once('close', () => {
      abort.abort();
      this.#readers.delete(abort);
      metrics?.increment('dw_livelog_bytes_total', {}, served);
      metrics?.set('dw_livelog_readers', this.#readers.size);
    });
    res.setTimeout(this.#options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS, () => {
      if (res.writableNeedDrain) res.destroy();
    });
    // pipeline keeps the backpressure: the file is read only as fast as the client takes it.
    const counted = async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        served += chunk.length;
        yield chunk;
      }
    };
    pipeline(pacedReader(log, { signal: abort.signal }), counted, res).catch(() => {
      // The client left, or the server stopped: nothing to tell anyone.
    });
  }
}
