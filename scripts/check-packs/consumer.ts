// A worker built on the published packages, type-checked against their declarations only:
// each import must resolve through the package's `exports` and its types must hold together.
import type { Feature, TaskContext, TaskFeature, Runtime } from '@docker-worker/worker-contract';
import { MalformedPayloadError, outcomeOf } from '@docker-worker/worker-contract';
import { MemoryTaskLog, testTaskDefinition } from '@docker-worker/worker-contract/testing';
import { artifactsFeature, chainOfTrustFeature } from '@docker-worker/feature-artifacts';
import { createLiveLogFeature, bulkLogFeature } from '@docker-worker/feature-livelog';
import { DockerRuntime } from '@docker-worker/docker-runtime';
import { validatePayload, type DockerWorkerPayload } from '@docker-worker/schema';
import { LocalQueue } from '@docker-worker/local-queue';
import { Worker, loadConfig } from '@docker-worker/worker-core';

const greeter: Feature = {
  name: 'greeter',
  defaultEnabled: false,
  forTask(ctx: TaskContext): TaskFeature {
    return {
      async started(): Promise<void> {
        ctx.log.info(`hello from task ${ctx.taskId} run ${ctx.runId}`);
        await ctx.log.flush();
      },
    };
  },
};

export const features: Feature[] = [greeter, artifactsFeature, chainOfTrustFeature, createLiveLogFeature(), bulkLogFeature];
export const runtime: Runtime = new DockerRuntime();
export const log = new MemoryTaskLog();
export const task = testTaskDefinition({ priority: 'lowest' });
const checked = validatePayload(task.payload);
export const payload: DockerWorkerPayload | undefined = checked.ok ? checked.value : undefined;
export const outcome = outcomeOf(new MalformedPayloadError(['image is required']));
export type Parts = [typeof LocalQueue, typeof Worker, typeof loadConfig];
