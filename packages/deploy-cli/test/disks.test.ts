/**
 * The boot script that joins the instance-store disks (deploy/template/.../docker-worker-disks),
 * run for real as root on loop devices made here: ~300 MB sparse files behind `losetup`.
 * Everything made is unmounted, detached and removed in afterAll, whatever happened.
 *
 * This kernel has no device-mapper, so `auto` takes the btrfs path and an explicit `lvm` must
 * stop before touching the disks. On a host that has device-mapper the script is pointed at a
 * control node that does not exist (DW_DM_CONTROL), so the same paths run.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEPLOY } from './helpers.js';


const SCRIPT = join(DEPLOY, 'template', 'root', 'usr', 'local', 'sbin', 'docker-worker-disks');
const NO_DM = existsSync('/dev/mapper/control') ? { DW_DM_CONTROL: '/nonexistent/mapper/control' } : {};

// The disk tools live in the sbin folders, which a non-login PATH may lack.
const PATH = `${process.env.PATH ?? ''}:/usr/local/sbin:/usr/sbin:/sbin`;
const ENV = { ...process.env, PATH };

let dir: string;
const loops: string[] = [];
const mounts: string[] = [];

function sh(command: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync(command, args, { encoding: 'utf8', env: ENV });
}

function must(command: string, args: string[]): string {
  const result = sh(command, args);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim();
}

async function loopDevice(name: string): Promise<string> {
  const file = join(dir, `${name}.img`);
  must('truncate', ['-s', '300M', file]);
  const device = must('losetup', ['-f', '--show', file]);
  loops.push(device);
  return device;
}

async function mountPoint(name: string): Promise<string> {
  const path = join(dir, name);
  mounts.push(path);
  return path;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function disks(env: Record<string, string>): Run {
  const result = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...ENV, ...NO_DM, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function blkid(device: string): { code: number | null; out: string } {
  const result = sh('blkid', ['-p', device]);
  return { code: result.status, out: result.stdout.trim() };
}

const mounted = (path: string) => sh('mountpoint', ['-q', path]).status === 0;

beforeAll(async () => {
  expect(process.getuid?.()).toBe(0); // formatting and mounting need root: run the tests as root
  dir = await mkdtemp(join(tmpdir(), 'dw-disks-test-'));
});

afterAll(async () => {
  for (const path of mounts.reverse()) {
    if (mounted(path)) sh('umount', [path]);
  }
  for (const device of loops) {
    sh('btrfs', ['device', 'scan', '--forget', device]);
    sh('losetup', ['-d', device]);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('docker-worker-disks', () => {
  let mnt: string;
  let a: string;
  let b: string;
  let daemonJson: string;

  beforeAll(async () => {
    a = await loopDevice('a');
    b = await loopDevice('b');
    mnt = await mountPoint('mnt');
    daemonJson = join(dir, 'daemon.json');
    await writeFile(daemonJson, '{\n  "data-root": "/mnt/var/lib/docker",\n  "storage-driver": "auto",\n  "log-driver": "json-file"\n}\n');
  });

  const env = () => ({ DW_DISKS: `${a} ${b}`, DW_MOUNT: mnt, DW_DOCKER_CONFIG: daemonJson, DW_DISK_LAYOUT: 'auto', DW_STORAGE_DRIVER: 'auto' });

  it('auto, two disks, no device-mapper: one btrfs spanning both, mounted, with the folders and the driver', async () => {
    const run = disks(env());
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`disks (DW_DISKS): ${a} ${b}`);
    expect(run.stdout).toContain('layout: btrfs (2 disks, and the kernel has no device-mapper for LVM)');
    expect(run.stdout).toContain('formatting');
    expect(run.stdout).toContain('storage driver auto: btrfs');

    expect(must('findmnt', ['-no', 'FSTYPE', mnt])).toBe('btrfs');
    const show = must('btrfs', ['filesystem', 'show', mnt]);
    expect(show).toContain("Label: 'docker-worker'");
    expect(show).toContain('Total devices 2');
    expect(show).toContain(`path ${a}`);
    expect(show).toContain(`path ${b}`);
    for (const sub of ['var/lib/docker', 'var/cache/docker-worker', 'docker-worker', 'docker-tmp']) {
      expect((await stat(join(mnt, sub))).isDirectory()).toBe(true);
    }
    expect((await stat(join(mnt, 'docker-tmp'))).mode & 0o7777).toBe(0o1777);
    expect(JSON.parse(await readFile(daemonJson, 'utf8'))).toMatchObject({ 'storage-driver': 'btrfs', 'data-root': '/mnt/var/lib/docker' });
  });

  it('a second run changes nothing: the data written after the first survives', async () => {
    await writeFile(join(mnt, 'marker'), 'kept');
    const uuid = must('blkid', ['-p', '-o', 'value', '-s', 'UUID', a]);
    const run = disks(env());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`is already mounted (${a}, btrfs): nothing to format or mount`);
    expect(run.stdout).not.toContain('formatting');
    expect(await readFile(join(mnt, 'marker'), 'utf8')).toBe('kept');
    expect(must('blkid', ['-p', '-o', 'value', '-s', 'UUID', a])).toBe(uuid);
  });

  it('after a reboot (unmounted, still formatted) it only mounts', async () => {
    must('umount', [mnt]);
    const run = disks(env());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`found our btrfs filesystem on ${a} from an earlier boot: mounting it`);
    expect(run.stdout).not.toContain('formatting');
    expect(await readFile(join(mnt, 'marker'), 'utf8')).toBe('kept');
    expect(must('btrfs', ['filesystem', 'show', mnt])).toContain('Total devices 2');
  });

  it('refuses a disk that is mounted somewhere else', async () => {
    const other = await mountPoint('other');
    const run = disks({ ...env(), DW_MOUNT: other });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${a} (or a partition of it) is mounted at ${mnt}: refusing to use it`);
    expect(mounted(other)).toBe(false);
  });
});

describe('docker-worker-disks, lvm asked for without device-mapper', () => {
  it('stops naming device-mapper, before writing anything to the disks', async () => {
    const c = await loopDevice('c');
    const d = await loopDevice('d');
    const mnt = await mountPoint('lvm-mnt');
    const run = disks({ DW_DISKS: `${c} ${d}`, DW_MOUNT: mnt, DW_DISK_LAYOUT: 'lvm', DW_DOCKER_CONFIG: join(dir, 'none.json') });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('layout: lvm (asked for)');
    expect(run.stderr).toContain('the lvm layout needs device-mapper, which this kernel lacks');
    expect(run.stderr).toContain('no disk was touched');
    expect(run.stdout).not.toContain('formatting');
    // No signature of any kind on either disk: blkid finds nothing (exit status 2).
    for (const device of [c, d]) expect(blkid(device)).toEqual({ code: 2, out: '' });
    expect(mounted(mnt)).toBe(false);
  });
});

describe('docker-worker-disks, a lone disk', () => {
  it('is formatted ext4 directly, and Docker gets overlay2', async () => {
    const e = await loopDevice('e');
    const mnt = await mountPoint('lone-mnt');
    const daemonJson = join(dir, 'lone-daemon.json');
    await writeFile(daemonJson, '{ "storage-driver": "auto" }\n');
    const run = disks({ DW_DISKS: e, DW_MOUNT: mnt, DW_DOCKER_CONFIG: daemonJson });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('layout: ext4 (a lone disk)');
    expect(must('findmnt', ['-no', 'SOURCE,FSTYPE', mnt])).toBe(`${e} ext4`);
    expect(must('blkid', ['-p', '-o', 'value', '-s', 'LABEL', e])).toBe('docker-worker');
    expect(JSON.parse(await readFile(daemonJson, 'utf8'))).toEqual({ 'storage-driver': 'overlay2' });
  });
});

describe('docker-worker-disks settings', () => {
  it('rejects an unknown layout or driver, and no disks leave /mnt on the root filesystem', async () => {
    const bad = disks({ DW_DISK_LAYOUT: 'zfs', DW_DISKS: '/dev/null' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("DW_DISK_LAYOUT must be auto, lvm or btrfs (got 'zfs')");
    expect(disks({ DW_STORAGE_DRIVER: 'aufs' }).stderr).toContain("DW_STORAGE_DRIVER must be auto, overlay2 or btrfs (got 'aufs')");

    const folder = join(dir, 'no-disks');
    await mkdir(folder);
    const none = disks({ DW_DISKS: ' ', DW_MOUNT: folder, DW_DOCKER_CONFIG: join(dir, 'absent.json') });
    expect(none.stderr).toBe('');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no instance-store disks');
    expect((await stat(join(folder, 'var', 'lib', 'docker'))).isDirectory()).toBe(true);
  });
});
