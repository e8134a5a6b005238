/**
 * The packer side: `packer validate` of both templates with the real packer (Debian's 1.6.6,
 * installed by scripts/setup-machine.sh), `build --dry-run`, the missing-packer message, and
 * whole base → app builds with a stand-in packer that writes the manifest an amazon-ebs build
 * would (no cloud account here), followed by the app image's install script into a folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findExecutable, PACKER_HINT } from '../src/process.js';
import { DEPLOY, requiredSets, sandbox, script, type Sandbox } from './helpers.js';

let box: Sandbox;

beforeEach(async () => {
  box = await sandbox();
  const out = await box.run(['configure', ...requiredSets(box.signingKey)]);
  expect(out.code).toBe(0);
});

afterEach(async () => {
  await box.remove();
});

/** A PATH without packer: a folder with links to the programs a build needs besides it. */
async function pathWithout(dir: string, programs: string[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const program of programs) {
    const real = findExecutable(program, process.env);
    if (!real) throw new Error(`${program} is needed by this test and is not installed`);
    await script(join(dir, program), `#!/bin/sh\nexec ${real} "$@"\n`);
  }
  return dir;
}

describe('packer validate', () => {
  it('passes on both templates (packer is installed: scripts/setup-machine.sh installs it)', async () => {
    expect(findExecutable('packer', process.env) ?? 'packer is not installed: run scripts/setup-machine.sh').toMatch(/\/packer$/);
    const out = await box.run(['validate']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`$ packer validate -var-file=${join(box.deployDir, 'target', 'packer', 'base.vars.json')}`);
    expect(out.stdout).toContain('base: packer validate passed');
    expect(out.stdout).toContain('app: packer validate passed');
  });

  it('fails, naming the template, when a template is broken', async () => {
    const app = join(box.deployDir, 'packer', 'app.json');
    await writeFile(app, (await readFile(app, 'utf8')).replace('scripts/install-app.sh', 'scripts/no-such-script.sh'));
    const out = await box.run(['validate']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('base: packer validate passed');
    // packer wraps its message at 80 columns
    expect(out.stdout + out.stderr).toMatch(/Bad script\s+'[^']*\/packer\/scripts\/no-such-script\.sh'/);
    expect(out.stderr).toContain('packer validate failed for: app');
  });

  it('checks the repository templates themselves, not only copies', () => {
    // The sandbox copies deploy/packer; make sure the copy is what the repository holds.
    for (const name of ['base.json', 'app.json']) {
      expect(execFileSync('cmp', [join(DEPLOY, 'packer', name), join(box.deployDir, 'packer', name)]).toString()).toBe('');
    }
  });
});

describe('dw-deploy build', () => {
  it('--dry-run prints the exact packer command and the files, and builds nothing', async () => {
    const out = await box.run(['build', 'app', '--dry-run', '--source-image', 'ami-0fedcba9876543210']);
    expect(out.code).toBe(0);
    const target = join(box.deployDir, 'target');
    expect(out.stdout).toContain(`command (run in ${box.deployDir}):`);
    expect(out.stdout).toContain(
      `  packer build -color=false -var-file=${target}/packer/app.vars.json -var workerRevision=unknown ` +
        `-var manifestPath=${target}/app-manifest.json -var appDir=${target}/app -var sourceImage=ami-0fedcba9876543210 ` +
        `${box.deployDir}/packer/app.json\n`,
    );
    expect(out.stdout).toContain(`${target}/app/docker-worker.tgz  would be: pnpm --filter @docker-worker/worker-core deploy --prod --legacy`);
    expect(out.stdout).toContain('base image: ami-0fedcba9876543210 (given with --source-image)');
    expect(existsSync(join(target, 'app', 'docker-worker.tgz'))).toBe(false);
    const base = await box.run(['build', 'base', '--dry-run']);
    expect(base.stdout).toContain(`-var keysDir=${target}/keys ${box.deployDir}/packer/base.json`);
    expect(base.stdout).toContain('keys installed in /etc/docker-worker: cot-signing-key.key');
  });

  it('without packer on PATH fails with the install hint, before doing anything', async () => {
    const path = await pathWithout(join(box.dir, 'bin'), ['git', 'tar', 'pnpm']);
    for (const kind of ['base', 'app']) {
      const out = await box.run(['build', kind], { env: { ...process.env, PATH: path } });
      expect(out.code).toBe(1);
      expect(out.stderr).toBe(`dw-deploy: ${PACKER_HINT}\n`);
      expect(out.stderr).toContain('sudo apt-get install packer');
    }
    expect((await box.run(['validate'], { env: { ...process.env, PATH: path } })).stderr).toContain('packer is not installed');
    expect(existsSync(join(box.deployDir, 'target'))).toBe(false);
    // A dry run still shows the command, with a note.
    const dry = await box.run(['build', 'base', '--dry-run'], { env: { ...process.env, PATH: path } });
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('note: packer is not installed');
  });

  it('base refuses --source-image, which only an app build takes', async () => {
    const out = await box.run(['build', 'base', '--dry-run', '--source-image', 'ami-0fedcba9876543210']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--source-image applies to build app');
  });

  it('app without a recorded base image says to build base first', async () => {
    const out = await box.run(['build', 'app', '--dry-run']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('no base image recorded for us-west-2');
    expect(out.stderr).toContain('run `dw-deploy build base` first, or pass --source-image ami-...');
  });

  it('builds base, records its image, and builds app on it with the packed worker', async () => {
    // A workspace standing in for this repository: one small built package, in git.
    const repo = join(box.dir, 'repo');
    await mkdir(join(repo, 'packages', 'tiny', 'dist', 'bin'), { recursive: true });
    await writeFile(join(repo, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
    await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'repo', private: true }));
    await writeFile(
      join(repo, 'packages', 'tiny', 'package.json'),
      JSON.stringify({ name: 'tiny-worker', version: '1.0.0', bin: { worker: 'dist/bin/worker.js' }, files: ['dist'] }),
    );
    await writeFile(join(repo, 'packages', 'tiny', 'dist', 'bin', 'worker.js'), 'console.log("worker")\n');
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo }).toString().trim();
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'tiny');
    const sha = git('rev-parse', 'HEAD');

    const log = join(box.dir, 'packer-args.txt');
    const bin = join(box.dir, 'fake-bin');
    await script(
      join(bin, 'packer'),
      `#!/usr/bin/env bash
# Stand-in for packer: records its arguments and the files given to it, then writes the
# manifest (two runs, the older one first) that amazon-ebs's manifest post-processor would.
printf '%s\\n' "$@" >>"${log}"
[ "$1" = build ] || exit 0
for arg in "$@"; do
  case $arg in
    manifestPath=*) manifest=\${arg#manifestPath=} ;;
    appDir=*) ls "\${arg#appDir=}" >>"${log}" ;;
    keysDir=*) ls "\${arg#keysDir=}" >>"${log}" ;;
  esac
done
kind=$(basename "\${!#}" .json)
if [ "$kind" = base ]; then image=ami-0b0b0b0b0b0b0b0b0; else image=ami-0a0a0a0a0a0a0a0a0; fi
cat >"$manifest" <<EOF
{"builds": [
  {"name": "amazon-ebs", "builder_type": "amazon-ebs", "artifact_id": "us-west-2:ami-0123401234012340", "packer_run_uuid": "older"},
  {"name": "amazon-ebs", "builder_type": "amazon-ebs", "artifact_id": "us-west-2:$image,us-east-1:ami-0c0c0c0c0c0c0c0c0", "packer_run_uuid": "latest"}
], "last_run_uuid": "latest"}
EOF
echo "==> amazon-ebs: AMI: $image"
`,
    );
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const args = ['--repo-dir', repo];

    const base = await box.run([...args, 'build', 'base'], { env });
    expect(base.stderr).toBe('');
    expect(base.code).toBe(0);
    expect(base.stdout).toContain('==> amazon-ebs: AMI: ami-0b0b0b0b0b0b0b0b0');
    expect(base.stdout).toContain('base image built (us-west-2: ami-0b0b0b0b0b0b0b0b0, us-east-1: ami-0c0c0c0c0c0c0c0c0)');
    const record = JSON.parse(await readFile(join(box.deployDir, 'base-image.json'), 'utf8')) as Record<string, unknown>;
    expect(record).toMatchObject({ images: { 'us-west-2': 'ami-0b0b0b0b0b0b0b0b0' }, revision: sha, packerRunUuid: 'latest' });

    // The next app build starts from it, with nothing copied by hand.
    const dry = await box.run([...args, 'build', 'app', '--dry-run'], { env });
    expect(dry.stdout).toContain('-var sourceImage=ami-0b0b0b0b0b0b0b0b0');
    expect(dry.stdout).toContain('base image: ami-0b0b0b0b0b0b0b0b0 (recorded in deploy/base-image.json)');

    await writeFile(join(repo, 'uncommitted.txt'), 'x');
    const app = await box.run([...args, 'build', 'app', '--package', 'tiny-worker'], { env });
    expect(app.stderr).toBe('');
    expect(app.code).toBe(0);
    expect(app.stdout).toContain('app image built (us-west-2: ami-0a0a0a0a0a0a0a0a0, us-east-1: ami-0c0c0c0c0c0c0c0c0)');
    // pnpm deploy ran in a copy: the workspace itself got no (production-only) install.
    expect(existsSync(join(repo, 'node_modules'))).toBe(false);
    const packerArgs = await readFile(log, 'utf8');
    expect(packerArgs).toContain(`workerRevision=${sha}-dirty\n`);
    expect(packerArgs).toContain('sourceImage=ami-0b0b0b0b0b0b0b0b0\n');
    expect(packerArgs).toContain('docker-worker.tgz\nroot.tgz\n');
    expect(packerArgs).toContain('cot-signing-key.key\n');

    // The app image's install script, run into a folder instead of /, with what was uploaded.
    const appDir = join(box.deployDir, 'target', 'app');
    const root = join(box.dir, 'image-root');
    await mkdir(root);
    const installed = execFileSync('bash', [join(DEPLOY, 'packer', 'scripts', 'install-app.sh')], {
      env: { ...process.env, APP_DIR: appDir, TARGET_ROOT: root, WORKER_REVISION: `${sha}-dirty` },
      stdio: ['ignore', 'pipe', 'pipe'], // systemctl --root notes that the folder has no multi-user.target
    }).toString();
    expect(installed).toContain('install-app: installed the rendered tree: 13 files');
    expect(installed).toContain('install-app: enabled docker-worker-disks.service docker-worker-instance.service docker-worker.service');
    expect(await readFile(join(root, 'opt', 'docker-worker', 'dist', 'bin', 'worker.js'), 'utf8')).toBe('console.log("worker")\n');
    expect(await readFile(join(root, 'opt', 'docker-worker', 'REVISION'), 'utf8')).toBe(`${sha}-dirty\n`);
    expect((await stat(join(root, 'usr', 'local', 'sbin', 'docker-worker-disks'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(root, 'etc', 'docker-worker', 'config.yml'))).mode & 0o777).toBe(0o644);
    expect(await readlink(join(root, 'etc', 'systemd', 'system', 'multi-user.target.wants', 'docker-worker.service'))).toBe(
      '/etc/systemd/system/docker-worker.service',
    );
    expect(existsSync(appDir)).toBe(false);
  });

  it('pack fails clearly when the package is not built', async () => {
    const repo = join(box.dir, 'repo');
    await mkdir(join(repo, 'packages', 'unbuilt'), { recursive: true });
    await writeFile(join(repo, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
    await writeFile(join(repo, 'package.json'), JSON.stringify({ name: 'repo', private: true }));
    await writeFile(join(repo, 'packages', 'unbuilt', 'package.json'), JSON.stringify({ name: 'unbuilt', version: '1.0.0', bin: { w: 'dist/w.js' }, files: ['dist'] }));
    const out = await box.run(['--repo-dir', repo, 'pack', '--package', 'unbuilt', '--out', 'x.tgz']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('unbuilt is not built (dist/w.js missing): run `pnpm build`');
    expect(existsSync(join(box.dir, 'x.tgz'))).toBe(false);
  });
});
