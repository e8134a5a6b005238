import type { DockerWorkerPayload, TaskDefinition } from '@docker-worker/worker-contract';
import { scopeSatisfied } from './scopes.js';

/**
 * Checks what the payload asks of the host against the task's scopes and its own limits.
 * A scope may also be held in its worker-pool form (`<scope>:<provisionerId>/<workerType>`),
 * as docker-worker accepted. Scopes are compared as the task lists them: role expansion
 * needs the auth service, which the embedded queue does not have.
 */
export interface HostOffer {
  /** `dockerConfig.allowPrivileged`. */
  allowPrivileged: boolean;
  /** Features with `enabled: false` in the worker config. */
  switchedOff?: ReadonlySet<string>;
}

export function requestProblems(payload: DockerWorkerPayload, task: TaskDefinition, host: HostOffer): string[] {
  const problems: string[] = [];
  const held = task.scopes ?? [];
  const pool = `${task.provisionerId}/${task.workerType}`;
  const need = (scope: string, what: string) => {
    if (!scopeSatisfied(held, scope) && !scopeSatisfied(held, `${scope}:${pool}`)) problems.push(`${what} needs the task scope ${scope}`);
  };

  if (payload.capabilities?.privileged) {
    need('docker-worker:capability:privileged', 'payload.capabilities.privileged');
    if (!host.allowPrivileged) problems.push('payload.capabilities.privileged: this worker does not run privileged containers (dockerConfig.allowPrivileged is false)');
  }
  for (const [device, wanted] of Object.entries(payload.capabilities?.devices ?? {})) {
    if (!wanted) continue;
    need(`docker-worker:capability:device:${device}`, `payload.capabilities.devices.${device}`);
    // Devices come with feature-devices; until then a request must not silently run without one.
    problems.push(`payload.capabilities.devices.${device}: this worker offers no host devices`);
  }
  for (const name of Object.keys(payload.cache ?? {})) {
    if (name.includes('::')) {
      problems.push(`payload.cache["${name}"]: cache names may not contain "::"`);
      continue;
    }
    need(`docker-worker:cache:${name}`, `payload.cache["${name}"]`);
  }
  const taskExpires = Date.parse(task.expires);
  for (const [name, artifact] of Object.entries(payload.artifacts ?? {})) {
    if (artifact.expires && Date.parse(artifact.expires) > taskExpires) {
      problems.push(`payload.artifacts["${name}"].expires (${artifact.expires}) is after the task's expires (${task.expires})`);
    }
  }
  return problems;
}
