import type { ConfigObject } from '../../config/env-overrides.js';

/** A problem before any task ran (no Docker engine, no queue to talk to): exit status 3. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

/** CLI flags for identity and capacity; they override the config file and environment. */
export interface IdentityFlags {
  capacity?: string;
  workerId?: string;
  workerGroup?: string;
  workerType?: string;
  provisionerId?: string;
  workerNodeType?: string;
}

export function identityFlags(flags: IdentityFlags): ConfigObject {
  const out: ConfigObject = {};
  for (const key of ['capacity', 'workerId', 'workerGroup', 'workerType', 'provisionerId', 'workerNodeType'] as const) {
    if (flags[key] !== undefined) out[key] = flags[key];
  }
  return out;
}
