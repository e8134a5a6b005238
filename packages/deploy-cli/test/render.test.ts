/**
 * `dw-deploy render` of the repository's templates with a fixed variable set, compared with the
 * golden tree in test/golden/ (contents and file modes). After changing a template on purpose:
 * `UPDATE_GOLDEN=1 pnpm test -- render` rewrites the golden tree; review its diff.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO, requiredSets, sandbox, type Sandbox } from './helpers.js';

const GOLDEN = join(REPO, 'packages', 'deploy-cli', 'test', 'golden');
const MODES = join(GOLDEN, 'MODES');

/** The fixed variable set the golden tree was rendered with (plus requiredSets). */
const FIXED = [
  'worker.capacity=4',
  'worker.logLevel=debug',
  'worker.stopTimeoutSeconds=7200',
  'worker.allowPrivileged=true',
  'logForwarding.target=logs.example.com:6514',
  'docker.storageDriver=btrfs',
  'disks.layout=btrfs',
  'aws.copyRegions=us-east-1,eu-central-1',
].flatMap((pair) => ['--set', pair]);

let box: Sandbox;
let target: string;

beforeAll(async () => {
  box = await sandbox();
  target = join(box.deployDir, 'target');
  const configured = await box.run(['configure', ...requiredSets(box.signingKey), ...FIXED]);
  expect(configured.code).toBe(0);
  const out = await box.run(['render']);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  expect(out.stdout).toMatch(/^rendered 15 files into .*target; staged 1 key file\(s\)/);
});

afterAll(async () => {
  await box.remove();
});

async function files(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path, base)));
    else out.push(relative(base, path));
  }
  return out.sort();
}

const read = (path: string) => readFile(join(target, path), 'utf8');

