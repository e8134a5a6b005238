import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { HostLock, isHeld, LockHeldError, lockWorkDir, WorkDirHeldError, workDirHeld } from './host-locks.js';

// The built module, so another process can take a lock the way a second worker would.
const built = pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/state/host-locks.js')).href;

/** A separate process that takes `workDir`'s lock (or a named one) and holds it until killed. */
async function holder(target: { workDir: string } | { name: string }): Promise<ChildProcess> {
  const take = 'workDir' in target ? `lockWorkDir(${JSON.stringify(target.workDir)}, info)` : `HostLock.acquire(${JSON.stringify(target.name)}, info)`;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', `import { HostLock, lockWorkDir } from ${JSON.stringify(built)}; const info = { pid: process.pid, what: 'test holder', workerId: 'w-held' }; await ${take}; console.log('held'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((done, fail) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('held') && done());
    child.once('exit', (code) => fail(new Error(`holder exited with ${code}`)));
  });
  return child;
}

describe('host locks (abstract Unix sockets)', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-locks-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('one holder at a time; released, it can be taken again', async () => {
    const name = `test/${randomUUID()}`;
    expect(await isHeld(name)).toBe(false);
    const lock = await HostLock.acquire(name, { pid: process.pid });
    expect(await isHeld(name)).toBe(true);
    const refused = await HostLock.acquire(name, { pid: 1 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LockHeldError);
    expect((refused as LockHeldError).holder).toEqual({ pid: process.pid });
    await lock.release();
    expect(await isHeld(name)).toBe(false);
    await (await HostLock.acquire(name, { pid: process.pid })).release();
  });

  it('a process killed with SIGKILL holds nothing any more', async () => {
    const name = `test/${randomUUID()}`;
    const child = await holder({ name });
    children.push(child);
    expect(await isHeld(name)).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await isHeld(name)).toBe(false);
  });

  it('a work directory held by another live process is refused, naming the directory and the pid', async () => {
    const workDir = join(dir, 'work');
    const child = await holder({ workDir });
    children.push(child);
    expect(await workDirHeld(workDir)).toBe(true);
    const refused = await lockWorkDir(workDir, { pid: process.pid }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkDirHeldError);
    expect((refused as Error).message).toContain(`workDir ${workDir} is in use by another live worker (test holder w-held, pid ${child.pid})`);
    // Another spelling of the same directory is the same lock.
    const link = join(dir, 'link');
    await symlink(workDir, link);
    await expect(lockWorkDir(`${link}/`, { pid: process.pid })).rejects.toBeInstanceOf(WorkDirHeldError);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const lock = await lockWorkDir(workDir, { pid: process.pid });
    await lock.release();
  });

  it('a directory can be locked before it exists, and is created once held', async () => {
    const workDir = join(dir, 'not', 'yet');
    expect(await workDirHeld(workDir)).toBe(false);
    const lock = await lockWorkDir(workDir, { pid: process.pid });
    expect(await workDirHeld(workDir)).toBe(true);
    await lock.release();
    expect(await workDirHeld(workDir)).toBe(false);
  });
});
