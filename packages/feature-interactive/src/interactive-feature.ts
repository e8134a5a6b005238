import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  InternalError,
  scopeInPool,
  type Container,
  type ContainerAdditions,
  type Feature,
  type RunOutcome,
  type TaskContext,
  type TaskFeature,
} from '@docker-worker/worker-contract';
import type { WebSocket } from 'ws';
import {
  DEFAULT_ARTIFACT_PREFIX,
  DEFAULT_EXPIRATION_AFTER_SESSION,
  DEFAULT_MIN_TIME,
  InteractiveConfigError,
  interactiveConfigSchema,
  interactiveServerConfig,
  displayPageUrl,
  shellPageUrl,
  type InteractiveSettings,
} from './interactive-config.js';
import { explainDisplayFailure, parseDisplayListing, parseDisplayRequest, x11vncCommand, type ListedDisplay } from './display.js';
import { DisplaySession, refuseDisplay } from './display-session.js';
import type { InteractiveServer, ShellRegistration } from './interactive-server.js';
import { KeepAlive, deadlineFor } from './keep-alive.js';
import { MESSAGE, frame, parseSessionRequest } from './protocol.js';
import { ShellSession } from './shell-session.js';

/** Where the init is bound in the container: out of the way of anything an image holds. */
export const INIT_IN_CONTAINER = '/.taskcluster-interactive/dw-init';

/** The per-task options the host maps from its payload. */
export interface InteractiveOptions {
  /** Seconds the task may run (the payload's maxRunTime): nothing outlives it. */
  maxRunTime: number;
}

export interface InteractiveFeatureOptions {
  /** The worker's interactive server; the feature's checkHost starts it. */
  server: InteractiveServer;
  /** The static init binary (`dist/dw-init`, built with the package) on the host. */
  initPath?: string;
}

/** The init built next to this module (dist/), or, run from src/ by tests, in dist/. */
function defaultInitPath(): string {
  const here = fileURLToPath(new URL('./dw-init', import.meta.url));
  return existsSync(here) ? here : fileURLToPath(new URL('../dist/dw-init', import.meta.url));
}

class InteractiveTask implements TaskFeature {
  #ctx: TaskContext;
  #server: InteractiveServer;
  #initPath: string;
  #settings: Required<Omit<InteractiveSettings, 'host' | 'port' | 'publicHostname' | 'tls' | 'shellPage' | 'displayPage'>> & { shellPage?: string; displayPage?: string };
  #maxRunTimeMs: number;
  #registration: ShellRegistration | undefined;
  #container: Container | undefined;
  #keepAlive: KeepAlive | undefined;
  /** Shell and display sessions alike: each holds the container while open. */
  #sessions = new Set<ShellSession | DisplaySession>();
  /** Sockets whose process is being started, with how each is told no (shell or VNC): #end tells them too. */
  #starting = new Map<WebSocket, (message: string) => void>();
  #timer: NodeJS.Timeout | undefined;
  /** The container was told to end with its command; a session opening then holds it again. */
  #released = false;
  /** The container stopped, or the run is over: no session may start. */
  #over = false;
  #onAbort = () => this.#end('the task run was canceled or the worker is shutting down');

