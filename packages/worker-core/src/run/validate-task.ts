import { validatePayload } from '@docker-worker/schema';
import { MalformedPayloadError, type DockerWorkerPayload, type Feature, type TaskDefinition } from '@docker-worker/worker-contract';
import { selectFeatures } from './features.js';
import { payloadValueProblems } from './payload-checks.js';
import { requestProblems, type HostOffer } from './task-requests.js';

/**
 * Everything checked before anything starts. Every problem is collected, so the task author
 * sees them all in one run instead of one per retry.
 */
export function validateTask(
  task: TaskDefinition,
  available: readonly Feature[],
  host: HostOffer,
): { payload: DockerWorkerPayload; features: Feature[] } {
  const schema = validatePayload(task.payload);
  if (!schema.ok) throw new MalformedPayloadError(schema.problems.map((p) => p.message));
  const payload = schema.value;
  const { enabled, problems } = selectFeatures(available, payload, task, host.switchedOff);
  problems.push(...requestProblems(payload, task, host));
  problems.push(...payloadValueProblems(payload));
  const reserved = new Set(enabled.flatMap((f) => f.reservedArtifacts ?? []));
  for (const name of Object.keys(payload.artifacts ?? {})) {
    if (reserved.has(name)) problems.push(`payload.artifacts["${name}"] uses a name the worker reserves for its own artifacts`);
  }
  if (problems.length > 0) throw new MalformedPayloadError(problems);
  return { payload, features: enabled };
}
