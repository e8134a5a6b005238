/**
 * A Docker engine of the test's own, so a fault test can stop and restart it without touching
 * the engine every other suite shares: its own socket, data and exec roots, pid file and
 * bridge interface, no iptables rules. Everything it creates is removed by destroy(), also when
 * the test failed halfway.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_IMAGE } from '../harness.js';

const run = promisify(execFile);

export class PrivateEngine {
  dir = '';
  /** A bridge of its own: an engine started without one would take over (or delete) docker0. */
  readonly bridge = `dwf${process.pid % 100000}`;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  get socketPath(): string {
    return join(this.dir, 'docker.sock');
  }

  /** Starts the engine and loads the shared test image into it. */
  async create(): Promise<void> {
    // Short: containerd's socket lives under the exec root, and socket paths are limited to 108 bytes.
    this.dir = await mkdtemp('/tmp/dwf-');
    await run('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    await run('ip', ['addr', 'add', '192.168.231.1/24', 'dev', this.bridge]);
    await run('ip', ['link', 'set', this.bridge, 'up']);
    await this.start();
    await run('sh', ['-c', `docker save ${TEST_IMAGE} | docker -H unix://${this.socketPath} load -q`]);
  }

  async start(): Promise<void> {
    const child = spawn(
      'dockerd',
      [
        `--host=unix://${this.socketPath}`,
        `--data-root=${join(this.dir, 'root')}`,
        `--exec-root=${join(this.dir, 'exec')}`,
        `--pidfile=${join(this.dir, 'docker.pid')}`,
        `--bridge=${this.bridge}`,
        '--iptables=false',
        '--ip6tables=false',
      ],
      { stdio: 'ignore' },
    );
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    while (!(await this.#answers())) {
      if (Date.now() > deadline) throw new Error(`the private Docker engine at ${this.socketPath} did not answer within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Starts the engine unless it runs: a test need not depend on how the one before it ended. */
  async ensureRunning(): Promise<void> {
    if (!this.#child) await this.start();
  }

  /** SIGTERM, as systemd stops dockerd: it stops every container, then exits. */
  async stop(): Promise<void> {
    this.#child?.kill('SIGTERM');
    await this.#exited;
    this.#child = undefined;
  }

  /** Containers on this engine whose labels include `label=value`: all of them, or the running ones. */
  async containers(label: string, which: 'all' | 'running' = 'all'): Promise<string[]> {
    const { stdout } = await run('docker', ['-H', `unix://${this.socketPath}`, 'ps', '-q', ...(which === 'all' ? ['-a'] : []), '--filter', `label=${label}`]);
    return stdout.split('\n').filter(Boolean);
  }

  async destroy(): Promise<void> {
    if (this.#child) await this.stop();
    await run('ip', ['link', 'del', this.bridge]).catch(() => {});
    // The engine unmounts its layers when it stops; a mount left by a crash is lazily detached.
    await run('sh', ['-c', `grep -o " ${this.dir}/[^ ]*" /proc/mounts | xargs -r -n1 umount -l`]).catch(() => {});
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  async #answers(): Promise<boolean> {
    try {
      await run('docker', ['-H', `unix://${this.socketPath}`, 'version', '--format', '{{.Server.Version}}']);
      return true;
    } catch {
      return false;
    }
  }
}
