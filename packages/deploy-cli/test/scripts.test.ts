/**
 * Syntax and lint checks of every shell script of deploy/ and vagrant/ (bash -n, shellcheck),
 * the Vagrantfile (ruby -c), and the small provisioning scripts run into folders.
 * The checkers are installed by scripts/setup-machine.sh; a missing one fails the test.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DEPLOY, REPO } from './helpers.js';

async function shellScripts(): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'target') await walk(path);
      } else if (entry.isFile() && (await readFile(path, 'utf8')).startsWith('#!/usr/bin/env bash')) {
        found.push(path);
      }
    }
  };
  await walk(DEPLOY);
  await walk(join(REPO, 'vagrant'));
  return found.sort();
}

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.error) throw new Error(`${command} is not installed (scripts/setup-machine.sh installs it): ${result.error.message}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let scripts: string[];
let dir: string;

beforeAll(async () => {
  scripts = await shellScripts();
  dir = await mkdtemp(join(tmpdir(), 'dw-scripts-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('deploy and vagrant scripts', () => {
  it('are all found, and executable', async () => {
    expect(scripts.map((s) => relative(REPO, s))).toEqual([
      'deploy/packer/scripts/base-packages.sh',
      'deploy/packer/scripts/install-app.sh',
      'deploy/packer/scripts/install-keys.sh',
      'deploy/packer/scripts/kernel-modules.sh',
      'deploy/packer/scripts/log-forwarding.sh',
      'deploy/packer/scripts/node.sh',
      'deploy/template/root/usr/local/sbin/docker-worker-disks',
      'deploy/template/root/usr/local/sbin/docker-worker-instance-env',
      'vagrant/provision.sh',
    ]);
    for (const script of scripts) expect([relative(REPO, script), (await stat(script)).mode & 0o111]).toEqual([relative(REPO, script), 0o111]);
  });

  it('pass bash -n', () => {
    for (const script of scripts) expect([script, run('bash', ['-n', script])]).toEqual([script, { code: 0, stdout: '', stderr: '' }]);
  });

  it('pass shellcheck', () => {
    const out = run('shellcheck', ['--severity=style', ...scripts]);
    expect(out.stdout).toBe('');
    expect(out.code).toBe(0);
  });

  it('the Vagrantfile passes ruby -c, and provisions with vagrant/provision.sh', async () => {
    const out = run('ruby', ['-c', join(REPO, 'Vagrantfile')]);
    expect(out).toMatchObject({ code: 0, stdout: 'Syntax OK\n' });
    const vagrantfile = await readFile(join(REPO, 'Vagrantfile'), 'utf8');
    expect(vagrantfile).toContain('path: "vagrant/provision.sh"');
    expect(vagrantfile).toContain('config.vm.synced_folder ".", "/vagrant"');
    // The box gets the production modprobe file, not a copy of its own.
    expect(await readFile(join(REPO, 'vagrant', 'provision.sh'), 'utf8')).toContain('deploy/template/root/etc/modprobe.d/docker-worker.conf');
  });
});

describe('log-forwarding.sh', () => {
  const script = join(DEPLOY, 'packer', 'scripts', 'log-forwarding.sh');
  const conf = () => join(dir, 'rsyslog.d', 'forward.conf');

  it('writes an rsyslog action for tls, tcp and udp', async () => {
    for (const [protocol, expected] of [
      ['tls', 'StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="logs.example.com"'],
      ['tcp', 'protocol="tcp"'],
      ['udp', 'protocol="udp"'],
    ] as const) {
      const out = run('bash', [script], { LOG_FORWARD_TARGET: 'logs.example.com:6514', LOG_FORWARD_PROTOCOL: protocol, RSYSLOG_CONF: conf() });
      expect(out.code).toBe(0);
      const text = await readFile(conf(), 'utf8');
      expect(text).toContain('*.* action(type="omfwd" target="logs.example.com" port="6514"');
      expect(text).toContain(expected);
      expect(text).toContain('queue.type="LinkedList"');
    }
  });

  it('removes the forwarding without a target, and rejects a bad one', async () => {
    expect(run('bash', [script], { LOG_FORWARD_TARGET: '', RSYSLOG_CONF: conf() }).stdout).toContain('no target');
    await expect(stat(conf())).rejects.toThrow();
    const bad = run('bash', [script], { LOG_FORWARD_TARGET: 'nohost', RSYSLOG_CONF: conf() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("LOG_FORWARD_TARGET must be host:port (got 'nohost')");
  });
});

describe('install-keys.sh', () => {
  it('installs the staged keys root-only, and turns on https for the live log with a certificate', async () => {
    const staged = join(dir, 'staged');
    const target = join(dir, 'etc-docker-worker');
    await mkdir(staged);
    for (const name of ['cot-signing-key.key', 'tls.crt', 'tls.key']) await writeFile(join(staged, name), name);
    const out = run('bash', [join(DEPLOY, 'packer', 'scripts', 'install-keys.sh')], { KEYS_DIR: staged, KEYS_TARGET: target });
    expect(out.code).toBe(0);
    expect((await stat(join(target, 'cot-signing-key.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(target, 'tls.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(target, 'tls.crt'))).mode & 0o777).toBe(0o644);
    expect(await readFile(join(target, 'tls.env'), 'utf8')).toBe(
      `DW_FEATURES__LOCAL_LIVE_LOG__TLS='{"certificate":"/etc/docker-worker/tls.crt","key":"/etc/docker-worker/tls.key"}'\n`,
    );
    await expect(stat(staged)).rejects.toThrow();
  });
});
