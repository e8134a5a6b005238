import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BoundFeature } from '../src/run/feature-binding.js';
import { Harness, TEST_IMAGE, WORKER_BIN } from './harness.js';

const VIDEO_SCOPE = 'docker-worker:capability:device:loopbackVideo';

/**
 * A device root as a host with v4l2loopback (one device) and KVM has it, made of `mknod` nodes
 * (this machine has neither module): the engine maps them into containers like real ones.
 */
async function deviceRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'dw-devroot-'));
  execFileSync('mknod', [join(root, 'video0'), 'c', '81', '0']);
  execFileSync('mknod', [join(root, 'kvm'), 'c', '10', '232']);
  await mkdir(join(root, 'shm'));
  await writeFile(join(root, 'shm', 'marker'), 'from the host\n');
  return root;
}

/** Waits in the container until the test creates `<root>/shm/go` (the host's shm is bound). */
const waitForGo = ['sh', '-c', 'ls -l /dev/video0; while [ ! -e /dev/shm/go ]; do sleep 0.1; done'];

describe('host devices through the worker (real engine)', () => {
  const h = new Harness();
  let root: string;
  const devices = () => ({ features: { devices: { root } } });

  beforeAll(async () => {
    root = await deviceRoot();
    // A reclaim every ~2 s: a cancel is noticed quickly without Pulse.
    await h.start({ claimTimeout: 4 });
  });
  afterAll(async () => {
    await h.stop();
    await rm(root, { recursive: true, force: true });
  });

  async function resolvedLog(taskId: string) {
    const status = await h.waitResolved(taskId);
    return { status, log: await h.backingLog(taskId) };
  }

  it('maps the video device, kvm and the host shm into the container, and says which it took', async () => {
    await h.startWorker({ workerType: 'dev-map', ...devices() });
    const taskId = await h.createTask(
      { image: TEST_IMAGE, command: ['sh', '-c', 'ls -l /dev/video0 /dev/kvm; cat /dev/shm/marker'], maxRunTime: 60, capabilities: { devices: { loopbackVideo: true, kvm: true, hostSharedMemory: true } } },
      { workerType: 'dev-map', scopes: [VIDEO_SCOPE, 'docker-worker:capability:device:kvm:test-prov/dev-map', 'docker-worker:capability:device:hostSharedMemory'] },
    );
    const { status, log } = await resolvedLog(taskId);
    expect(status.state).toBe('completed');
    expect(log).toMatch(/^c[-rw]+\s.*\s81,\s+0\s.*\/dev\/video0$/m);
    expect(log).toMatch(/^c[-rw]+\s.*\s10,\s+232\s.*\/dev\/kvm$/m);
    expect(log).toContain('from the host');
    expect(log).toContain('Device loopbackVideo: /dev/video0');
  });

  it('maps a whole snd-aloop card: its control and four pcm nodes', async () => {
    const own = await mkdtemp(join(tmpdir(), 'dw-devroot-'));
    try {
      await mkdir(join(own, 'snd'));
      execFileSync('mknod', [join(own, 'snd', 'controlC0'), 'c', '116', '0']);
      for (const [i, pcm] of ['D0c', 'D0p', 'D1c', 'D1p'].entries()) execFileSync('mknod', [join(own, 'snd', `pcmC0${pcm}`), 'c', '116', String(16 + i)]);
      await h.startWorker({ workerType: 'dev-audio', features: { devices: { root: own, loopbackAudio: { enabled: true } } } });
      const taskId = await h.createTask(
        { image: TEST_IMAGE, command: ['ls', '-l', '/dev/snd'], maxRunTime: 60, capabilities: { devices: { loopbackAudio: true } } },
        { workerType: 'dev-audio', scopes: ['docker-worker:capability:device:loopbackAudio:test-prov/dev-audio'] },
      );
      const { status, log } = await resolvedLog(taskId);
      expect(status.state).toBe('completed');
      expect(log).toContain('Device loopbackAudio: card 0');
      for (const [node, minor] of [['controlC0', 0], ['pcmC0D0c', 16], ['pcmC0D0p', 17], ['pcmC0D1c', 18], ['pcmC0D1p', 19]] as const) {
        expect(log).toMatch(new RegExp(`116,\\s+${minor}\\s.*${node}$`, 'm'));
      }
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('refuses a device without its scope, a kind with no device, and never runs the task', async () => {
    await h.startWorker({ workerType: 'dev-refuse', ...devices() });
    const noScope = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, capabilities: { devices: { loopbackVideo: true } } }, { workerType: 'dev-refuse' });
    const noCard = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, capabilities: { devices: { loopbackAudio: true } } }, { workerType: 'dev-refuse', scopes: ['docker-worker:capability:device:*'] });
    const refused = await resolvedLog(noScope);
    expect(refused.status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(refused.log).toContain(`payload.capabilities.devices needs the task scope ${VIDEO_SCOPE} or ${VIDEO_SCOPE}:test-prov/dev-refuse`);
    const absent = await resolvedLog(noCard);
    expect(absent.status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(absent.log).toContain(`loopbackAudio: this worker does not offer it (no snd-aloop card (${root}/snd/controlC* with its pcm devices) under ${root}: load snd-aloop)`);
    expect(await h.containers()).toEqual([]);
  });

  it('capacity 2 with one video device: claims one task at a time, so two never share the device', async () => {
    const { log } = await h.startWorker({ workerType: 'dev-one', capacity: 2, ...devices() });
    await h.until('capacity logged', () => log.records.some((r) => r.type === 'host capacity adjusted'));
    expect(log.records.filter((r) => r.type === 'host capacity adjusted')).toEqual([
      expect.objectContaining({ configured: 2, capacity: 1, reason: 'feature devices: 1 loopbackVideo device' }),
    ]);
    const task = { image: TEST_IMAGE, command: waitForGo, maxRunTime: 60, capabilities: { devices: { loopbackVideo: true, hostSharedMemory: true } } };
    const scopes = [VIDEO_SCOPE, 'docker-worker:capability:device:hostSharedMemory'];
    const first = await h.createTask(task, { workerType: 'dev-one', scopes });
    const second = await h.createTask(task, { workerType: 'dev-one', scopes });
    await h.waitRunning(first);
    const claimsSoFar = h.requests.filter((r) => r.name === 'claimWork' && r.path.includes('dev-one')).length;
    expect(claimsSoFar).toBeGreaterThan(0);
    // Held through two reclaims of the first: the worker asked for no more work meanwhile.
    await h.until('two reclaims', () => h.requests.filter((r) => r.name === 'reclaimTask' && r.path.includes(first)).length >= 2, 15_000);
    expect(h.requests.filter((r) => r.name === 'claimWork' && r.path.includes('dev-one')).length).toBe(claimsSoFar);
    expect((await h.client.status(second)).state).toBe('pending');
    expect(log.records.filter((r) => r.type === 'host capacity adjusted')).toHaveLength(1);
    await writeFile(join(root, 'shm', 'go'), '');
    try {
      expect((await h.waitResolved(first)).state).toBe('completed');
      const after = await resolvedLog(second);
      expect(after.status.state).toBe('completed');
      expect(after.log).toContain('Device loopbackVideo: /dev/video0');
    } finally {
      await rm(join(root, 'shm', 'go'), { force: true });
    }
  });

  it('frees the device whatever ends the run: failed, timed out, canceled, refused', async () => {
    await h.startWorker({ workerType: 'dev-free', ...devices() });
    const scopes = [VIDEO_SCOPE, 'docker-worker:capability:device:hostSharedMemory', 'docker-worker:capability:device:loopbackAudio'];
    const asks = (command: string[], maxRunTime = 60, more: Record<string, boolean> = {}) => ({
      image: TEST_IMAGE,
      command,
      maxRunTime,
      capabilities: { devices: { loopbackVideo: true, hostSharedMemory: true, ...more } },
    });
    const runs: [string, string][] = [];
    const failed = await h.createTask(asks(['sh', '-c', 'exit 3']), { workerType: 'dev-free', scopes });
    expect((await h.waitResolved(failed)).state).toBe('failed');
    runs.push(['failed', failed]);
    const timedOut = await h.createTask(asks(['sleep', '600'], 1), { workerType: 'dev-free', scopes });
    expect((await h.waitResolved(timedOut)).state).toBe('failed');
    runs.push(['timed out', timedOut]);
    // Holds the video device until the audio request is refused: the refusal gives it back.
    const refused = await h.createTask(asks(['true'], 60, { loopbackAudio: true }), { workerType: 'dev-free', scopes });
    expect((await h.waitResolved(refused)).runs[0]!.reasonResolved).toBe('malformed-payload');
    const canceled = await h.createTask(asks(waitForGo), { workerType: 'dev-free', scopes });
    await h.waitRunning(canceled);
    await h.until('container started', async () => (await h.containers()).length > 0);
    await h.client.cancelTask(canceled);
    expect((await h.waitResolved(canceled)).runs[0]!.reasonResolved).toBe('canceled');
    // After each ending, a task that asks for the one device gets it.
    const last = await h.createTask(asks(['ls', '-l', '/dev/video0']), { workerType: 'dev-free', scopes });
    const { status, log } = await resolvedLog(last);
    expect(status.state).toBe('completed');
    expect(log).toMatch(/81,\s+0/);
    for (const [why, taskId] of runs) expect([why, await h.backingLog(taskId)]).toEqual([why, expect.stringContaining('Device loopbackVideo: /dev/video0')]);
  });

  it('refuses to start when the config enables a kind whose devices are absent', async () => {
    await expect(h.startWorker({ workerType: 'dev-strict', features: { devices: { root, loopbackAudio: { enabled: true } } } })).rejects.toThrow(
      `feature devices: loopbackAudio enabled but no snd-aloop card (${root}/snd/controlC* with its pcm devices) under ${root}: load snd-aloop`,
    );
  });

  it('leaves absent kinds off with one worker log line each', async () => {
    const { log } = await h.startWorker({ workerType: 'dev-log', features: { devices: { root, kvm: { enabled: false } } } });
    expect(log.records.filter((r) => r.type === 'devices off').map((r) => [r.kind, r.why])).toEqual([
      ['loopbackAudio', `no snd-aloop card (${root}/snd/controlC* with its pcm devices) under ${root}: load snd-aloop`],
      ['kvm', 'features.devices.kvm.enabled is false in the worker config'],
    ]);
    expect(log.records.filter((r) => r.type === 'devices found').map((r) => [r.kind, r.count])).toEqual([
      ['loopbackVideo', 1],
      ['hostSharedMemory', 1],
    ]);
  });

  it('counts the devices again before each claim: none left, nothing claimed until one is back', async () => {
    const own = await deviceRoot();
    try {
      // Counts the claim loop's questions, so the test knows it looked again.
      let asked = 0;
      const counted = (wired: BoundFeature[]) =>
        wired.map((bound) => {
          const { feature } = bound;
          if (!feature.capacity) return bound;
          const capacity = () => {
            asked++;
            return feature.capacity!();
          };
          return { ...bound, feature: { ...feature, capacity } };
        });
      const { log } = await h.startWorker({ workerType: 'dev-gone', capacity: 2, features: { devices: { root: own } } }, { features: counted });
      await h.until('capacity 1 logged', () => log.records.some((r) => r.type === 'host capacity adjusted' && r.capacity === 1));
      await rm(join(own, 'video0'));
      await h.until('capacity 0 logged', () => log.records.some((r) => r.type === 'host capacity adjusted' && r.capacity === 0));
      const taskId = await h.createTask({ image: TEST_IMAGE, command: ['ls', '-l', '/dev/video0'], maxRunTime: 60, capabilities: { devices: { loopbackVideo: true } } }, { workerType: 'dev-gone', scopes: [VIDEO_SCOPE] });
      const claimsBefore = h.requests.filter((r) => r.name === 'claimWork' && r.path.includes('dev-gone')).length;
      // Looked again (a poll interval apart) three times more: still none, nothing claimed.
      const askedBefore = asked;
      await h.until('capacity asked again', () => asked >= askedBefore + 3);
      expect((await h.client.status(taskId)).state).toBe('pending');
      expect(h.requests.filter((r) => r.name === 'claimWork' && r.path.includes('dev-gone')).length).toBe(claimsBefore);
      execFileSync('mknod', [join(own, 'video0'), 'c', '81', '0']);
      const { status, log: text } = await resolvedLog(taskId);
      expect(status.state).toBe('completed');
      expect(text).toMatch(/81,\s+0/);
      expect(log.records.filter((r) => r.type === 'host capacity adjusted').map((r) => r.capacity)).toEqual([1, 0, 1]);
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });

  it('CPU pinning: two tasks at once, each on a core of its own', async () => {
    const { log } = await h.startWorker({ workerType: 'dev-cpu', capacity: 4, features: { devices: { root, loopbackVideo: { enabled: false }, cpu: { enabled: true, cores: [0, 1] } } } });
    await h.until('capacity logged', () => log.records.some((r) => r.type === 'host capacity adjusted'));
    expect(log.records.find((r) => r.type === 'host capacity adjusted')).toMatchObject({ configured: 4, capacity: 2, reason: 'feature devices: 2 CPU cores, one per task' });
    const payload = {
      image: TEST_IMAGE,
      command: ['sh', '-c', 'grep Cpus_allowed_list /proc/self/status; touch /dev/shm/started-$TASK_ID; while [ ! -e /dev/shm/go ]; do sleep 0.1; done'],
      maxRunTime: 60,
      capabilities: { devices: { hostSharedMemory: true } },
    };
    const scopes = ['docker-worker:capability:device:hostSharedMemory'];
    const tasks = [await h.createTask(payload, { workerType: 'dev-cpu', scopes }), await h.createTask(payload, { workerType: 'dev-cpu', scopes })];
    // Both running at once before either may finish.
    await h.until('both started', async () => (await Promise.all(tasks.map((t) => stat(join(root, 'shm', `started-${t}`)).then(() => true, () => false)))).every(Boolean));
    await writeFile(join(root, 'shm', 'go'), '');
    try {
      const lists = [];
      for (const taskId of tasks) {
        const { status, log: text } = await resolvedLog(taskId);
        expect(status.state).toBe('completed');
        lists.push(/Cpus_allowed_list:\s+(\S+)/.exec(text)?.[1]);
        expect(text).toMatch(/CPU core: [01]/);
      }
      expect(lists.sort()).toEqual(['0', '1']);
    } finally {
      await rm(join(root, 'shm', 'go'), { force: true });
    }
  });

  it('worker start: one device, capacity 2, two tasks run one after the other, each with the device', async () => {
    const config = join(h.dir, 'devices-start.yml');
    await writeFile(config, `capacity: 2\nfeatures:\n  devices:\n    root: ${root}\n    loopbackVideo: { enabled: true }\n`);
    const daemon = h.daemon(['--config', config], 'dev-daemon');
    try {
      await h.until('capacity adjusted', () => daemon.stderr().includes('host capacity adjusted'), 30_000);
      expect(daemon.stderr()).toMatch(/host capacity adjusted.*configured=2.*capacity=1/);
      const payload = { image: TEST_IMAGE, command: ['ls', '-l', '/dev/video0'], maxRunTime: 60, capabilities: { devices: { loopbackVideo: true } } };
      const tasks = [await h.createTask(payload, { scopes: [VIDEO_SCOPE] }), await h.createTask(payload, { scopes: [VIDEO_SCOPE] })];
      for (const taskId of tasks) {
        const { status, log } = await resolvedLog(taskId);
        expect(status.state).toBe('completed');
        expect(log).toMatch(/81,\s+0/);
      }
    } finally {
      daemon.child.kill('SIGINT');
    }
    expect(await daemon.exited).toBe(0);
  });
});

describe('worker run with host devices (the real bin, real engine)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await deviceRoot();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  function workerRun(config: string, task: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((done) => {
      execFile(process.execPath, [WORKER_BIN, 'run', '--config', config, task], { env: { ...process.env, DW_WORK_DIR: join(dir, 'work') } }, (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      });
    });
  }

  it('gives the task its video device; refuses to start with a kind enabled but absent (exit 3)', async () => {
    const task = join(dir, 'task.json');
    await writeFile(
      task,
      JSON.stringify({ scopes: [VIDEO_SCOPE], payload: { image: TEST_IMAGE, command: ['ls', '-l', '/dev/video0'], maxRunTime: 60, capabilities: { devices: { loopbackVideo: true } } } }),
    );
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ features: { devices: { root: dir, loopbackVideo: { enabled: true } } } }));
    const ran = await workerRun(config, task);
    expect(ran.stdout).toContain('Device loopbackVideo: /dev/video0');
    expect(ran.stdout).toMatch(/81,\s+0 .*\/dev\/video0/);
    expect(ran.code).toBe(0);
    await writeFile(config, JSON.stringify({ features: { devices: { root: dir, loopbackAudio: { enabled: true } } } }));
    const refused = await workerRun(config, task);
    expect(refused.stderr).toContain(`feature devices: loopbackAudio enabled but no snd-aloop card (${dir}/snd/controlC* with its pcm devices) under ${dir}: load snd-aloop`);
    expect(refused.code).toBe(3);
  });
});
