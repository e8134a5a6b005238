import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A device root in a temporary directory, filled with real character device nodes (`mknod`,
 * which needs root, as the tests run): what the managers find on a host with the modules loaded.
 */
export class DeviceRoot {
  private constructor(readonly path: string) {}

  static async create(): Promise<DeviceRoot> {
    return new DeviceRoot(await mkdtemp(join(tmpdir(), 'dw-devices-')));
  }

  async node(relative: string, major: number, minor: number): Promise<string> {
    const path = join(this.path, relative);
    await mkdir(dirname(path), { recursive: true });
    execFileSync('mknod', [path, 'c', String(major), String(minor)]);
    return path;
  }

  async file(relative: string): Promise<void> {
    await mkdir(dirname(join(this.path, relative)), { recursive: true });
    await writeFile(join(this.path, relative), '');
  }

  async dir(relative: string): Promise<void> {
    await mkdir(join(this.path, relative), { recursive: true });
  }

  /** snd-aloop card `card`: control and four pcm nodes, numbered as the kernel does. */
  async loopbackCard(card: number): Promise<void> {
    await this.node(`snd/controlC${card}`, 116, card * 32);
    for (const [i, pcm] of ['D0c', 'D0p', 'D1c', 'D1p'].entries()) await this.node(`snd/pcmC${card}${pcm}`, 116, card * 32 + 16 + i);
  }

  remove(): Promise<void> {
    return rm(this.path, { recursive: true, force: true });
  }
}
