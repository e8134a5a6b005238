// A feature built against its own copy of worker-contract (installed beside the worker rather
// than shared with it) throws errors of classes the worker's copy does not know: their outcome
// must still decide the run's resolution, not turn into internal-error.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Feature } from '@docker-worker/worker-contract';
import { createCaches, createFeatures, createRuntime, startFeatureServices } from '../src/bin/compose.js';
import { createMemoryLog } from '../src/log/worker-log.js';
import { bindFeature } from '../src/run/feature-binding.js';
import { Worker } from '../src/worker.js';
import { Harness, TEST_IMAGE } from './harness.js';

type Outcomes = typeof import('@docker-worker/worker-contract');

/** A second copy of the contract's built outcome module, loaded from a directory of its own. */
async function secondCopy(dir: string): Promise<Outcomes> {
  const built = join(dirname(fileURLToPath(import.meta.url)), '../node_modules/@docker-worker/worker-contract/dist/outcome.js');
  await writeFile(join(dir, 'package.json'), '{"type": "module"}');
  await copyFile(built, join(dir, 'outcome.js'));
  return (await import(pathToFileURL(join(dir, 'outcome.js')).href)) as Outcomes;
}

describe('errors from a second copy of worker-contract (real engine, queue over HTTP)', () => {
  const h = new Harness();
  let copyDir: string;

  beforeAll(async () => {
    await h.start();
    copyDir = await mkdtemp(join(tmpdir(), 'dw-contract-copy-'));
    const other = await secondCopy(copyDir);
    const refuses: Feature = {
      name: 'refuses',
      forTask: () => ({
        link: async () => {
          throw new other.MalformedPayloadError(['payload.features.refuses: this feature wants something the payload lacks']);
        },
      }),
    };
    const fails: Feature = {
      name: 'fails',
      forTask: () => ({
        link: async () => {
          throw new other.TaskFailedError('the feature blames the task');
        },
      }),
    };
    const config = h.config({ workerType: 'copies' });
    const services = await startFeatureServices(config);
    h.services.push(services);
    const worker = new Worker({
      config,
      queue: h.client,
      runtime: createRuntime(config),
      features: [...createFeatures(services), bindFeature(refuses, { defaultEnabled: false }), bindFeature(fails, { defaultEnabled: false })],
      caches: createCaches(config),
      log: createMemoryLog(),
    });
    h.workers.push(worker);
    await worker.start();
  });
  afterAll(async () => {
    await h.stop();
    await rm(copyDir, { recursive: true, force: true });
  });

  it('a MalformedPayloadError of the other copy resolves malformed-payload, its problems in the log', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, features: { refuses: true } }, { workerType: 'copies' });
    const status = await h.waitResolved(taskId);
    expect(status.runs[0]!.reasonResolved).toBe('malformed-payload');
    expect(await h.backingLog(taskId)).toContain('payload.features.refuses: this feature wants something the payload lacks');
  });

  it('a TaskFailedError of the other copy resolves failed', async () => {
    const taskId = await h.createTask({ image: TEST_IMAGE, command: ['true'], maxRunTime: 60, features: { fails: true } }, { workerType: 'copies' });
    const status = await h.waitResolved(taskId);
    expect(status.state).toBe('failed');
    expect(await h.backingLog(taskId)).toContain('the feature blames the task');
  });
});
