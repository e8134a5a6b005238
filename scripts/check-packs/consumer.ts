// A worker built on the published packages, type-checked against their declarations only:
// each import must resolve through the package's `exports` and its types must hold together.
import type { Feature, TaskContext, TaskFeature, Runtime } from '@docker-worker/worker-contract';
import { MalformedPayloadError, outcomeOf } from '@docker-worker/worker-contract';
import { MemoryTaskLog, RecordingPublisher, testTaskContext, testTaskDefinition } from '@docker-worker/worker-contract/testing';
import type { runtimeConformance } from '@docker-worker/worker-contract/conformance';
import { artifactsFeature, chainOfTrustFeature } from '@docker-worker/feature-artifacts';
import { createLiveLogFeature, bulkLogFeature } from '@docker-worker/feature-livelog';
import { createDevicesFeature, type DevicesOptions } from '@docker-worker/feature-devices';
import { taskclusterProxyFeature } from '@docker-worker/feature-taskcluster-proxy';
import { InteractiveServer, createInteractiveFeature } from '@docker-worker/feature-interactive';
import { DockerRuntime } from '@docker-worker/docker-runtime';
import { validatePayload, type DockerWorkerPayload } from '@docker-worker/schema';
import { LocalQueue } from '@docker-worker/local-queue';
import { Worker, bindFeature, loadConfig, type BoundFeature } from '@docker-worker/worker-core';

/** A feature of another worker's: its options are its own, mapped by its host. */
const greeter: Feature<{ greeting: string }> = {
  name: 'greeter',
  optionsSchema: { type: 'object', properties: { greeting: { type: 'string' } }, required: ['greeting'] },
  forTask(ctx: TaskContext, options): TaskFeature {
    return {
      async started(): Promise<void> {
        ctx.log.info(`${options.greeting} from task ${ctx.taskId} run ${ctx.runId}`);
        await ctx.log.flush();
      },
    };
  },
};

export const features: BoundFeature[] = [
  bindFeature(greeter, { defaultEnabled: false, options: () => ({ greeting: 'hello' }) }),
  bindFeature(artifactsFeature, { defaultEnabled: true, options: (payload) => ({ artifacts: payload.artifacts ?? {} }) }),
  bindFeature(chainOfTrustFeature, { defaultEnabled: false }),
  bindFeature(createLiveLogFeature(), { defaultEnabled: true }),
  bindFeature(bulkLogFeature, { defaultEnabled: false }),
  bindFeature(createDevicesFeature(), { defaultEnabled: true, options: (payload): DevicesOptions => payload.capabilities?.devices ?? {} }),
  bindFeature(taskclusterProxyFeature, { defaultEnabled: false }),
  bindFeature(createInteractiveFeature({ server: new InteractiveServer() }), { defaultEnabled: false, options: (payload) => ({ maxRunTime: payload.maxRunTime }) }),
];
export const context: Promise<TaskContext> = testTaskContext({ artifacts: new RecordingPublisher() });
export type Conformance = typeof runtimeConformance;
export const runtime: Runtime = new DockerRuntime();
export const log = new MemoryTaskLog();
export const task = testTaskDefinition({ priority: 'lowest' });
const checked = validatePayload(task.payload);
export const payload: DockerWorkerPayload | undefined = checked.ok ? checked.value : undefined;
export const outcome = outcomeOf(new MalformedPayloadError(['image is required']));
export type Parts = [typeof LocalQueue, typeof Worker, typeof loadConfig];
