import type { DockerWorkerPayload } from '@docker-worker/schema';
import { scopeInPool, type ScopeRequirement, type TaskDefinition } from '@docker-worker/worker-contract';

/** What this worker offers, from its config: the limits a payload's requests are held to. */
export interface HostOffer {
  /** `dockerConfig.allowPrivileged`. */
  allowPrivileged: boolean;
  /** `dockerConfig.allowDisableSeccomp`; off when not given. */
  allowDisableSeccomp?: boolean;
  /** Features with `enabled: false` in the worker config. */
  switchedOff?: ReadonlySet<string>;
}

/** What the payload asks of the host that this worker cannot or will not give. */
export function requestProblems(payload: DockerWorkerPayload, task: TaskDefinition, host: HostOffer): string[] {
  const problems: string[] = [];
  if (payload.capabilities?.privileged && !host.allowPrivileged) {
    problems.push('payload.capabilities.privileged: this worker does not run privileged containers (dockerConfig.allowPrivileged is false)');
  }
  if (payload.capabilities?.disableSeccomp && !host.allowDisableSeccomp) {
    problems.push('payload.capabilities.disableSeccomp: this worker does not run containers without seccomp (dockerConfig.allowDisableSeccomp is false)');
  }
  for (const name of Object.keys(payload.cache ?? {})) {
    if (name.includes('::')) problems.push(`payload.cache["${name}"]: cache names may not contain "::"`);
  }
  const taskExpires = Date.parse(task.expires);
  for (const [name, artifact] of Object.entries(payload.artifacts ?? {})) {
    if (artifact.expires && Date.parse(artifact.expires) > taskExpires) {
      problems.push(`payload.artifacts["${name}"].expires (${artifact.expires}) is after the task's expires (${task.expires})`);
    }
  }
  return problems;
}

/**
 * The scopes the payload's requests need (devices' are the devices feature's own). Each may also be held for the task's worker pool
 * only (`<scope>:<provisionerId>/<workerType>`), as docker-worker and d2g accept them, except
 * disableSeccomp: d2g accepts only its plain scope, so a grant made for d2g means the same here.
 */
export function requestScopes(payload: DockerWorkerPayload, task: TaskDefinition): ScopeRequirement[] {
  const required: ScopeRequirement[] = [];
  if (payload.capabilities?.privileged) {
    required.push({ for: 'payload.capabilities.privileged', scopes: scopeInPool('docker-worker:capability:privileged', task) });
  }
  if (payload.capabilities?.disableSeccomp) {
    required.push({ for: 'payload.capabilities.disableSeccomp', scopes: 'docker-worker:capability:disableSeccomp' });
  }
  for (const name of Object.keys(payload.cache ?? {})) {
    if (!name.includes('::')) required.push({ for: `payload.cache["${name}"]`, scopes: scopeInPool(`docker-worker:cache:${name}`, task) });
  }
  return required;
}