describe('dw-deploy render', () => {
  it('renders the templates as in the golden tree, file modes kept', async () => {
    const rendered = (await files(target)).filter((f) => f.startsWith('packer/') || f.startsWith('root/'));
    const modes = await Promise.all(rendered.map(async (f) => `${((await stat(join(target, f))).mode & 0o7777).toString(8)} ${f}`));
    if (process.env.UPDATE_GOLDEN) {
      await rm(GOLDEN, { recursive: true, force: true });
      for (const f of rendered) {
        await mkdir(dirname(join(GOLDEN, f)), { recursive: true });
        await writeFile(join(GOLDEN, f), await read(f));
      }
      await writeFile(MODES, `${modes.join('\n')}\n`);
    }
    expect(modes.join('\n')).toBe((await readFile(MODES, 'utf8')).trim());
    const golden = (await files(GOLDEN)).filter((f) => f !== 'MODES');
    expect(rendered).toEqual(golden);
    for (const f of rendered) expect([f, await read(f)]).toEqual([f, await readFile(join(GOLDEN, f), 'utf8')]);
  });

  it('keeps the executable bit of the boot scripts, and renders each template with the same mode', async () => {
    for (const path of ['root/usr/local/sbin/docker-worker-disks', 'root/usr/local/sbin/docker-worker-instance-env']) {
      expect((await stat(join(target, path))).mode & 0o777).toBe(0o755);
    }
    for (const path of await files(join(box.deployDir, 'template'))) {
      expect([path, (await stat(join(target, path))).mode & 0o7777]).toEqual([path, (await stat(join(box.deployDir, 'template', path))).mode & 0o7777]);
    }
  });

  it('bakes the worker config with the variables (valid YAML, the worker\'s keys)', async () => {
    expect(parseYaml(await read('root/etc/docker-worker/config.yml'))).toEqual({
      rootUrl: 'https://tc.example.com',
      provisionerId: 'proj-example',
      workerType: 'docker-worker',
      capacity: 4,
      workDir: '/mnt/docker-worker',
      dockerVolume: '/mnt',
      capacityManagement: { diskspaceThreshold: 10_000_000_000 },
      dockerConfig: { allowPrivileged: true, allowDisableSeccomp: false },
      artifacts: { storageType: 's3' },
      logging: { format: 'json', level: 'debug' },
      shutdown: { enabled: false, afterIdleSeconds: 300 },
      cache: { volumeCachePath: '/mnt/var/cache/docker-worker' },
      features: {
        localLiveLog: { port: 60023 },
        interactive: { port: 62022 },
        chainOfTrust: { ed25519SigningKeyLocation: '/etc/docker-worker/cot-signing-key.key' },
        // The image loads both loopback modules: a machine without their devices must not start.
        devices: { loopbackVideo: { enabled: true }, loopbackAudio: { enabled: true } },
      },
    });
  });

  it('stops the worker with SIGINT and waits long enough for tasks to drain', async () => {
    const unit = await read('root/etc/systemd/system/docker-worker.service');
    expect(unit).toMatch(/^Requires=docker\.service docker-worker-disks\.service/m);
    expect(unit).toMatch(/^After=.*docker\.service/m);
    expect(unit).toMatch(/^ExecStartPre=.*-S \/var\/run\/docker\.sock/m);
    expect(unit).toMatch(/^KillSignal=SIGINT$/m);
    expect(unit).toMatch(/^TimeoutStopSec=7200$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
  });

  it('configures Docker, the disks, the modules and packer from the variables', async () => {
    expect(JSON.parse(await read('root/etc/docker/daemon.json'))).toEqual({
      'data-root': '/mnt/var/lib/docker',
      'storage-driver': 'btrfs',
      'log-driver': 'json-file',
      'log-opts': { 'max-size': '50m', 'max-file': '3' },
    });
    expect(await read('root/etc/default/docker-worker-disks')).toContain('DW_DISK_LAYOUT=btrfs\nDW_STORAGE_DRIVER=btrfs\nDW_MOUNT=/mnt\n');
    const modprobe = await read('root/etc/modprobe.d/docker-worker.conf');
    expect(modprobe).toContain('options v4l2loopback devices=100\n');
    expect(modprobe).toContain(`options snd-aloop enable=${Array(30).fill('1').join(',')} index=${[...Array(30).keys()].join(',')}\n`);
    expect(JSON.parse(await read('packer/app.vars.json'))).toEqual({
      region: 'us-west-2',
      copyRegions: 'us-east-1,eu-central-1',
      instanceType: 'm5.large',
      sshUsername: 'ubuntu',
      imageName: 'docker-worker',
      logForwardTarget: 'logs.example.com:6514',
      logForwardProtocol: 'tls',
    });
    expect(JSON.parse(await read('packer/base.vars.json'))).toMatchObject({ sourceImage: 'ami-0123456789abcdef0', nodeVersion: '20.20.2' });
  });

  it('stages the signing key readable by its owner only, and makes the app folder', async () => {
    const key = join(target, 'keys', 'cot-signing-key.key');
    expect(await readFile(key, 'utf8')).toBe(await readFile(box.signingKey, 'utf8'));
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect((await stat(join(target, 'keys'))).mode & 0o777).toBe(0o700);
    expect(existsSync(join(target, 'app'))).toBe(true);
  });
});

describe('dw-deploy render failures', () => {
  let other: Sandbox;
  beforeEach(async () => {
    other = await sandbox();
    expect((await other.run(['configure', ...requiredSets(other.signingKey)])).code).toBe(0);
  });
  afterEach(async () => {
    await other.remove();
  });

  it('names the file and the variable of every missing value, and writes nothing', async () => {
    await writeFile(join(other.deployDir, 'template', 'root', 'etc', 'extra.conf'), 'a={{worker.capacity}}\nb={{worker.colour}}\n');
    await writeFile(join(other.deployDir, 'template', 'packer', 'base.vars.json'), '{"x": {{aws.zone | json}}}\n');
    const out = await other.run(['render']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('2 problem(s)');
    expect(out.stderr).toContain('- template/packer/base.vars.json:1: missing variable aws.zone');
    expect(out.stderr).toContain('- template/root/etc/extra.conf:2: missing variable worker.colour');
    expect(existsSync(join(other.deployDir, 'target'))).toBe(false);
  });

  it('removes files whose template is gone', async () => {
    expect((await other.run(['render'])).code).toBe(0);
    const stale = join(other.deployDir, 'target', 'root', 'etc', 'stale.conf');
    await writeFile(stale, 'old');
    expect((await other.run(['render'])).code).toBe(0);
    expect(existsSync(stale)).toBe(false);
  });

  it('says so when there is no deploy.json, or a key file is missing', async () => {
    await rm(join(other.deployDir, 'deploy.json'));
    const none = await other.run(['render']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no deploy variables at');
    expect(none.stderr).toContain('run `dw-deploy configure` first');
    expect((await other.run(['configure', ...requiredSets(join(other.dir, 'gone.key'))])).code).toBe(0);
    const missing = await other.run(['render']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`keys.signingKey: ${join(other.dir, 'gone.key')} does not exist`);
  });

  it('finds the deploy folder from a subfolder of the repository, or says how to give it', async () => {
    const sub = join(other.dir, 'some', 'where');
    await mkdir(sub, { recursive: true });
    const { runIn } = await import('./helpers.js');
    expect((await runIn(sub, ['render'])).code).toBe(0);
    const lost = await runIn('/', ['render']);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain('cannot find the deploy folder');
  });
});
