/**
 * Every step of a run's teardown happens whatever the others did: hooks that throw, a kill the
 * engine refuses, a container that cannot be removed. The real engine and the embedded queue,
 * with a runtime that fails on purpose where a test says so.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DockerRuntime } from '@docker-worker/docker-runtime';
import type { Container, ContainerSpec, Feature, Runtime } from '@docker-worker/worker-contract';
import { bindFeature, type BoundFeature } from '../../src/run/feature-binding.js';
import { Harness, TEST_IMAGE } from '../harness.js';

/** The real runtime, whose containers refuse the first `killFailures` kills and every removal while `refuseRemoval`. */
class FlakyRuntime {
  killFailures = 0;
  refuseRemoval = false;
  readonly real: DockerRuntime;
  constructor(imageStateFile: string) {
    this.real = new DockerRuntime({ imageStateFile });
  }
  runtime(): Runtime {
    const real = this.real;
    return {
      ping: () => real.ping(),
      ensureImage: (image, ctx) => real.ensureImage(image, ctx),
      removeContainers: (labels) => real.removeContainers(labels),
      listContainers: (labels) => real.listContainers(labels),
      requiredScopes: (payload, task) => real.requiredScopes(payload, task),
      createContainer: async (spec: ContainerSpec) => this.#wrap(await real.createContainer(spec)),
    };
  }
  #wrap(container: Container): Container {
    return {
      id: container.id,
      output: container.output,
      start: () => container.start(),
      wait: () => container.wait(),
      archive: (path) => container.archive(path),
      kill: async () => {
        if (this.killFailures-- > 0) throw new Error('the engine refused the kill (test)');
        return container.kill();
      },
      remove: async () => {
        if (this.refuseRemoval) throw new Error('the engine refused the removal (test)');
        return container.remove();
      },
    };
  }
}

function hookFeature(name: string, hooks: { stopped?: () => void; killed?: () => void }): BoundFeature {
  const feature: Feature = {
    name,
    forTask: () => ({
      stopped: async () => hooks.stopped?.(),
      killed: async () => hooks.killed?.(),
    }),
  };
  return bindFeature(feature, { defaultEnabled: true });
}

describe('teardown, step by step', () => {
  const h = new Harness();
  beforeAll(async () => {
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('a throwing stopped or killed hook skips no other feature’s hooks, and the first failure decides', async () => {
    const calls: string[] = [];
    const features = (wired: BoundFeature[]) => [
      ...wired,
      hookFeature('failsStopped', {
        stopped: () => {
          throw new Error('stopped hook exploded');
        },
      }),
      hookFeature('records', { stopped: () => calls.push('stopped'), killed: () => calls.push('killed') }),
      hookFeature('failsKilled', {
        killed: () => {
          throw new Error('killed hook exploded');
        },
      }),
    ];
    const workDir = join(h.dir, 'hooks');
    const { log } = await h.startWorker({ workDir, workerType: `${h.workerType}h` }, { features });
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['echo', 'ran'], maxRunTime: 60 }, { workerType: `${h.workerType}h` });
    const status = await h.waitResolved(taskId);
    expect(status.runs[0]).toMatchObject({ state: 'exception', reasonResolved: 'internal-error' });
    expect(calls).toEqual(['stopped', 'killed']);
    // The log features' killed hooks come before the failing one in the list, so run after it.
    const text = await h.backingLog(taskId);
    expect(text).toContain('ran');
    expect(text).toContain('stopped hook exploded');
    expect(log.records.filter((r) => r.type === 'stopped hook failed' || r.type === 'killed hook failed')).toHaveLength(2);
    expect(await h.containers()).toEqual([]);
    expect(await readdir(join(workDir, 'runs'))).toEqual([]);
  });

  it('a kill the engine refuses is logged and retried until the container stops (maxRunTime)', async () => {
    const flaky = new FlakyRuntime(join(h.dir, 'kill-images.json'));
    flaky.killFailures = 2;
    const { log } = await h.startWorker({ workDir: join(h.dir, 'kill'), workerType: `${h.workerType}k` }, { runtime: flaky.runtime() });
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['sleep', '600'], maxRunTime: 2 }, { workerType: `${h.workerType}k` });
    const status = await h.waitResolved(taskId, 60_000);
    expect(status.runs[0]).toMatchObject({ state: 'failed' });
    expect(await h.backingLog(taskId)).toContain('Task timeout after 2 seconds. Force killing container.');
    const retried = log.records.filter((r) => r.type === 'container kill failed, retrying');
    expect(retried).toHaveLength(2);
    expect(retried[0]).toMatchObject({ why: 'maxRunTime', level: 'warn' });
  });

  it('a container that cannot be removed does not keep the run from being resolved, and is removed later', async () => {
    const flaky = new FlakyRuntime(join(h.dir, 'remove-images.json'));
    flaky.refuseRemoval = true;
    const workDir = join(h.dir, 'remove');
    const { worker, log } = await h.startWorker({ workDir, workerType: `${h.workerType}r` }, { runtime: flaky.runtime() });
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['echo', 'fine'], maxRunTime: 60 }, { workerType: `${h.workerType}r` });
    expect((await h.waitResolved(taskId)).state).toBe('completed');
    await h.until('the run torn down', () => log.records.some((r) => r.type === 'task resolved' && r.taskId === taskId));
    expect(log.records.find((r) => r.type === 'teardown step failed')).toMatchObject({ step: 'remove the container', level: 'error' });
    expect(await readdir(join(workDir, 'runs'))).toEqual([]);
    expect(await readdir(join(workDir, 'claims'))).toEqual([]);
    expect((await h.containers()).length).toBe(1);
    flaky.refuseRemoval = false;
    await worker.collectGarbage();
    await h.until('the leftover container removed', async () => (await h.containers()).length === 0);
  });
});
