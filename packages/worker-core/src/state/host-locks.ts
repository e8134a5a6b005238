import { createHash } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Locks that several worker processes on one host use to keep out of each other's way: one per
 * work directory (only one live worker may use it) and one per worker process (its containers
 * carry the process id, so a starting worker can tell a dead process's containers from a
 * live one's).
 *
 * Each lock is a listening Unix socket in Linux's abstract namespace (`\0docker-worker/...`),
 * not a file. The kernel holds the name exactly as long as the process that bound it lives and
 * frees it the moment that process dies, however it dies (SIGKILL, a crash, the OOM killer),
 * and children do not inherit it (Node opens every descriptor close-on-exec). So there is no
 * stale lock to judge: no pid that another program may have been given since (a pid file
 * needs a start-time check against that, and a racy takeover of the stale file), and no
 * heartbeat that a long event-loop stall misses (a proper-lockfile-style lock calls a busy
 * worker dead, and a crashed one alive until its stale period passes, refusing a restart
 * right after a crash). Binding is atomic, so of two processes starting together exactly one
 * wins. The holder answers a connection with who it is, which is how a refused start names
 * the pid in its way (`ss -xlp | grep docker-worker` shows the holders too).
 *
 * The namespace belongs to the network namespace: workers share these locks as long as they
 * share one, as processes of a host do unless deliberately put apart.
 */
export interface LockHolder {
  pid: number;
  /** What holds it, for the message of whoever is refused (`worker start`, `worker run`). */
  what?: string;
  workerId?: string;
}

const PREFIX = '\0docker-worker/';
// Node's abstract socket names are limited to 107 bytes; a hash keeps long paths short.
const hashed = (text: string) => createHash('sha256').update(text).digest('hex');

/** How long a holder may take to say who it is before we report it without a pid. */
const HOLDER_ANSWER_MS = 2000;

export class LockHeldError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(message);
    this.name = 'LockHeldError';
  }
}

/** A work directory another live worker holds: `worker start` exits 3 with this message. */
export class WorkDirHeldError extends LockHeldError {
  constructor(
    readonly workDir: string,
    holder: LockHolder | undefined,
  ) {
    const who = holder ? `${holder.what ?? 'a worker'}${holder.workerId ? ` ${holder.workerId}` : ''}, pid ${holder.pid}` : 'a worker that did not say its pid';
    super(
      `workDir ${workDir} is in use by another live worker (${who}); stop that one, or give this one its own workDir (workDir in the config file, or DW_WORK_DIR)`,
      holder,
    );
    this.name = 'WorkDirHeldError';
  }
}

export class HostLock {
  #server: Server;
  readonly name: string;

  private constructor(name: string, server: Server) {
    this.name = name;
    this.#server = server;
  }

  /** Take the lock, or throw LockHeldError naming the live holder. */
  static async acquire(name: string, holder: LockHolder): Promise<HostLock> {
    const address = `${PREFIX}${name}`;
    const answer = `${JSON.stringify(holder)}\n`;
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end(answer);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      throw new LockHeldError(`${name} is held by another live process`, await holderOf(address));
    }
    // The lock must never be what keeps a finished process alive.
    server.unref();
    return new HostLock(name, server);
  }

  async release(): Promise<void> {
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Who holds `address`: undefined when nobody does (or it did not answer in time). */
async function holderOf(address: string): Promise<LockHolder | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = createConnection(address);
    const done = (holder: LockHolder | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(holder);
    };
    const timer = setTimeout(() => done(undefined), HOLDER_ANSWER_MS);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('end', () => {
      try {
        done(JSON.parse(text) as LockHolder);
      } catch {
        done(undefined);
      }
    });
    socket.on('error', () => done(undefined));
  });
}

/** True while some process holds `name`: a connection is accepted by the kernel for a live listener only. */
export async function isHeld(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(`${PREFIX}${name}`);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      // Refused: nobody listens. Anything else (too many open files, say) is no proof of death,
      // and a live process's containers must never be removed on a guess.
      resolve(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT');
    });
  });
}

/** The lock of one worker process, named by the process id its containers are labelled with. */
export const processLockName = (processId: string): string => `process/${processId}`;

async function workDirLockName(workDir: string): Promise<string> {
  // The real path, so two spellings of one directory (a symlink, a trailing slash) are one lock.
  // A directory not made yet is named through its parent's real path, which is what its own
  // real path will be: so it can be locked before it exists, and a sweeper that finds it has
  // never a moment to take it for abandoned.
  let path: string;
  try {
    path = await realpath(workDir);
  } catch {
    path = join(await realpath(dirname(resolve(workDir))), basename(resolve(workDir)));
  }
  return `work-dir/${hashed(path)}`;
}

/** Hold `workDir` for this process (created, once held, when missing), or throw WorkDirHeldError. */
export async function lockWorkDir(workDir: string, holder: LockHolder): Promise<HostLock> {
  await mkdir(dirname(resolve(workDir)), { recursive: true });
  let lock: HostLock;
  try {
    lock = await HostLock.acquire(await workDirLockName(workDir), holder);
  } catch (err) {
    if (err instanceof LockHeldError) throw new WorkDirHeldError(workDir, err.holder);
    throw err;
  }
  await mkdir(workDir, { recursive: true });
  return lock;
}

/** True while a live process holds `workDir`. */
export async function workDirHeld(workDir: string): Promise<boolean> {
  let name: string;
  try {
    name = await workDirLockName(workDir);
  } catch {
    return false;
  }
  return isHeld(name);
}
