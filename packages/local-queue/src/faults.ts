// Fault injection for tests: answer the next N calls of one API with a given status and a
// proper Taskcluster error body, so that client retry and worker error paths can be driven.

import { ApiError, codeForStatus } from './errors.js';

export class FaultInjector {
  private readonly pending = new Map<string, { status: number; remaining: number }>();

  /** `api` is an API name (`reportCompleted`, any service) or `<service>.<name>`. */
  inject(api: string, status: number, times: number): void {
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new Error(`fault status must be 4xx or 5xx, not ${status}`);
    if (times <= 0) this.pending.delete(api);
    else this.pending.set(api, { status, remaining: times });
  }

  /** The error to answer this call with, if a fault is pending for it. */
  take(service: string, name: string): ApiError | undefined {
    for (const key of [`${service}.${name}`, name]) {
      const fault = this.pending.get(key);
      if (!fault) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.pending.delete(key);
      return new ApiError(codeForStatus(fault.status), `Injected fault: ${name} answers ${fault.status}`, fault.status);
    }
    return undefined;
  }
}
