import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = process.env.DOCKER_REGISTRY_BIN ?? '/usr/bin/docker-registry';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A throwaway image registry (Debian's `docker-registry`) on 127.0.0.1, storing in a temporary
 * directory. The engine pulls from 127.0.0.0/8 registries without TLS.
 */
export class LocalRegistry {
  private constructor(
    readonly host: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<LocalRegistry> {
    if (!existsSync(BINARY)) {
      throw new Error(`${BINARY} is missing: install Debian's docker-registry package (scripts/setup-machine.sh does) or set DOCKER_REGISTRY_BIN`);
    }
    let lastError: unknown;
    // The free port may be taken between finding and binding it; another one is then tried.
    for (let attempt = 0; attempt < 3; attempt++) {
      const dir = await mkdtemp(join(tmpdir(), 'dw-registry-'));
      const port = await freePort();
      const host = `127.0.0.1:${port}`;
      const config = join(dir, 'config.yml');
      await writeFile(
        config,
        ['version: 0.1', 'log:', '  level: info', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, 'http:', `  addr: ${host}`, ''].join('\n'),
      );
      const logPath = join(dir, 'registry.log');
      const out = openSync(logPath, 'w');
      const child = spawn(BINARY, ['serve', config], { stdio: ['ignore', out, out] });
      const registry = new LocalRegistry(host, child, dir);
      try {
        await registry.#waitUntilUp();
        return registry;
      } catch (err) {
        lastError = new Error(`${String(err)}\n${await readFile(logPath, 'utf8').catch(() => '')}`);
        await registry.stop();
      }
    }
    throw lastError;
  }

  /** The registry's own log: one line per request it served. */
  log(): Promise<string> {
    return readFile(join(this.dir, 'registry.log'), 'utf8');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  async #waitUntilUp(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`docker-registry exited with code ${this.child.exitCode}`);
      try {
        const response = await fetch(`http://${this.host}/v2/`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`docker-registry did not answer on ${this.host}`);
  }
}
