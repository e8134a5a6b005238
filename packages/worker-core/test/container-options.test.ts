import { FakeRuntime } from '@docker-worker/worker-contract/testing';
import { Harness, TEST_IMAGE } from './harness.js';

/** The container's effective capabilities, from the CapEff line the task prints. */
function capabilities(log: string): bigint {
  const match = /CapEff:\s*([0-9a-f]+)/.exec(log);
  if (!match) throw new Error(`no CapEff line in:\n${log}`);
  return BigInt(`0x${match[1]}`);
}
const CAP_SYS_PTRACE = 1n << 19n;
const CAP_SYS_ADMIN = 1n << 21n;
const showCaps = { image: TEST_IMAGE, command: ['sh', '-c', 'grep CapEff /proc/self/status; grep -c localhost.localdomain /etc/hosts; df -k /dev/shm | tail -1'], maxRunTime: 60 };

describe('container options: privileged, disableSeccomp, allowPtrace, hosts, shared memory (real engine)', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
    await h.startWorker({ workerType: 'opts-allow', dockerConfig: { allowPrivileged: true } });
    await h.startWorker({ workerType: 'opts-deny' });
    await h.startWorker({ workerType: 'opts-off', features: { allowPtrace: { enabled: false } } });
    await h.startWorker({ workerType: 'opts-seccomp', dockerConfig: { allowDisableSeccomp: true } });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function runOn(workerType: string, payload: Record<string, unknown>, scopes: string[]) {
    const taskId = await h.createTask({ ...showCaps, ...payload }, { workerType, scopes });
    const status = await h.waitResolved(taskId);
    return { status, log: await h.backingLog(taskId) };
  }

  it('a plain task has neither capability, but has the localhost.localdomain entry and a large /dev/shm', async () => {
    const { status, log } = await runOn('opts-allow', {}, []);
    expect(status.state).toBe('completed');
    expect(capabilities(log) & CAP_SYS_ADMIN).toBe(0n);
    expect(capabilities(log) & CAP_SYS_PTRACE).toBe(0n);
    expect(log).toMatch(/\n1\n/);
    const shmKb = Number(/(\d+)\s+\d+\s+\d+\s+\d+%\s+\/dev\/shm/.exec(log)?.[1]);
    expect(shmKb).toBeGreaterThan(1_000_000);
  });

  // This sandbox's runc cannot apply a privileged container's capabilities ("unable to apply
  // caps: operation not permitted"), so the allowed case is checked up to the container the
  // worker asks for; docker-runtime's own suite checks that the engine creates it privileged.
  it('privileged: asked of the runtime with the scope on a worker that allows it', async () => {
    const runtime = new FakeRuntime();
    runtime.addImage(TEST_IMAGE);
    await h.startWorker({ workerType: 'opts-fake', dockerConfig: { allowPrivileged: true } }, { runtime });
    const taskId = await h.createTask(
      { image: TEST_IMAGE, command: ['sh', '-c', 'echo ok'], maxRunTime: 60, capabilities: { privileged: true } },
      { workerType: 'opts-fake', scopes: ['docker-worker:capability:privileged'] },
    );
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    expect(runtime.containers.map((c) => c.spec.privileged)).toEqual([true]);
  });

  it('privileged: refused by the worker config', async () => {
    const { status, log } = await runOn('opts-deny', { capabilities: { privileged: true } }, ['docker-worker:capability:privileged']);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(log).toContain('dockerConfig.allowPrivileged is false');
  });

  it('privileged: refused without the scope', async () => {
    const { status, log } = await runOn('opts-allow', { capabilities: { privileged: true } }, []);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(log).toContain('needs the task scope docker-worker:capability:privileged or docker-worker:capability:privileged:test-prov/opts-allow');
  });

  it('allowPtrace: SYS_PTRACE with the scope', async () => {
    const { status, log } = await runOn('opts-deny', { features: { allowPtrace: true } }, ['docker-worker:feature:allowPtrace']);
    expect(status.state).toBe('completed');
    expect(capabilities(log) & CAP_SYS_PTRACE).toBe(CAP_SYS_PTRACE);
    expect(capabilities(log) & CAP_SYS_ADMIN).toBe(0n);
  });

  it('allowPtrace: SYS_PTRACE with the scope held for this worker pool only', async () => {
    const { status, log } = await runOn('opts-deny', { features: { allowPtrace: true } }, ['docker-worker:feature:allowPtrace:test-prov/opts-deny']);
    expect(status.state).toBe('completed');
    expect(capabilities(log) & CAP_SYS_PTRACE).toBe(CAP_SYS_PTRACE);
    const otherPool = await runOn('opts-deny', { features: { allowPtrace: true } }, ['docker-worker:feature:allowPtrace:test-prov/opts-allow']);
    expect(otherPool.status.runs[0]!.reasonResolved).toBe('malformed-payload');
  });

  it('allowPtrace: refused without the scope, and on a worker that switched it off', async () => {
    const unscoped = await runOn('opts-deny', { features: { allowPtrace: true } }, []);
    expect(unscoped.status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(unscoped.log).toContain('payload.features.allowPtrace needs the task scope docker-worker:feature:allowPtrace or docker-worker:feature:allowPtrace:test-prov/opts-deny');
    const off = await runOn('opts-off', { features: { allowPtrace: true } }, ['docker-worker:feature:allowPtrace']);
    expect(off.status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(off.log).toContain('payload.features.allowPtrace is switched off on this worker');
  });

  /** The container's seccomp mode: 0 without a filter, 2 with the engine's default profile. */
  const seccompMode = (log: string) => /Seccomp:\s*(\d)/.exec(log)?.[1];
  const showSeccomp = { command: ['grep', '^Seccomp:', '/proc/self/status'] };

  it('disableSeccomp: no seccomp filter with the scope on a worker that allows it; the default profile otherwise', async () => {
    const off = await runOn('opts-seccomp', { ...showSeccomp, capabilities: { disableSeccomp: true } }, ['docker-worker:capability:disableSeccomp']);
    expect(off.status.state).toBe('completed');
    expect(seccompMode(off.log)).toBe('0');
    const plain = await runOn('opts-seccomp', { ...showSeccomp, capabilities: { disableSeccomp: false } }, []);
    expect(plain.status.state).toBe('completed');
    expect(seccompMode(plain.log)).toBe('2');
  });

  it('disableSeccomp: refused by the worker config', async () => {
    const { status, log } = await runOn('opts-deny', { ...showSeccomp, capabilities: { disableSeccomp: true } }, ['docker-worker:capability:disableSeccomp']);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(log).toContain('payload.capabilities.disableSeccomp: this worker does not run containers without seccomp (dockerConfig.allowDisableSeccomp is false)');
    expect(seccompMode(log)).toBeUndefined();
  });

  it('disableSeccomp: refused without the scope, and with the per-pool form only (d2g accepts the plain scope alone)', async () => {
    for (const scopes of [[], ['docker-worker:capability:disableSeccomp:test-prov/opts-seccomp']]) {
      const { status, log } = await runOn('opts-seccomp', { ...showSeccomp, capabilities: { disableSeccomp: true } }, scopes);
      expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
      expect(log).toContain('payload.capabilities.disableSeccomp needs the task scope docker-worker:capability:disableSeccomp\n');
    }
  });

  it('an unknown top-level key: the task runs, with a warning line naming the field meant', async () => {
    const { status, log } = await runOn('opts-deny', { maxRuntime: 600, artifact: {} }, []);
    expect(status.state).toBe('completed');
    expect(log).toContain('\n[taskcluster:warning] payload.maxRuntime is not a payload field; it is ignored (did you mean "maxRunTime"?)\n');
    expect(log).toContain('\n[taskcluster:warning] payload.artifact is not a payload field; it is ignored (did you mean "artifacts"?)\n');
  });
});
