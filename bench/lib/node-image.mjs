/**
 * An image holding this machine's own `node` and the shared libraries it loads, so a benchmark
 * can run the same client inside a container as on the host (no image can be pulled here).
 * Built once per Node version with `docker import`; later runs find it by its tag.
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { must, run } from './common.mjs';

export const NODE_IMAGE = `dw-bench/node:${process.versions.node}`;

/** The absolute paths `ldd` names for a binary, the loader included. */
async function sharedLibraries(binary) {
  const { stdout } = await must('ldd', [binary]);
  return [...stdout.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}

export async function ensureNodeImage() {
  if ((await run('docker', ['image', 'inspect', NODE_IMAGE])).code === 0) return NODE_IMAGE;
  const root = await mkdtemp(join(tmpdir(), 'bench-node-image-'));
  try {
    for (const file of [process.execPath, ...(await sharedLibraries(process.execPath))]) {
      const target = join(root, file === process.execPath ? '/usr/bin/node' : file);
      await mkdir(dirname(target), { recursive: true });
      await cp(file, target, { dereference: true });
    }
    await mkdir(join(root, 'tmp'), { mode: 0o1777 });
    await must('sh', ['-c', `tar -C '${root}' -c . | docker import - '${NODE_IMAGE}'`]);
    return NODE_IMAGE;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