  constructor(ctx: TaskContext, server: InteractiveServer, initPath: string, options: InteractiveOptions) {
    this.#ctx = ctx;
    this.#server = server;
    this.#initPath = initPath;
    const config = ctx.config as InteractiveSettings;
    this.#settings = {
      minTime: config.minTime ?? DEFAULT_MIN_TIME,
      expirationAfterSession: config.expirationAfterSession ?? DEFAULT_EXPIRATION_AFTER_SESSION,
      artifactName: (config.artifactName ?? DEFAULT_ARTIFACT_PREFIX).replace(/\/+$/, ''),
      ...(config.shellPage !== undefined && { shellPage: config.shellPage }),
      ...(config.displayPage !== undefined && { displayPage: config.displayPage }),
    };
    this.#maxRunTimeMs = options.maxRunTime * 1000;
  }

  async link(): Promise<ContainerAdditions> {
    if (!this.#server.started) throw new InternalError('features.interactive: the interactive server is not running on this worker');
    if (!existsSync(this.#initPath)) throw new InternalError(`features.interactive: the init ${this.#initPath} is missing (build @docker-worker/feature-interactive)`);
    this.#registration = this.#server.register((ws, query) => void this.#connect(ws, query), {
      display: (ws, query) => void this.#connectDisplay(ws, query),
      displays: () => this.#listDisplays(),
    });
    return {
      binds: [{ hostPath: this.#initPath, containerPath: INIT_IN_CONTAINER, readOnly: true }],
      commandPrefix: [INIT_IN_CONTAINER, '--'],
    };
  }

  async created(container: Container): Promise<void> {
    if (!container.exec) throw new InternalError('features.interactive needs a runtime that can exec into containers, and this one cannot');
    this.#container = container;
  }

  async started(): Promise<void> {
    const ctx = this.#ctx;
    const startedAt = Date.now();
    this.#keepAlive = new KeepAlive({
      startedAt,
      minTimeMs: this.#settings.minTime * 1000,
      expirationAfterSessionMs: this.#settings.expirationAfterSession * 1000,
      deadlineAt: deadlineFor(startedAt, this.#maxRunTimeMs),
    });
    ctx.signal.addEventListener('abort', this.#onAbort, { once: true });
    this.#schedule();
    // Expires with the run: the socket is useless after maxRunTime (and never later than the task).
    const expires = new Date(Math.min(startedAt + this.#maxRunTimeMs, Date.parse(ctx.task.expires))).toISOString();
    const rootUrl = ctx.worker.rootUrl.replace(/\/+$/, '');
    const registration = this.#registration!;
    const url = shellPageUrl(this.#settings.shellPage ?? `${rootUrl}/shell/`, { socketUrl: registration.socketUrl, taskId: ctx.taskId, runId: ctx.runId });
    const displayUrl = displayPageUrl(this.#settings.displayPage ?? `${rootUrl}/display/`, {
      socketUrl: registration.displaySocketUrl!,
      displaysUrl: registration.displaysUrl!,
      taskId: ctx.taskId,
      runId: ctx.runId,
    });
    await Promise.all([
      ctx.artifacts.reference(`${this.#settings.artifactName}/shell.html`, url, 'text/html', expires),
      ctx.artifacts.reference(`${this.#settings.artifactName}/display.html`, displayUrl, 'text/html', expires),
    ]);
    ctx.log.info(
      `Interactive shell and display: artifacts ${this.#settings.artifactName}/shell.html and display.html (the display needs x11vnc in the image); ` +
        `the container stays at least ${this.#settings.minTime} s, and ${this.#settings.expirationAfterSession} s after the last session closes (never past maxRunTime)`,
    );
  }

  async stopped(result: { timedOut: boolean }): Promise<void> {
    this.#end(result.timedOut ? 'the task exceeded its maxRunTime' : 'the task has finished');
  }

  async killed(outcome: RunOutcome): Promise<void> {
    this.#end(outcome.state === 'canceled' ? 'the task run was canceled' : 'the task run has ended');
    this.#ctx.signal.removeEventListener('abort', this.#onAbort);
  }

  #connect(ws: WebSocket, query: URLSearchParams): Promise<void> {
    const refuse = (message: string) => refuseSession(ws, message);
    const parsed = parseSessionRequest(query);
    if ('problem' in parsed) return this.#open(ws, refuse, parsed.problem, () => Promise.reject(new Error(parsed.problem)), (err) => err.message);
    const request = parsed;
    return this.#open(ws, refuse, undefined, async (container) => {
      const exec = await container.exec!({ command: request.command, tty: request.tty });
      return { exec, session: () => new ShellSession(ws, exec) };
    }, (err) => `cannot start ${JSON.stringify(request.command)} in the task's container: ${err.message}`);
  }

  /** A VNC session: x11vnc on the display asked for, RFB over its stdin/stdout. */
  #connectDisplay(ws: WebSocket, query: URLSearchParams): Promise<void> {
    const refuse = (message: string) => refuseDisplay(ws, message);
    const request = parseDisplayRequest(query);
    const display = 'display' in request ? request.display : '';
    const name = `${display} on taskId: ${this.#ctx.taskId} runId: ${this.#ctx.runId}`;
    return this.#open(ws, refuse, 'problem' in request ? request.problem : undefined, async (container) => {
      const exec = await container.exec!({ command: x11vncCommand(INIT_IN_CONTAINER, display, name), tty: false });
      return { exec, session: () => new DisplaySession(ws, exec, (code, stderr) => explainDisplayFailure(display, code, stderr)) };
    }, (err) => explainDisplayFailure(display, undefined, err.message));
  }

  /**
   * A session of either kind: it holds the container from the moment it is asked for until it
   * closes (the keep-alive counts it), and the run's end closes it.
   */
  async #open(
    ws: WebSocket,
    refuse: (message: string) => void,
    problem: string | undefined,
    start: (container: Container) => Promise<{ exec: { destroy(): void }; session: () => ShellSession | DisplaySession }>,
    failed: (err: Error) => string,
  ): Promise<void> {
    const keepAlive = this.#keepAlive;
    if (!keepAlive || !this.#container) return refuse('the task has not started yet');
    if (this.#over || keepAlive.pastDeadline(Date.now())) return refuse('the task has finished: no new sessions');
    if (problem !== undefined) return refuse(problem);
    keepAlive.opened();
    this.#schedule();
    this.#starting.set(ws, refuse);
    try {
      if (this.#released) await this.#tellInit('--hold');
      this.#released = false;
      const started = await start(this.#container);
      this.#starting.delete(ws);
      // The run ended meanwhile (and told the client why), or the client left.
      if (this.#over || ws.readyState !== ws.OPEN) {
        started.exec.destroy();
        return;
      }
      const session = started.session();
      this.#sessions.add(session);
      await session.done;
      this.#sessions.delete(session);
    } catch (err) {
      this.#starting.delete(ws);
      if (ws.readyState === ws.OPEN && !this.#over) refuse(failed(err as Error));
    } finally {
      keepAlive.closed(Date.now());
      this.#schedule();
    }
  }

  /** The container's X displays, from the sockets their servers made (the init lists them, in any image). */
  async #listDisplays(): Promise<ListedDisplay[]> {
    if (!this.#container || !this.#keepAlive) throw new Error('the task has not started yet');
    if (this.#over) throw new Error('the task has finished');
    const exec = await this.#container.exec!({ command: [INIT_IN_CONTAINER, '--list-displays'], tty: false });
    exec.stdin.end();
    const out: Buffer[] = [];
    exec.output.on('data', (chunk: { stream: string; data: Buffer }) => {
      if (chunk.stream === 'stdout') out.push(chunk.data);
    });
    await new Promise<void>((resolve, reject) => exec.output.once('end', resolve).once('error', reject));
    const code = await exec.exitCode();
    if (code !== 0) throw new Error(`listing the displays failed (${INIT_IN_CONTAINER} --list-displays exited ${code})`);
    return parseDisplayListing(Buffer.concat(out).toString('utf8'));
  }

  /** Arms the one timer for the next release (or the deadline). */
  #schedule(): void {
    clearTimeout(this.#timer);
    const keepAlive = this.#keepAlive;
    if (!keepAlive || this.#over) return;
    const now = Date.now();
    if (keepAlive.pastDeadline(now)) {
      this.#end('the task reached its maxRunTime');
      return;
    }
    const at = keepAlive.releaseAt();
    if (at <= now) {
      if (keepAlive.openSessions === 0 && !this.#released) {
        this.#released = true;
        void this.#tellInit('--release').catch(() => {});
      }
      // Released (or waiting for a session to close): only the deadline is left to watch.
      this.#timer = setTimeout(() => this.#schedule(), Math.max(0, keepAlive.deadlineAt - now));
    } else {
      this.#timer = setTimeout(() => this.#schedule(), at - now);
    }
  }

  /** Closes every session with `message`, takes no new one, and lets the container end with its command. */
  #end(message: string): void {
    if (this.#over) return;
    this.#over = true;
    clearTimeout(this.#timer);
    this.#registration?.unregister();
    for (const session of this.#sessions) session.close(message);
    this.#sessions.clear();
    for (const [ws, refuse] of this.#starting) if (ws.readyState === ws.OPEN) refuse(message);
    this.#starting.clear();
    if (!this.#released && this.#container) {
      this.#released = true;
      void this.#tellInit('--release').catch(() => {});
    }
  }

  /** `dw-init --release` / `--hold` in the container (a container already stopped has nothing to tell). */
  async #tellInit(flag: '--release' | '--hold'): Promise<void> {
    const exec = await this.#container!.exec!({ command: [INIT_IN_CONTAINER, flag], tty: false });
    exec.stdin.end();
    exec.output.resume();
    await new Promise((resolve) => exec.output.once('close', resolve).once('end', resolve));
    const code = await exec.exitCode();
    if (code !== 0) throw new Error(`${INIT_IN_CONTAINER} ${flag} exited ${code}`);
  }
}

/** Ends a session that has no process (yet): the reason on its stderr, then shutdown. */
function refuseSession(ws: WebSocket, message: string): void {
  ws.send(frame(MESSAGE.stderr, `[taskcluster] ${message}\r\n`));
  ws.send(frame(MESSAGE.shutdown));
  ws.close(1000);
}

/**
 * `interactive` (default off): shells into the task's running container over a websocket, in
 * the docker-exec protocol the Taskcluster UI's shell speaks, and its X displays over VNC (x11vnc
 * in the image, run per session with RFB on its stdin/stdout). The container is run under a small
 * init the worker controls, so it outlives its command while sessions may still want it.
 */
export function createInteractiveFeature(options: InteractiveFeatureOptions): Feature<InteractiveOptions> {
  const initPath = options.initPath ?? defaultInitPath();
  return {
    name: 'interactive',
    optionsSchema: {
      type: 'object',
      properties: { maxRunTime: { type: 'integer', minimum: 1 } },
      required: ['maxRunTime'],
      additionalProperties: false,
    },
    requiredScopes: (task) => [scopeInPool('docker-worker:feature:interactive', task)],
    reservedArtifacts: [`${DEFAULT_ARTIFACT_PREFIX}/shell.html`, `${DEFAULT_ARTIFACT_PREFIX}/display.html`],
    configSchema: interactiveConfigSchema,
    async checkHost(worker, config) {
      if (!existsSync(initPath)) return `features.interactive: the init ${initPath} is missing (build @docker-worker/feature-interactive with a C compiler)`;
      if (options.server.started) return undefined;
      try {
        await options.server.start(interactiveServerConfig(config as InteractiveSettings, { publicHostname: worker.host }));
        return undefined;
      } catch (err) {
        if (err instanceof InteractiveConfigError) return err.message;
        throw err;
      }
    },
    forTask: (ctx, taskOptions) => new InteractiveTask(ctx, options.server, initPath, taskOptions),
  };
}
