import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_IMAGE } from './harness.js';

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/bin/worker.js');

function worker(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A Firefox CI decision task's shape, on the local test image. */
const decisionPayload = {
  image: TEST_IMAGE,
  maxRunTime: 1800,
  command: ['sh', '-c', 'mkdir -p /builds/worker/artifacts && echo graph > /builds/worker/artifacts/task-graph.json && echo decided'],
  env: { GECKO_HEAD_REPOSITORY: 'https://hg.mozilla.org/integration/autoland', MOZ_SCM_LEVEL: '3' },
  cache: { 'gecko-level-3-checkouts-sparse-v3': '/builds/worker/checkouts' },
  capabilities: { privileged: true },
  features: { chainOfTrust: true, taskclusterProxy: true, interactive: true },
  log: 'public/logs/decision.log',
  onExitStatus: { retry: [72], purgeCaches: [72] },
  artifacts: { public: { type: 'directory', path: '/builds/worker/artifacts' } },
};
const decisionScopes = ['docker-worker:capability:privileged', 'docker-worker:cache:gecko-level-3-checkouts-sparse-v3', 'docker-worker:feature:taskclusterProxy'];

/** A fuzzing task: no seccomp filter, ptrace for the sanitizers. */
const fuzzingPayload = {
  image: TEST_IMAGE,
  maxRunTime: 600,
  command: ['sh', '-c', 'grep -E "^(Seccomp|CapEff):" /proc/self/status; mkdir -p /results && echo crash > /results/crash.txt'],
  env: { ASAN_OPTIONS: 'detect_leaks=1' },
  capabilities: { disableSeccomp: true },
  features: { allowPtrace: true },
  artifacts: { 'public/results': { type: 'directory', path: '/results' } },
};
const fuzzingScopes = ['docker-worker:capability:disableSeccomp', 'docker-worker:feature:allowPtrace'];

describe('worker run of the payloads Firefox CI writes today (the real bin, embedded queue, real Docker)', () => {
  let dir: string;
  let env: Record<string, string>;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dw-cli-payloads-'));
    env = { DW_WORK_DIR: dir, DW_WORKER_ID: 'cli-payloads' };
    const key = join(dir, 'cot.key');
    await writeFile(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    config = join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({ dockerConfig: { allowPrivileged: true, allowDisableSeccomp: true }, features: { chainOfTrust: { ed25519SigningKeyLocation: key }, interactive: { minTime: 0 } } }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(name: string, payload: Record<string, unknown>, scopes: string[], args: string[] = []) {
    const file = join(dir, `${name}.json`);
    await writeFile(file, JSON.stringify({ scopes, payload }));
    return worker(['run', '--config', config, ...args, file], env);
  }

  it('a decision task asking for interactive without its scope: malformed-payload naming only that scope', async () => {
    const r = await run('decision', decisionPayload, decisionScopes);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^Task \S+ exception \(malformed-payload\)$/);
    const problems = r.stdout.split('\n').filter((line) => /^\s*- payload\./.test(line) || /^\[taskcluster:error\] .*payload\./.test(line));
    expect(problems.join('\n')).toMatch(/payload\.features\.interactive .*docker-worker:feature:interactive/);
    expect(problems.filter((line) => !/features\.interactive /.test(line))).toEqual([]);
  });

  it('the decision task runs: custom log name, cache, onExitStatus, chain of trust, taskcluster proxy, interactive', async () => {
    const payload = { ...decisionPayload, capabilities: {} };
    const out = join(dir, 'decision-artifacts');
    const r = await run('decision-offered', payload, [...decisionScopes, 'docker-worker:feature:interactive'], ['--artifacts-dir', out]);
    expect(r.stdout).toContain('decided');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Interactive shell: ws:\/\/localhost:\d+\/[0-9a-f]{64}\/shell\.sock$/m);
    expect(await readFile(join(out, 'public/logs/decision_backing.log'), 'utf8')).toContain('decided');
    expect(await readFile(join(out, 'public/task-graph.json'), 'utf8')).toBe('graph\n');
    expect(JSON.parse(await readFile(join(out, 'public/chain-of-trust.json'), 'utf8'))).toMatchObject({ artifacts: expect.any(Object) });
  });

  it('the decision task as privileged passes validation and starts its container', async () => {
    // Not asserted to complete: some sandboxes' runc cannot apply a privileged container's
    // capabilities, which fails the start after validation, never as malformed-payload.
    const r = await run('decision-privileged', { ...decisionPayload, features: { chainOfTrust: true } }, decisionScopes);
    expect(r.stdout).not.toContain('malformed-payload');
    expect(r.stdout).toContain('=== Task Starting ===');
  });

  it('a fuzzing task with disableSeccomp runs without a seccomp filter and with SYS_PTRACE', async () => {
    const out = join(dir, 'fuzzing-artifacts');
    const r = await run('fuzzing', fuzzingPayload, fuzzingScopes, ['--artifacts-dir', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nSeccomp:\s+0\n/);
    const capEff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(r.stdout)![1]}`);
    expect(capEff & (1n << 19n)).toBe(1n << 19n);
    expect(await readFile(join(out, 'public/results/crash.txt'), 'utf8')).toBe('crash\n');
  });

  it('the fuzzing task on a worker that does not allow it: malformed-payload naming the switch', async () => {
    const file = join(dir, 'fuzzing-denied.json');
    await writeFile(file, JSON.stringify({ scopes: fuzzingScopes, payload: fuzzingPayload }));
    const r = await worker(['run', file], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('dockerConfig.allowDisableSeccomp is false');
  });
});
